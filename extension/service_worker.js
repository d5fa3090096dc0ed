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

async function callOffscreen(message) {
  await ensureOffscreenDocument();
  return chrome.runtime.sendMessage({ target: "offscreen", ...message });
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

async function dispatchToPython(message, page) {
  const [settings, storage, session] = await Promise.all([
    readSettings(),
    readDeclaredStorage(),
    chrome.storage.session.get(STATE_KEY),
  ]);
  const request = {
    v: CONTRACT_VERSION,
    message,
    context: { page, settings, storage },
    state: session[STATE_KEY] ?? {},
  };
  const answer = await callOffscreen({
    type: "dispatch",
    requestId: crypto.randomUUID(),
    payload: request,
  });
  if (!answer?.ok) {
    const error = answer?.error ?? { code: "OFFSCREEN_UNREACHABLE", message: "no answer" };
    await showRuntimeError(error);
    return { v: CONTRACT_VERSION, actions: [], state: request.state, errors: [error] };
  }
  await chrome.storage.session.set({ [STATE_KEY]: answer.response.state ?? {} });
  await clearRuntimeError();
  return answer.response;
}

async function handleWidgetEvent(message, page, tab) {
  const response = await dispatchToPython(message, page);
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

// ---- runtime errors: shown on the action badge, cleared on the next success -----

async function showRuntimeError(error) {
  console.error(`[crm-callbacks] ${error.code}: ${error.message}`);
  await chrome.action?.setBadgeBackgroundColor({ color: "#c5221f" });
  await chrome.action?.setBadgeText({ text: "!" });
  await chrome.action?.setTitle({ title: `crm-callbacks: ${error.code} — ${error.message}` });
}

async function clearRuntimeError() {
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
  const response = await dispatchToPython(message, { hostname: "", url: "" });
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
    serialised(() => handleWidgetEvent(message.message, message.page, sender.tab)).then(
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
