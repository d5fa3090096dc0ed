// The phone page: hosts THE widget iframe for the whole browser (in the side panel, or
// popped out in its own window). Only messages from that iframe, at the widget's origin,
// dispatched by the browser (isTrusted) are relayed to the worker; the worker's replies
// and posts come back here. One phone at a time: the page holding the Web Lock PHONE_LOCK
// (shared by every page of the extension) runs the widget; another shows where it runs.

import { PHONE_LOCK, RUNTIME_MESSAGES, STORAGE_KEYS, TARGETS } from "./worker/names.js";

const MAX_NOTICES = 5;
const popped = new URLSearchParams(location.search).get("mode") === "window";
const $ = (id) => document.getElementById(id);

let frame = null;
let widgetOrigin = null;
let holding = false;

async function ask(type, extra = {}) {
  const answer = await chrome.runtime.sendMessage({ target: TARGETS.BACKGROUND, type, ...extra });
  if (!answer?.ok) throw new Error(`${answer?.error?.code}: ${answer?.error?.message}`);
  return answer.data;
}

// ---- the widget --------------------------------------------------------------------

async function startWidget() {
  const config = await ask(RUNTIME_MESSAGES.WIDGET_CONFIG);
  widgetOrigin = config.widgetOrigin;
  frame = document.createElement("iframe");
  frame.src = config.widgetUrl;
  frame.title = "RingCentral phone";
  frame.allow = "microphone; autoplay; camera; clipboard-read; clipboard-write; hid";
  $("widget-host").replaceChildren(frame);
}

function stopWidget() {
  frame?.remove();
  frame = null;
}

function isWidgetMessage(event) {
  return (
    holding &&
    event.isTrusted &&
    frame !== null &&
    event.source === frame.contentWindow &&
    event.origin === widgetOrigin &&
    event.data !== null &&
    typeof event.data === "object" &&
    typeof event.data.type === "string" &&
    event.data.type.startsWith("rc-")
  );
}

window.addEventListener("message", (event) => {
  if (!isWidgetMessage(event)) return;
  ask(RUNTIME_MESSAGES.WIDGET_EVENT, { message: event.data }).catch((error) =>
    console.warn("[crm-callbacks] could not relay a widget event:", error),
  );
});

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (message?.target !== TARGETS.PHONE || !holding) return false;
  if (message.type === RUNTIME_MESSAGES.TO_WIDGET && frame?.contentWindow) {
    frame.contentWindow.postMessage(message.message, widgetOrigin);
  } else if (message.type === RUNTIME_MESSAGES.NOTICE) {
    showNotice(message.level, message.text);
  } else if (message.type === RUNTIME_MESSAGES.FOCUS_PHONE) {
    focusThisPage();
  } else {
    return false;
  }
  sendResponse({ ok: true, data: null });
  return false;
});

// ---- notices -------------------------------------------------------------------------

function showNotice(level, text) {
  const notice = document.createElement("div");
  notice.setAttribute("role", level === "error" ? "alert" : "status");
  notice.dataset.crmCallbacksNotice = level;
  notice.textContent = text;
  notice.title = new Date().toLocaleTimeString();
  $("notices").prepend(notice);
  while ($("notices").children.length > MAX_NOTICES) $("notices").lastElementChild.remove();
}

// An information badge ("i") has done its job once the user looks at the phone; an
// outage's "!" stays until Python answers again (the worker clears it).
window.addEventListener("focus", async () => {
  if ((await chrome.action.getBadgeText({})) === "i") await chrome.action.setBadgeText({ text: "" });
});

// ---- the CRM in use ------------------------------------------------------------------

function showCrmInUse(crm) {
  $("crm-in-use").dataset.state = crm ? "set" : "none";
  $("crm-name").textContent = crm
    ? `${crm.displayName ?? crm.platform} (${crm.hostname})`
    : "no CRM yet — open your CRM in a tab";
}

chrome.storage.local.get(STORAGE_KEYS.CRM_IN_USE).then((stored) => showCrmInUse(stored[STORAGE_KEYS.CRM_IN_USE]));
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && STORAGE_KEYS.CRM_IN_USE in changes) showCrmInUse(changes[STORAGE_KEYS.CRM_IN_USE].newValue);
});

// ---- one phone per browser -----------------------------------------------------------

async function focusThisPage() {
  const window = await chrome.windows.getCurrent();
  await chrome.windows.update(window.id, { focused: true });
  const tab = await chrome.tabs.getCurrent();
  if (tab) await chrome.tabs.update(tab.id, { active: true });
}

function focusRunningPhone() {
  chrome.runtime
    .sendMessage({ target: TARGETS.PHONE, type: RUNTIME_MESSAGES.FOCUS_PHONE })
    .catch((error) => console.warn("[crm-callbacks] the running phone did not answer:", error));
}

function showElsewhere() {
  holding = false;
  stopWidget();
  document.body.dataset.phone = "elsewhere";
  $("elsewhere").hidden = false;
}

// `steal`: take the phone from the page running it (the pop-out window, "use it here").
function takePhone(steal) {
  navigator.locks
    .request(PHONE_LOCK, steal ? { steal: true } : { ifAvailable: true }, async (lock) => {
      if (!lock) {
        showElsewhere();
        focusRunningPhone();
        return;
      }
      holding = true;
      document.body.dataset.phone = "here";
      $("elsewhere").hidden = true;
      await startWidget();
      await new Promise(() => {}); // held for this page's life
    })
    .catch((error) => {
      if (error?.name === "AbortError") showElsewhere(); // another page took the phone
      else console.error("[crm-callbacks] the phone did not start:", error);
    });
}

$("focus-phone").addEventListener("click", focusRunningPhone);
$("use-here").addEventListener("click", () => takePhone(true));
$("pop-out").hidden = popped;
$("pop-out").addEventListener("click", () =>
  ask(RUNTIME_MESSAGES.POP_OUT).catch((error) => showNotice("error", `Could not pop out: ${error.message}`)),
);

takePhone(popped);
