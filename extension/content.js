// Content script on CRM pages: injects the RingCentral Embeddable widget and relays
// its messages to the service worker. Only messages from that iframe, at the
// widget's origin, are relayed: the CRM page and other frames cannot reach Python.

(() => {
  const IFRAME_ID = "crm-callbacks-widget";
  if (window.top !== window || document.getElementById(IFRAME_ID)) return;

  let widgetFrame = null;
  let widgetOrigin = null;

  function injectWidget({ widgetUrl, widgetOrigin: origin }) {
    widgetOrigin = origin;
    widgetFrame = document.createElement("iframe");
    widgetFrame.id = IFRAME_ID;
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
    document.documentElement.appendChild(widgetFrame);
  }

  function isWidgetMessage(event) {
    return (
      widgetFrame !== null &&
      event.source === widgetFrame.contentWindow &&
      event.origin === widgetOrigin &&
      event.data !== null &&
      typeof event.data === "object" &&
      typeof event.data.type === "string" &&
      event.data.type.startsWith("rc-")
    );
  }

  window.addEventListener("message", (event) => {
    if (!isWidgetMessage(event)) return;
    chrome.runtime
      .sendMessage({
        target: "background",
        type: "widget-event",
        message: event.data,
        page: { hostname: location.hostname, url: location.href },
      })
      .catch((error) => console.warn("[crm-callbacks] could not relay a widget event:", error));
  });

  function showNotice(level, text) {
    const notice = document.createElement("div");
    notice.setAttribute("role", level === "error" ? "alert" : "status");
    notice.dataset.crmCallbacksNotice = level;
    notice.textContent = text;
    Object.assign(notice.style, {
      position: "fixed",
      right: "16px",
      bottom: "524px",
      maxWidth: "300px",
      padding: "8px 12px",
      borderRadius: "6px",
      font: "13px/1.4 system-ui, sans-serif",
      color: "#fff",
      background: { error: "#c5221f", warning: "#b06000" }[level] ?? "#1a73e8",
      zIndex: "2147483647",
    });
    document.documentElement.appendChild(notice);
    setTimeout(() => notice.remove(), 8000);
  }

  chrome.runtime.onMessage.addListener((message) => {
    if (message?.target !== "content") return;
    if (message.type === "to-widget" && widgetFrame?.contentWindow) {
      widgetFrame.contentWindow.postMessage(message.message, widgetOrigin);
    } else if (message.type === "notice") {
      showNotice(message.level, message.text);
    }
  });

  chrome.runtime
    .sendMessage({ target: "background", type: "widget-config" })
    .then((config) => {
      if (!config?.widgetUrl) throw new Error(config?.error ?? "no widget URL configured");
      injectWidget(config);
    })
    .catch((error) => console.error("[crm-callbacks] widget not injected:", error));
})();
