// Offscreen client: exactly one offscreen document (Python in Pyodide), created at most
// once at a time, and the one way to send it a message.

import { TARGETS } from "./names.js";

const OFFSCREEN_PATH = "offscreen.html";

let creatingOffscreen = null;

export async function hasOffscreenDocument() {
  const contexts = await chrome.runtime.getContexts({
    contextTypes: ["OFFSCREEN_DOCUMENT"],
    documentUrls: [chrome.runtime.getURL(OFFSCREEN_PATH)],
  });
  return contexts.length > 0;
}

export async function ensureOffscreenDocument() {
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
// hot path. A send to a document Chrome closed is retried once after recreating it. Such
// a send does not always fail: other extension pages (the phone page) also receive it,
// and when no offscreen document is there to answer, it resolves with no answer at all.
// The offscreen document answers every message meant for it, so "no answer" means "no
// document" (treated as an outage, it cost a ring during boot a 1 s retry).
let offscreenKnownOpen = false;

function send(message) {
  return chrome.runtime.sendMessage({ target: TARGETS.OFFSCREEN, ...message });
}

export async function callOffscreen(message) {
  if (offscreenKnownOpen) {
    try {
      const answer = await send(message);
      if (answer !== undefined) return answer;
    } catch {
      // no receiver at all: recreate below
    }
    offscreenKnownOpen = false;
  }
  await ensureOffscreenDocument();
  const answer = await send(message);
  offscreenKnownOpen = answer !== undefined;
  return answer;
}

/** Close a failed runtime, so the next call boots a fresh one. */
export async function closeOffscreenDocument() {
  offscreenKnownOpen = false;
  if (await hasOffscreenDocument()) await chrome.offscreen.closeDocument();
}

// The functions the dispatch path uses; the entry module may swap them (the benchmark's
// JS baseline does, see scripts/bench.py).
export const offscreen = { ensure: ensureOffscreenDocument, call: callOffscreen };
