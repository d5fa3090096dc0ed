// The CRM in use: the CRM tab focused last. Tab and window switches, and the content
// script (it runs only on the CRM hosts the build took from Python's adapters) on page
// loads, report the tab in front; the worker passes that tab's own URL, as Chrome reports
// it, to Python, which decides whether it is a CRM and which platform and answers with
// the record to store (or with UNKNOWN_PLATFORM, changing nothing). No CRM logic here.

import { handleEvent } from "./dispatch.js";
import { MESSAGE_TYPES } from "./names.js";
import { rememberNormalWindow } from "./phone_link.js";
import { serialised } from "./queue.js";
import { readCrmInUse } from "./settings.js";

/** The page of a tab, as Chrome reports it (never what the page says of itself). */
export function pageOf(tab) {
  return { hostname: new URL(tab.url).hostname, url: tab.url };
}

/** A CRM tab (sender.tab, as Chrome reports it) was focused. */
export function crmPageFocused(tab) {
  if (!tab?.url) return Promise.resolve(null);
  const page = pageOf(tab);
  return serialised(async () => {
    await rememberNormalWindow(tab.windowId);
    const current = await readCrmInUse();
    if (current?.hostname === page.hostname) return current;
    const message = { type: MESSAGE_TYPES.CRM_FOCUSED };
    await handleEvent({ message, origin: { kind: "none" }, page, platform: null, receivedAt: Date.now() });
    return readCrmInUse();
  });
}


/** Tab switches, window switches and page loads each report the tab now in front. */
export function trackFocusedTabs() {
  const report = (tab) => {
    if (tab?.active && /^https?:/.test(tab.url ?? "")) crmPageFocused(tab).catch(() => {});
  };
  chrome.tabs.onActivated.addListener(({ tabId }) => chrome.tabs.get(tabId).then(report, () => {}));
  chrome.windows.onFocusChanged.addListener(
    (windowId) => {
      if (windowId === chrome.windows.WINDOW_ID_NONE) return;
      chrome.tabs.query({ active: true, windowId }).then(([tab]) => report(tab), () => {});
    },
    { windowTypes: ["normal"] },
  );
}
