// Offscreen client: exactly one offscreen document (Python in Pyodide), created at most
// once at a time, and the one way to send it a message.

import { TARGETS } from "./names.js";
import { openDocumentPort } from "./offscreen_port.js";

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

// The way to the document: a port (offscreen_port.js, ≈ 0.2 ms a round trip) once one
// is open; chrome.runtime.sendMessage (≈ 1.2 ms) while none can be. A runtime send to a
// document Chrome closed does not always fail: other extension pages (the phone page)
// also receive it, and with no offscreen document to answer it resolves with no answer.
// The document answers every message meant for it, so "no answer" (from either way)
// means "no document": it is recreated and the message sent once more.
let port = null; // a DocumentPort, or a promise of one (or of null)

function send(message) {
  return chrome.runtime.sendMessage({ target: TARGETS.OFFSCREEN, ...message }).catch(() => undefined);
}

/** The open port, else (after making sure the document exists) a new one, or null. */
async function portToDocument() {
  if (port) return port;
  await ensureOffscreenDocument(); // its failure is the caller's (OFFSCREEN_UNREACHABLE)
  port ??= openDocumentPort(OFFSCREEN_PATH)
    .catch(() => null)
    .then((opened) => {
      if (!opened) port = null; // try again on the next call
      return opened;
    });
  return port;
}

function forgetPort() {
  const current = port;
  port = null;
  Promise.resolve(current).then((opened) => opened?.close());
}

export async function callOffscreen(message) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const link = await portToDocument();
    const answer = link ? await link.call(message) : await send(message);
    if (answer !== undefined) return answer;
    forgetPort();
  }
  return undefined;
}

/** Close a failed runtime, so the next call boots a fresh one. */
export async function closeOffscreenDocument() {
  forgetPort();
  if (await hasOffscreenDocument()) await chrome.offscreen.closeDocument();
}

// The functions the dispatch path uses; the entry module may swap them (the benchmark's
// JS baseline does, see scripts/bench.py).
export const offscreen = { ensure: ensureOffscreenDocument, call: callOffscreen };
