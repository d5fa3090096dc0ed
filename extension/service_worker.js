// Service worker: the thin shim between the widget and Python. It holds no CRM
// knowledge and builds no URL; the modules under worker/ each do one thing:
//   offscreen_client.js  the one offscreen document (Python in Pyodide)
//   queue.js             one event at a time, in arrival order
//   dispatch.js          an event to Python, its actions to the performers
//   actions.js           one performer per action type
//   outage.js            Python down: notices, kept events, retries
//   settings.js          settings, config.json and declared storage, cached
//   crm_in_use.js        the CRM tab focused last (Python decides what is a CRM)
//   phone_link.js        the phone page, notices, pop windows, the pop-out window
//   url_guard.js         the hosts a URL may open
//   envelope.js          {ok: true, data} / {ok: false, error: {code, message}}
// Nothing lives only in globals: state is in chrome.storage, so a stopped worker
// restarts where it left off.

import { crmPageFocused, pageOf, trackFocusedTabs } from "./worker/crm_in_use.js";
import { receiveWidgetEvent, saveSettings, dispatchToPython } from "./worker/dispatch.js";
import { answerWith, EnvelopeError } from "./worker/envelope.js";
import { IN_PAGE_SETTING, IN_PAGE_WIDGET_PARAMS, RUNTIME_MESSAGES, SHIM_ERROR_CODES, TARGETS } from "./worker/names.js";
import { offscreen, ensureOffscreenDocument as ensureDocument, callOffscreen as callDocument } from "./worker/offscreen_client.js";
import { isPhonePage, popOut, trackNormalWindows, trackPopOutBounds } from "./worker/phone_link.js";
import * as secrets from "./worker/secrets.js";
import { readBuildConfig, readCrmInUse, readSettings, watchStorage } from "./worker/settings.js";

// Module bindings the benchmark's JS baseline (scripts/bench.py) may replace.
let ensureOffscreenDocument = ensureDocument;
let callOffscreen = callDocument;
offscreen.ensure = () => ensureOffscreenDocument();
offscreen.call = (message) => callOffscreen(message);

watchStorage();
trackNormalWindows();
trackFocusedTabs();
trackPopOutBounds();
chrome.sidePanel?.setPanelBehavior({ openPanelOnActionClick: true }).catch((error) =>
  console.warn("[crm-callbacks] side panel behaviour not set:", error),
);

/** The widget URL for the phone page, or (in-page mode) for CRM pages. */
async function widgetConfig(forCrmPage) {
  const [built, settings] = await Promise.all([readBuildConfig(), readSettings()]);
  const inPage = settings[IN_PAGE_SETTING] === true;
  if (forCrmPage && !inPage) return { inPage: false };
  const url = new URL(settings.widgetUrl || built.widgetUrl);
  if (inPage) {
    // Python names the parameters (names.py): the CRM tabs' widgets and the phone page's
    // then share one web phone.
    for (const [name, value] of Object.entries(IN_PAGE_WIDGET_PARAMS)) url.searchParams.set(name, value);
  }
  return { inPage, widgetUrl: url.href, widgetOrigin: url.origin };
}

function isContentScript(sender) {
  return sender.id === chrome.runtime.id && sender.tab?.id !== undefined && sender.frameId === 0 && !sender.url?.startsWith(chrome.runtime.getURL(""));
}

function isExtensionPage(sender) {
  return Boolean(sender.url?.startsWith(chrome.runtime.getURL("")));
}

function refuse(what) {
  return Promise.reject(new EnvelopeError(SHIM_ERROR_CODES.NOT_ALLOWED, `${what} is not accepted from this sender`));
}

const handlers = {
  [RUNTIME_MESSAGES.WIDGET_EVENT](message, sender) {
    if (isPhonePage(sender)) return receiveWidgetEvent(message.message, { kind: "phone" });
    if (isContentScript(sender)) {
      return readSettings().then((settings) => {
        if (settings[IN_PAGE_SETTING] !== true) throw new EnvelopeError(SHIM_ERROR_CODES.NOT_ALLOWED, "the in-page phone is off");
        return receiveWidgetEvent(message.message, { kind: "tab", tabId: sender.tab.id, page: pageOf(sender.tab) });
      });
    }
    return refuse("a widget event");
  },
  [RUNTIME_MESSAGES.WIDGET_CONFIG](_message, sender) {
    if (isPhonePage(sender)) return widgetConfig(false);
    if (isContentScript(sender)) return widgetConfig(true);
    return refuse("widget-config");
  },
  [RUNTIME_MESSAGES.CRM_PAGE_FOCUSED](_message, sender) {
    return isContentScript(sender) ? crmPageFocused(sender.tab) : refuse("crm-page-focused");
  },
  [RUNTIME_MESSAGES.CRM_IN_USE]() {
    return readCrmInUse();
  },
  [RUNTIME_MESSAGES.POP_OUT](_message, sender) {
    return isExtensionPage(sender) ? popOut() : refuse("pop-out");
  },
  [RUNTIME_MESSAGES.SAVE_SETTINGS](message, sender) {
    if (!isExtensionPage(sender)) return refuse("save-settings");
    return saveSettings(message.settings).then((result) => {
      if (result.saved) return { settings: result.settings };
      throw new EnvelopeError(SHIM_ERROR_CODES.BAD_SETTINGS, "the settings were not saved", { errors: result.errors });
    });
  },
};

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (message?.target !== TARGETS.BACKGROUND || sender.id !== chrome.runtime.id) return false;
  const handler = Object.hasOwn(handlers, message.type) ? handlers[message.type] : null;
  if (!handler) {
    sendResponse({ ok: false, error: { code: SHIM_ERROR_CODES.UNKNOWN_MESSAGE_TYPE, message: `unknown message type ${JSON.stringify(message.type)}` } });
    return false;
  }
  return answerWith(handler(message, sender), sendResponse);
});

// Boot Python as soon as the browser or extension starts, so the first call is fast.
chrome.runtime.onStartup.addListener(() => offscreen.ensure());
chrome.runtime.onInstalled.addListener(() => offscreen.ensure());

// Exposed for end-to-end tests and benchmarks (worker.evaluate), not used by the shim.
self.crmCallbacks = { ensureOffscreenDocument, callOffscreen, dispatchToPython, popOut, secrets };
