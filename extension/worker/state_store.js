// Python's state in chrome.storage.session, written as the offscreen document's session
// says (crm_callbacks/session.py): a checkpoint (the whole state) now and then, and
// between checkpoints one small numbered change per event, so a write costs O(change).
// A fresh document is given the checkpoint and its changes once (resume).

import { STORAGE_KEYS } from "./names.js";

const changeKey = (n) => `${STORAGE_KEYS.STATE_JOURNAL}${n}`;

/** Keep what an answer's `persist` (JSON text) says. Not awaited on purpose: this
 * context's storage calls reach the browser, and apply, in the order they are made, so
 * the actions performed after this (a pop's tabs.create) never land before it, and a
 * later read (a fresh document's resume) sees it. */
export function keepState(persistText) {
  let written;
  try {
    written = JSON.parse(persistText);
  } catch (error) {
    console.error("[crm-callbacks] the state to persist is not JSON:", error);
    return;
  }
  const failed = (error) => console.error("[crm-callbacks] the state was not persisted:", error);
  if ("state" in written) {
    chrome.storage.session.set({ [STORAGE_KEYS.STATE]: { id: written.id, state: written.state } }).catch(failed);
    const stale = Array.from({ length: Number(written.clear) || 0 }, (_, i) => changeKey(i + 1));
    if (stale.length) chrome.storage.session.remove(stale).catch(failed);
  } else {
    chrome.storage.session.set({ [changeKey(written.n)]: { id: written.id, change: written.change } }).catch(failed);
  }
}

/** The last checkpoint's state and the changes made since, for a fresh document. */
export async function persistedState() {
  const stored = await chrome.storage.session.get(null);
  const base = stored[STORAGE_KEYS.STATE];
  const journal = [];
  if (base?.id) {
    for (let n = 1; stored[changeKey(n)]?.id === base.id; n++) journal.push(stored[changeKey(n)].change);
  }
  return { state: base?.state ?? {}, journal };
}
