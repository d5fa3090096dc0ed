// Service worker: the thin shim between the widget (via content.js) and Python (via
// the offscreen document). It holds no CRM knowledge and builds no URL: it hands each
// widget event to crm_callbacks.dispatch and carries out the actions it gets back.
// Nothing lives only in globals: state is in chrome.storage.session, settings in
// chrome.storage.local, so a terminated worker restarts where it left off.

const OFFSCREEN_PATH = "offscreen.html";
const STATE_KEY = "crmCallbacksState";
const SETTINGS_KEY = "crmCallbacksSettings";
const CONTRACT_VERSION = 1;

// ---- offscreen document: exactly one, created at most once at a time ----------

let creatingOffscreen = null;

async function hasOffscreenDocument() {
  const contexts = await chrome.runtime.getContexts({
    contextTypes: ["OFFSCREEN_DOCUMENT"],
    documentUrls: [chrome.runtime.getURL(OFFSCREEN_PATH)],
  });
  return contexts.length > 0;
}

async function ensureOffscreenDocument() {
  if (creatingOffscreen) return creatingOffscreen;
  if (await hasOffscreenDocument()) return;
  creatingOffscreen ??= chrome.offscreen
    .createDocument({
      url: OFFSCREEN_PATH,
      reasons: ["WORKERS"],
      justification: "Runs the Python CRM callbacks in Pyodide (WebAssembly)",
    })
    .catch((error) => {
      // Another caller won the race: one document exists, which is all we want.
      if (!String(error?.message).includes("single offscreen")) throw error;
    })
    .finally(() => {
      creatingOffscreen = null;
    });
  return creatingOffscreen;
}

// Known to exist since the last successful send: skips getContexts (≈ 0.7 ms) on the
// hot path. A send to a document Chrome closed fails, and is retried once after
// recreating it.
let offscreenKnownOpen = false;

async function callOffscreen(message) {
  if (offscreenKnownOpen) {
    try {
      return await chrome.runtime.sendMessage({ target: "offscreen", ...message });
    } catch {
      offscreenKnownOpen = false;
    }
  }
  await ensureOffscreenDocument();
  const answer = await chrome.runtime.sendMessage({ target: "offscreen", ...message });
  offscreenKnownOpen = true;
  return answer;
}

// ---- dispatch: one at a time, in arrival order ---------------------------------

let queueTail = Promise.resolve();

function serialised(task) {
  const run = queueTail.then(task, task);
  queueTail = run.catch(() => {});
  return run;
}

async function readSettings() {
  const [stored, built] = await Promise.all([chrome.storage.local.get(SETTINGS_KEY), readBuildConfig()]);
  return { ...built.settingDefaults, ...stored[SETTINGS_KEY] };
}

let buildConfig = null;

async function readBuildConfig() {
  buildConfig ??= fetch(chrome.runtime.getURL("config.json")).then((r) => r.json());
  return buildConfig;
}

// Only the keys the build listed (from the adapters' declarations) reach Python;
// a key that is not stored is passed as null so Python can tell "absent".
async function readDeclaredStorage() {
  const { storageKeys = [] } = await readBuildConfig();
  const stored = await chrome.storage.local.get(storageKeys);
  return Object.fromEntries(storageKeys.map((key) => [key, stored[key] ?? null]));
}

// Python's state lives in the offscreen document (crm_callbacks.session) between events:
// the request carries none, so an event costs the same whatever the state's size. The
// document sends the state here after each answer (persistPythonState) and it is kept
// in chrome.storage.session; a fresh document asks for it once (needState).
async function dispatchToPython(message, page) {
  const [settings, storage] = await Promise.all([readSettings(), readDeclaredStorage()]);
  const payload = { v: CONTRACT_VERSION, message, context: { page, settings, storage } };
  const send = (body) => callOffscreen({ type: "dispatch", session: true, requestId: crypto.randomUUID(), payload: body });
  let answer;
  try {
    answer = await send(payload);
    if (answer?.needState) {
      const session = await chrome.storage.session.get(STATE_KEY);
      answer = await send({ ...payload, state: session[STATE_KEY] ?? {} });
    }
  } catch (error) {
    answer = { ok: false, error: { code: "OFFSCREEN_UNREACHABLE", message: String(error?.message ?? error) } };
  }
  if (!answer?.ok) {
    throw new PythonUnavailable(
      answer?.error ?? { code: "OFFSCREEN_UNREACHABLE", message: "the offscreen document did not answer" },
    );
  }
  await clearRuntimeError();
  return answer.response;
}

// The offscreen document's state, written in the order it was sent. Registered at top
// level: the document's message starts a stopped worker.
function persistPythonState(message, sender, sendResponse) {
  if (message?.target !== "background" || message.type !== "python-state" || sender.tab) return false;
  if (sender.id !== chrome.runtime.id || sender.url !== chrome.runtime.getURL(OFFSCREEN_PATH)) return false;
  chrome.storage.session.set({ [STATE_KEY]: JSON.parse(message.state) }).then(
    () => sendResponse({ ok: true }),
    (error) => sendResponse({ ok: false, error: String(error?.message ?? error) }),
  );
  return true;
}
chrome.runtime.onMessage.addListener(persistPythonState);

/** Python could not answer (boot failed or timed out, offscreen document gone). */
class PythonUnavailable extends Error {
  constructor(detail) {
    super(`${detail.code}: ${detail.message}`);
    this.detail = detail;
  }
}

// Returns Python's response, or null when Python was unavailable: the event is then
// kept (in chrome.storage.session) and handled once Python starts, never dropped.
async function handleWidgetEvent(message, page, tab, receivedAt = Date.now()) {
  let response;
  try {
    response = await dispatchToPython(message, page);
  } catch (error) {
    if (!(error instanceof PythonUnavailable)) throw error;
    await keepForRetry({ message, page, tabId: tab?.id, receivedAt });
    await showRuntimeError(error.detail, tab);
    await restartPython();
    return null;
  }
  for (const error of response.errors ?? []) {
    console.warn(`[crm-callbacks] ${error.code}: ${error.message}`);
  }
  for (const action of response.actions ?? []) {
    try {
      await perform(action, tab, page);
    } catch (error) {
      console.error(`[crm-callbacks] action ${action?.type} failed:`, error);
    }
  }
  return response;
}

// ---- fetch: HTTP Python asked for; the result goes back to Python as an event ----

const FETCH_RESULT = "crm-callbacks-fetch-result";
const DEFAULT_FETCH_TIMEOUT_MS = 15000;

async function runFetch({ id, request, timeoutMs }) {
  const limit = Number(timeoutMs) > 0 ? Number(timeoutMs) : DEFAULT_FETCH_TIMEOUT_MS;
  try {
    if (!isAllowedUrl(request?.url)) throw new Error(`refused to fetch ${JSON.stringify(request?.url)}`);
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
    return { type: FETCH_RESULT, id, status: answer.status, body };
  } catch (error) {
    const reason = error?.name === "TimeoutError" ? `timed out after ${limit} ms` : String(error?.message ?? error);
    return { type: FETCH_RESULT, id, status: 0, body: null, error: reason };
  }
}

// ---- actions -------------------------------------------------------------------

function isAllowedUrl(url) {
  // Second guard behind Python's: https anywhere, http only on loopback hosts.
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === "https:") return true;
  const host = parsed.hostname;
  const loopback =
    host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || host.startsWith("127.");
  return parsed.protocol === "http:" && loopback;
}

const performers = {
  async openTab(action, tab) {
    if (!isAllowedUrl(action.url)) {
      throw new Error(`refused to open ${JSON.stringify(action.url)}: not an https URL`);
    }
    if (action.popup) {
      await chrome.windows.create({ url: action.url, type: "popup", focused: Boolean(action.active) });
      return;
    }
    const options = { url: action.url, active: Boolean(action.active) };
    if (tab?.windowId !== undefined) options.windowId = tab.windowId;
    await chrome.tabs.create(options);
  },
  async removeStorage(action) {
    await chrome.storage.local.remove(action.keys);
  },
  async setStorage(action) {
    await chrome.storage.local.set(action.items);
  },
  async reply(action, tab) {
    await postToWidget(tab, {
      type: "rc-post-message-response",
      responseId: action.requestId,
      response: { data: action.data },
    });
  },
  async post(action, tab) {
    await postToWidget(tab, action.message);
  },
  fetch(action, tab, page) {
    // Not awaited: the dispatch queue goes on while the request is out; the result
    // joins the queue as a new event for the same page and tab.
    runFetch(action).then((result) => serialised(() => handleWidgetEvent(result, page, tab)));
  },
  async notify(action, tab) {
    await sendToTab(tab, { target: "content", type: "notice", level: action.level, text: action.message });
  },
};

async function perform(action, tab, page) {
  const performer = performers[action?.type];
  if (!performer) throw new Error(`unknown action type ${JSON.stringify(action?.type)}`);
  await performer(action, tab, page);
}

async function sendToTab(tab, message) {
  if (tab?.id === undefined) throw new Error("no tab to deliver to");
  await chrome.tabs.sendMessage(tab.id, message, { frameId: 0 });
}

function postToWidget(tab, message) {
  return sendToTab(tab, { target: "content", type: "to-widget", message });
}

// ---- Python unavailable: tell the user, keep the events, retry with backoff -------

const RETRY_KEY = "crmCallbacksRetry";
const MAX_KEPT_EVENTS = 200;
const MAX_EVENT_AGE_MS = 120000; // an older ring is no use to anyone
const RETRY_DELAYS_MS = [1000, 5000, 15000, 60000];
let retryAttempt = 0;
let retryTimer = null;
let mayHaveKeptEvents = true; // unknown after a restart of this worker
let runtimeErrorShown = false; // the page notice, once per outage
let badgeMayShow = true; // unknown after a restart of this worker

async function keptEvents() {
  return (await chrome.storage.session.get(RETRY_KEY))[RETRY_KEY] ?? [];
}

async function keepForRetry(...events) {
  const kept = [...(await keptEvents()), ...events];
  const dropped = kept.splice(0, Math.max(0, kept.length - MAX_KEPT_EVENTS));
  if (dropped.length) console.warn(`[crm-callbacks] dropped the ${dropped.length} oldest kept events`);
  await chrome.storage.session.set({ [RETRY_KEY]: kept });
  mayHaveKeptEvents = true;
}

// Handle kept events in arrival order; stop at the first that still cannot reach Python.
async function retryKeptEvents() {
  if (!mayHaveKeptEvents) return;
  const kept = await keptEvents();
  await chrome.storage.session.set({ [RETRY_KEY]: [] });
  mayHaveKeptEvents = false;
  for (const [index, event] of kept.entries()) {
    if (Date.now() - event.receivedAt > MAX_EVENT_AGE_MS) {
      console.warn(`[crm-callbacks] not handling a ${event.message?.type} kept for over ${MAX_EVENT_AGE_MS / 1000} s`);
      continue;
    }
    const tab = event.tabId === undefined ? undefined : await chrome.tabs.get(event.tabId).catch(() => undefined);
    if ((await handleWidgetEvent(event.message, event.page, tab, event.receivedAt)) === null) {
      await keepForRetry(...kept.slice(index + 1));
      return;
    }
  }
}

// A failed runtime is closed, so the next attempt boots a fresh one.
async function restartPython() {
  offscreenKnownOpen = false;
  try {
    if (await hasOffscreenDocument()) await chrome.offscreen.closeDocument();
  } catch (error) {
    console.warn("[crm-callbacks] could not close the offscreen document:", error);
  }
  if (retryTimer !== null) return;
  const delay = RETRY_DELAYS_MS[Math.min(retryAttempt, RETRY_DELAYS_MS.length - 1)];
  retryAttempt += 1;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    serialised(retryKeptEvents);
  }, delay);
}

async function showRuntimeError(error, tab) {
  console.error(`[crm-callbacks] ${error.code}: ${error.message}`);
  badgeMayShow = true;
  await chrome.action?.setBadgeBackgroundColor({ color: "#c5221f" });
  await chrome.action?.setBadgeText({ text: "!" });
  await chrome.action?.setTitle({ title: `crm-callbacks: ${error.code} — ${error.message}` });
  if (runtimeErrorShown || !tab) return;
  runtimeErrorShown = true;
  const text = `crm-callbacks could not start Python (${error.code}: ${error.message}). ` +
    "Calls are kept and handled as soon as it starts.";
  await sendToTab(tab, { target: "content", type: "notice", level: "error", text }).catch(() => {});
}

async function clearRuntimeError() {
  if (!badgeMayShow) return;
  badgeMayShow = false;
  retryAttempt = 0;
  runtimeErrorShown = false;
  await chrome.action?.setBadgeText({ text: "" });
  await chrome.action?.setTitle({ title: "crm-callbacks" });
}

// ---- widget configuration: build defaults, overridden by the user's settings -----

async function widgetConfig() {
  const [built, settings] = await Promise.all([readBuildConfig(), readSettings()]);
  const widgetUrl = settings.widgetUrl || built.widgetUrl;
  return { widgetUrl, widgetOrigin: new URL(widgetUrl).origin };
}

// ---- options page: Python checks the settings and derives the widget URL ---------

async function saveSettings(settings) {
  const built = await readBuildConfig();
  const message = {
    type: "crm-callbacks-save-settings",
    settings,
    build: { ...built, ...built.settingDefaults },
  };
  let response;
  try {
    response = await dispatchToPython(message, { hostname: "", url: "" });
  } catch (error) {
    if (!(error instanceof PythonUnavailable)) throw error;
    return { ok: false, errors: [error.detail] };
  }
  if (response.errors?.length) return { ok: false, errors: response.errors };
  for (const action of response.actions) await perform(action);
  const stored = await chrome.storage.local.get(SETTINGS_KEY);
  return { ok: true, settings: stored[SETTINGS_KEY] ?? {} };
}

// ---- messages from content scripts and the test/benchmark harness ---------------

function isExtensionPage(sender) {
  return sender.id === chrome.runtime.id && Boolean(sender.url?.startsWith(chrome.runtime.getURL("")));
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (message?.target !== "background" || sender.id !== chrome.runtime.id) return false;
  if (message.type === "widget-event" && sender.tab) {
    serialised(async () => {
      await retryKeptEvents();
      await handleWidgetEvent(message.message, message.page, sender.tab);
    }).then(
      () => sendResponse({ ok: true }),
      (error) => sendResponse({ ok: false, error: String(error?.message ?? error) }),
    );
    return true;
  }
  if (message.type === "save-settings" && isExtensionPage(sender)) {
    serialised(() => saveSettings(message.settings)).then(sendResponse, (error) =>
      sendResponse({ ok: false, errors: [{ code: "SAVE_FAILED", message: String(error?.message ?? error) }] }),
    );
    return true;
  }
  if (message.type === "widget-config") {
    widgetConfig().then(sendResponse, (error) => sendResponse({ error: String(error) }));
    return true;
  }
  return false;
});

// Boot Python as soon as the browser or extension starts, so the first call is fast.
chrome.runtime.onStartup.addListener(() => ensureOffscreenDocument());
chrome.runtime.onInstalled.addListener(() => ensureOffscreenDocument());

// Exposed for end-to-end tests and benchmarks (worker.evaluate), not used by the shim.
self.crmCallbacks = { ensureOffscreenDocument, callOffscreen, dispatchToPython };
