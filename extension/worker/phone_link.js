// The worker's side of the phone: deliver to the widget (in the phone page, or in a CRM
// tab in the in-page mode), show notices (phone page + action badge), open pops in the
// last focused normal window, and keep the pop-out window single.

import { PHONE_PAGE, RUNTIME_MESSAGES, STORAGE_KEYS, TARGETS } from "./names.js";
import { writeLocal } from "./settings.js";

export const phoneUrl = () => chrome.runtime.getURL(PHONE_PAGE);

export function isPhonePage(sender) {
  return sender.id === chrome.runtime.id && Boolean(sender.url?.startsWith(phoneUrl()));
}

/** Post `message` to the widget the event came from. */
export async function toWidget(origin, message) {
  if (origin?.kind === "tab") {
    await chrome.tabs.sendMessage(
      origin.tabId,
      { target: TARGETS.CONTENT, type: RUNTIME_MESSAGES.TO_WIDGET, message },
      { frameId: 0 },
    );
    return;
  }
  // Only the phone page holding the phone lock answers (see phone.js).
  await chrome.runtime.sendMessage({ target: TARGETS.PHONE, type: RUNTIME_MESSAGES.TO_WIDGET, message });
}

const BADGE = { error: ["!", "#c5221f"], warning: ["!", "#b06000"], info: ["i", "#1a73e8"] };

/** A notice on the phone page (when one is open) and on the toolbar action's badge. */
export async function notify(level, text) {
  const [badgeText, color] = BADGE[level] ?? BADGE.info;
  await chrome.action.setBadgeBackgroundColor({ color });
  await chrome.action.setBadgeText({ text: badgeText });
  await chrome.action.setTitle({ title: `crm-callbacks: ${text}` });
  await chrome.runtime
    .sendMessage({ target: TARGETS.PHONE, type: RUNTIME_MESSAGES.NOTICE, level, text })
    .catch(() => {}); // no phone page open: the badge carries it
}

// ---- where pops open ----------------------------------------------------------------

/** Remember the last focused normal window (never the side panel's or pop-out's role). */
export function trackNormalWindows() {
  chrome.windows.onFocusChanged.addListener(
    (windowId) => {
      if (windowId === chrome.windows.WINDOW_ID_NONE) return;
      chrome.storage.session.set({ [STORAGE_KEYS.LAST_NORMAL_WINDOW]: windowId }).catch(() => {});
    },
    { windowTypes: ["normal"] },
  );
}

export async function rememberNormalWindow(windowId) {
  const window = await chrome.windows.get(windowId).catch(() => null);
  if (window?.type === "normal") {
    await chrome.storage.session.set({ [STORAGE_KEYS.LAST_NORMAL_WINDOW]: windowId });
  }
}

async function popWindowId() {
  const stored = (await chrome.storage.session.get(STORAGE_KEYS.LAST_NORMAL_WINDOW))[
    STORAGE_KEYS.LAST_NORMAL_WINDOW
  ];
  if (stored !== undefined) {
    const window = await chrome.windows.get(stored).catch(() => null);
    if (window?.type === "normal") return stored;
  }
  const window = await chrome.windows.getLastFocused({ windowTypes: ["normal"] }).catch(() => null);
  return window?.type === "normal" ? window.id : null;
}

export async function openPop(url, { active, popup }) {
  if (popup) {
    await chrome.windows.create({ url, type: "popup", focused: active });
    return;
  }
  const windowId = await popWindowId();
  if (windowId === null) {
    await chrome.windows.create({ url, type: "normal", focused: active });
    return;
  }
  await chrome.tabs.create({ url, active, windowId });
  if (active) await chrome.windows.update(windowId, { focused: true }).catch(() => {});
}

// ---- the pop-out window: one at most, its bounds remembered ---------------------------

const DEFAULT_BOUNDS = { width: 360, height: 640 };

export async function popOut() {
  const id = (await chrome.storage.session.get(STORAGE_KEYS.POPOUT_WINDOW_ID))[STORAGE_KEYS.POPOUT_WINDOW_ID];
  if (id !== undefined) {
    const existing = await chrome.windows.get(id).catch(() => null);
    if (existing) {
      await chrome.windows.update(id, { focused: true });
      return { windowId: id, created: false };
    }
  }
  const stored = (await chrome.storage.local.get(STORAGE_KEYS.PHONE_WINDOW))[STORAGE_KEYS.PHONE_WINDOW] ?? {};
  const bounds = { ...DEFAULT_BOUNDS, ...pick(stored, ["left", "top", "width", "height"]) };
  const window = await chrome.windows.create({ url: `${phoneUrl()}?mode=window`, type: "popup", focused: true, ...bounds });
  await chrome.storage.session.set({ [STORAGE_KEYS.POPOUT_WINDOW_ID]: window.id });
  return { windowId: window.id, created: true };
}

function pick(object, keys) {
  return Object.fromEntries(keys.filter((k) => Number.isInteger(object[k])).map((k) => [k, object[k]]));
}

export function trackPopOutBounds() {
  chrome.windows.onBoundsChanged?.addListener(async (window) => {
    const id = (await chrome.storage.session.get(STORAGE_KEYS.POPOUT_WINDOW_ID))[STORAGE_KEYS.POPOUT_WINDOW_ID];
    if (window.id !== id) return;
    await writeLocal({ [STORAGE_KEYS.PHONE_WINDOW]: pick(window, ["left", "top", "width", "height"]) });
  });
  chrome.windows.onRemoved.addListener(async (windowId) => {
    const id = (await chrome.storage.session.get(STORAGE_KEYS.POPOUT_WINDOW_ID))[STORAGE_KEYS.POPOUT_WINDOW_ID];
    if (windowId === id) await chrome.storage.session.remove(STORAGE_KEYS.POPOUT_WINDOW_ID);
  });
}
