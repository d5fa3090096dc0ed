// Content script on CRM pages (the build matches it to the CRM hosts of Python's
// adapters). It tells the worker when this CRM page is focused, so calls pop on the CRM
// in use (Python decides which CRM it is). Only with the setting "Show the phone inside
// CRM pages" does it embed the widget here, out of the page's reach: in a closed shadow
// root of an element it made, relaying only browser-made messages (isTrusted) from that
// iframe at the widget's origin. The page cannot forge, block or read the embed.
// Not a module (content scripts cannot be): the names come from content_names.js, which
// the build generates from crm_callbacks/names.py and lists before this file.

(() => {
  const NAMES = globalThis.CRM_CALLBACKS_NAMES;
  if (window.top !== window || globalThis.crmCallbacksContentStarted) return;
  globalThis.crmCallbacksContentStarted = true; // the isolated world's own global
  const { RUNTIME_MESSAGES, TARGETS } = NAMES;

  const ask = async (type, extra = {}) => {
    const answer = await chrome.runtime.sendMessage({ target: TARGETS.BACKGROUND, type, ...extra });
    if (!answer?.ok) throw new Error(`${answer?.error?.code}: ${answer?.error?.message}`);
    return answer.data;
  };

  // ---- the CRM in use --------------------------------------------------------------

  function reportFocus() {
    if (document.visibilityState !== "visible") return;
    ask(RUNTIME_MESSAGES.CRM_PAGE_FOCUSED).catch((error) =>
      console.warn("[crm-callbacks] could not report this CRM page:", error),
    );
  }
  document.addEventListener("visibilitychange", reportFocus);
  window.addEventListener("focus", reportFocus);
  reportFocus();

  // ---- the in-page phone (opt-in) ---------------------------------------------------

  let widgetFrame = null;
  let widgetOrigin = null;

  function injectWidget({ widgetUrl, widgetOrigin: origin }) {
    widgetOrigin = origin;
    const host = document.createElement("crm-callbacks-phone");
    const root = host.attachShadow({ mode: "closed" });
    widgetFrame = document.createElement("iframe");
    widgetFrame.src = widgetUrl;
    widgetFrame.title = "RingCentral phone";
    widgetFrame.allow = "microphone; autoplay; camera; clipboard-read; clipboard-write; hid";
    Object.assign(widgetFrame.style, {
      position: "fixed",
      right: "16px",
      bottom: "16px",
      width: "300px",
      height: "500px",
      border: "0",
      borderRadius: "8px",
      boxShadow: "0 4px 16px rgba(0,0,0,.25)",
      zIndex: "2147483646",
      background: "#fff",
    });
    root.append(widgetFrame);
    document.documentElement.append(host);
  }

  function isWidgetMessage(event) {
    return (
      event.isTrusted &&
      widgetFrame !== null &&
      event.source === widgetFrame.contentWindow &&
      event.origin === widgetOrigin &&
      event.data !== null &&
      typeof event.data === "object" &&
      typeof event.data.type === "string" &&
      event.data.type.startsWith("rc-")
    );
  }

  window.addEventListener(
    "message",
    (event) => {
      if (!isWidgetMessage(event)) return;
      ask(RUNTIME_MESSAGES.WIDGET_EVENT, { message: event.data }).catch((error) =>
        console.warn("[crm-callbacks] could not relay a widget event:", error),
      );
    },
    true,
  );

  chrome.runtime.onMessage.addListener((message) => {
    if (message?.target !== TARGETS.CONTENT) return;
    if (message.type === RUNTIME_MESSAGES.TO_WIDGET && widgetFrame?.contentWindow) {
      widgetFrame.contentWindow.postMessage(message.message, widgetOrigin);
    }
  });

  ask(RUNTIME_MESSAGES.WIDGET_CONFIG)
    .then((config) => {
      if (config.inPage) injectWidget(config);
    })
    .catch((error) => console.error("[crm-callbacks] could not read the phone settings:", error));
})();
