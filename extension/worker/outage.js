// Python unavailable (boot failed or timed out, offscreen document gone): tell the user
// on the phone page and the badge, keep the events in chrome.storage.session, retry
// with backoff, and handle what was kept in arrival order once Python answers.

import { STORAGE_KEYS } from "./names.js";
import { closeOffscreenDocument } from "./offscreen_client.js";
import { notify } from "./phone_link.js";

const MAX_KEPT_EVENTS = 200;
const MAX_EVENT_AGE_MS = 120000; // an older ring is no use to anyone
const RETRY_DELAYS_MS = [1000, 5000, 15000, 60000];
let retryAttempt = 0;
let retryTimer = null;
let mayHaveKeptEvents = true; // unknown after a restart of this worker
let noticeShown = false; // the phone page notice, once per outage
let badgeMayShow = true; // unknown after a restart of this worker

/** Python could not answer. */
export class PythonUnavailable extends Error {
  constructor(detail) {
    super(`${detail.code}: ${detail.message}`);
    this.detail = detail;
  }
}

async function keptEvents() {
  return (await chrome.storage.session.get(STORAGE_KEYS.RETRY))[STORAGE_KEYS.RETRY] ?? [];
}

export async function keepForRetry(...events) {
  const kept = [...(await keptEvents()), ...events];
  const dropped = kept.splice(0, Math.max(0, kept.length - MAX_KEPT_EVENTS));
  if (dropped.length) console.warn(`[crm-callbacks] dropped the ${dropped.length} oldest kept events`);
  await chrome.storage.session.set({ [STORAGE_KEYS.RETRY]: kept });
  mayHaveKeptEvents = true;
}

/** Handle kept events in arrival order; stop at the first that still cannot reach Python. */
export async function retryKeptEvents(handle) {
  if (!mayHaveKeptEvents) return;
  const kept = await keptEvents();
  await chrome.storage.session.set({ [STORAGE_KEYS.RETRY]: [] });
  mayHaveKeptEvents = false;
  for (const [index, event] of kept.entries()) {
    if (Date.now() - event.receivedAt > MAX_EVENT_AGE_MS) {
      console.warn(`[crm-callbacks] not handling a ${event.message?.type} kept for over ${MAX_EVENT_AGE_MS / 1000} s`);
      continue;
    }
    if ((await handle(event)) === null) {
      await keepForRetry(...kept.slice(index + 1));
      return;
    }
  }
}

/** Close the failed runtime (the next attempt boots a fresh one) and schedule a retry. */
export async function restartPython(retry) {
  try {
    await closeOffscreenDocument();
  } catch (error) {
    console.warn("[crm-callbacks] could not close the offscreen document:", error);
  }
  if (retryTimer !== null) return;
  const delay = RETRY_DELAYS_MS[Math.min(retryAttempt, RETRY_DELAYS_MS.length - 1)];
  retryAttempt += 1;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    retry();
  }, delay);
}

export async function showRuntimeError(error) {
  console.error(`[crm-callbacks] ${error.code}: ${error.message}`);
  badgeMayShow = true;
  if (noticeShown) return;
  noticeShown = true;
  await notify(
    "error",
    `crm-callbacks could not start Python (${error.code}: ${error.message}). ` +
      "Calls are kept and handled as soon as it starts.",
  );
}

export async function clearRuntimeError() {
  if (!badgeMayShow) return;
  badgeMayShow = false;
  retryAttempt = 0;
  noticeShown = false;
  await chrome.action.setBadgeText({ text: "" });
  await chrome.action.setTitle({ title: "crm-callbacks" });
}
