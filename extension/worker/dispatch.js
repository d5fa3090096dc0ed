// Dispatch: one widget event (or an event of our own) to Python, then its actions.
// An event carries its origin — {kind: "phone"} for the phone page, {kind: "tab", tabId}
// for a CRM tab in the in-page mode — and the page Python works on: the CRM in use for
// the phone, the tab's own page in the in-page mode.

import { perform } from "./actions.js";
import { CONTRACT_VERSION, DEFAULT_FETCH_TIMEOUT_MS, MESSAGE_TYPES, OFFSCREEN_MESSAGES, SHIM_ERROR_CODES, STORAGE_KEYS } from "./names.js";
import { offscreen } from "./offscreen_client.js";
import {
  PythonUnavailable,
  clearRuntimeError,
  keepForRetry,
  restartPython,
  retryKeptEvents,
  showRuntimeError,
} from "./outage.js";
import { notify, openPop, toWidget } from "./phone_link.js";
import { serialised } from "./queue.js";
import { runAuthFlow, identityContext } from "./identity.js";
import { checkCredentialTarget, pickHeaders } from "./secrets.js";
import { readBuildConfig, readCrmInUse, readDeclaredStorage, readSettings, removeLocal, writeLocal } from "./settings.js";
import { keepState, persistedState } from "./state_store.js";
import { refusal } from "./url_guard.js";

// Names this worker to the offscreen document: a new one (a worker stopped mid-stream may
// not have kept the last change) gets a checkpoint with its first answer.
const WORKER_INSTANCE = crypto.randomUUID();

// Python's state lives in the offscreen document (crm_callbacks.session) between events:
// the request carries none, so Python's cost does not grow with the state. An answer that
// changed it says what to persist (state_store.js), kept before its actions are
// performed; a fresh document asks for the persisted state once (needState).
export async function dispatchToPython(message, page, platform = null) {
  const [settings, storage] = await Promise.all([readSettings(), readDeclaredStorage()]);
  // Python has no clock: pending server lookups expire by `now`.
  const context = { page, settings, storage, identity: identityContext(), now: Date.now() };
  if (platform) context.platform = platform;
  const payload = { v: CONTRACT_VERSION, message, context };
  const send = (body) =>
    offscreen.call({
      type: OFFSCREEN_MESSAGES.DISPATCH,
      session: true,
      worker: WORKER_INSTANCE,
      requestId: crypto.randomUUID(),
      payload: body,
    });
  let answer;
  try {
    answer = await send(payload);
    if (answer?.needState) answer = await send({ ...payload, ...(await persistedState()) });
  } catch (error) {
    answer = { ok: false, error: { code: SHIM_ERROR_CODES.OFFSCREEN_UNREACHABLE, message: String(error?.message ?? error) } };
  }
  if (!answer?.ok) {
    throw new PythonUnavailable(
      answer?.error ?? { code: SHIM_ERROR_CODES.OFFSCREEN_UNREACHABLE, message: "the offscreen document did not answer" },
    );
  }
  if (typeof answer.persist === "string") keepState(answer.persist);
  await clearRuntimeError();
  return answer.response;
}

/** Where Python works for an event from `origin`: the CRM in use, or the sending tab. */
export async function pageFor(origin) {
  if (origin.kind === "tab") return { page: origin.page, platform: null };
  const crm = await readCrmInUse();
  return crm
    ? { page: { hostname: crm.hostname, url: "" }, platform: crm.platform }
    : { page: { hostname: "", url: "" }, platform: null };
}

// Returns Python's response, or null when Python was unavailable: the event is then
// kept (in chrome.storage.session) and handled once Python starts, never dropped.
// A widget event works on the page of its origin as it is when the event is handled (a
// kept event too: a CRM focused while Python was down counts); a fetch result goes on
// with the page of the event that asked for it.
export async function handleEvent(event) {
  if (!event.page) event = { ...event, ...(await pageFor(event.origin)) };
  let response;
  try {
    response = await dispatchToPython(event.message, event.page, event.platform);
  } catch (error) {
    if (!(error instanceof PythonUnavailable)) throw error;
    await keepForRetry(event);
    await showRuntimeError(error.detail);
    await restartPython(() => serialised(() => retryKeptEvents(handleEvent)));
    return null;
  }
  for (const error of response.errors ?? []) {
    console.warn(`[crm-callbacks] ${error.code}: ${error.message}`);
  }
  const shell = shellFor(event);
  for (const action of response.actions ?? []) {
    try {
      await perform(action, shell);
    } catch (error) {
      console.error(`[crm-callbacks] action ${action?.type} failed:`, error);
    }
  }
  return response;
}

/** A widget event: kept events first (arrival order), then this one. */
export function receiveWidgetEvent(message, origin) {
  const receivedAt = Date.now();
  return serialised(async () => {
    await retryKeptEvents(handleEvent);
    await handleEvent({ message, origin, receivedAt });
  });
}

async function allowedHosts(event) {
  const [built, crm] = await Promise.all([readBuildConfig(), readCrmInUse()]);
  const hosts = [...(built.openHostPatterns ?? [])];
  if (crm?.hostname) hosts.push(crm.hostname);
  if (event.page?.hostname) hosts.push(event.page.hostname);
  return hosts;
}

/** The configured server's origin, and those the build's adapters declared (a platform's
 * own App Connect server, Bullhorn's user lookup). */
async function serverOrigins() {
  const [{ serverUrl }, built] = await Promise.all([readSettings(), readBuildConfig()]);
  const origins = [...(built.fetchOrigins ?? [])];
  try {
    if (serverUrl) origins.push(new URL(serverUrl).origin);
  } catch {
    // not a URL: Python refuses it too
  }
  return origins;
}

/** The browser side effects of one event's actions (see actions.js). */
function shellFor(event) {
  return {
    async openUrl(url, options) {
      const why = refusal(url, { hostPatterns: await allowedHosts(event) });
      if (why) throw new Error(`refused to open ${JSON.stringify(url)}: ${why}`);
      await openPop(url, options);
    },
    removeStorage: (keys) => removeLocal(keys),
    setStorage: (items) => writeLocal(items),
    toWidget: (message) => toWidget(event.origin, message),
    notify: (level, text) => notify(level, text),
    fetchThenDispatch(action) {
      runFetch(action).then((result) =>
        serialised(() => handleEvent({ ...event, message: result, receivedAt: Date.now() })),
      );
    },
    authFlowThenDispatch(action) {
      runAuthFlow(action).then((result) =>
        serialised(() => handleEvent({ ...event, message: result, receivedAt: Date.now() })),
      );
    },
  };
}

// HTTP Python asked for; the result goes back to Python as an event.
async function runFetch({ id, request, timeoutMs, responseHeaders }) {
  const limit = Number(timeoutMs) > 0 ? Number(timeoutMs) : DEFAULT_FETCH_TIMEOUT_MS;
  try {
    const why = refusal(request?.url, { origins: await serverOrigins() });
    if (why) throw new Error(`refused to fetch ${JSON.stringify(request?.url)}: ${why}`);
    await checkCredentialTarget(request);
    const init = {
      method: request.method ?? "GET",
      headers: request.headers ?? {},
      credentials: "omit",
      signal: AbortSignal.timeout(limit),
    };
    if (request.body !== null && request.body !== undefined) {
      init.body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
    }
    const answer = await fetch(request.url, init);
    const text = await answer.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: Python gets the text
    }
    const headers = pickHeaders(answer, responseHeaders);
    return { type: MESSAGE_TYPES.FETCH_RESULT, id, status: answer.status, body, headers };
  } catch (error) {
    const reason = error?.name === "TimeoutError" ? `timed out after ${limit} ms` : String(error?.message ?? error);
    return { type: MESSAGE_TYPES.FETCH_RESULT, id, status: 0, body: null, error: reason };
  }
}

/** The options page's save: Python checks the settings and derives the widget URL. */
export async function saveSettings(settings) {
  const built = await readBuildConfig();
  const message = { type: MESSAGE_TYPES.SAVE_SETTINGS, settings, build: { ...built, ...built.settingDefaults } };
  let response;
  try {
    response = await dispatchToPython(message, { hostname: "", url: "" });
  } catch (error) {
    if (!(error instanceof PythonUnavailable)) throw error;
    return { saved: false, errors: [error.detail] };
  }
  if (response.errors?.length) return { saved: false, errors: response.errors };
  const shell = shellFor({ origin: { kind: "none" }, page: null });
  for (const action of response.actions) await perform(action, shell);
  const stored = await chrome.storage.local.get(STORAGE_KEYS.SETTINGS);
  return { saved: true, settings: stored[STORAGE_KEYS.SETTINGS] ?? {} };
}

export { notify };
