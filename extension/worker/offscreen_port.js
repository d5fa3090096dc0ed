// A MessageChannel straight to the offscreen document. chrome.runtime.sendMessage goes
// through the browser process to every extension page (≈ 1.2 ms a round trip here); a
// port between the worker and the document, both in the extension's process, takes
// ≈ 0.2 ms. The port is handed over with the Clients API (the document is a client of
// this worker's origin) and answers a first "ready" naming the document's instance.
//
// A port does not tell when the document behind it is gone (closed by Chrome, by a
// test, or by restartPython): a call still waiting after WATCH_MS asks the document
// over chrome.runtime which instance it is. No answer or another instance means the
// port is dead: its waiting calls resolve with `undefined` ("no document"), as a
// runtime send to a closed document does, and the caller recreates the document.

import { OFFSCREEN_MESSAGES, TARGETS } from "./names.js";

const WATCH_MS = 20;
const READY_TIMEOUT_MS = 1000;

export class DocumentPort {
  constructor(port, instance) {
    this.port = port;
    this.instance = instance;
    this.closed = false;
    this.waiting = new Map();
    this.lastId = 0;
    this.watchTimer = null;
    this.checking = false;
    port.onmessage = ({ data }) => {
      const resolve = this.waiting.get(data?.id);
      if (!resolve) return;
      this.waiting.delete(data.id);
      resolve(data.reply);
    };
  }

  /** The document's answer to `message`, or undefined when the document is gone. */
  call(message) {
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const id = ++this.lastId;
      this.waiting.set(id, resolve);
      this.port.postMessage({ id, message });
      this.watch();
    });
  }

  watch() {
    this.watchTimer ??= setInterval(() => this.check(), WATCH_MS);
  }

  async check() {
    if (!this.waiting.size) {
      clearInterval(this.watchTimer);
      this.watchTimer = null;
      return;
    }
    if (this.checking) return;
    this.checking = true;
    try {
      const answer = await chrome.runtime
        .sendMessage({ target: TARGETS.OFFSCREEN, type: OFFSCREEN_MESSAGES.INSTANCE })
        .catch(() => undefined);
      if (answer?.instance !== this.instance) this.close();
    } finally {
      this.checking = false;
    }
  }

  /** Stop using this port: calls still waiting resolve with undefined. */
  close() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchTimer);
    this.watchTimer = null;
    for (const resolve of this.waiting.values()) resolve(undefined);
    this.waiting.clear();
    this.port.close();
  }
}

/** A port to the offscreen document at `documentPath`, or null when there is none (or
 * it does not take the port): the caller then uses chrome.runtime messages. */
export async function openDocumentPort(documentPath) {
  const url = chrome.runtime.getURL(documentPath);
  const clients = await self.clients.matchAll({ includeUncontrolled: true, type: "window" });
  const client = clients.find((c) => c.url === url);
  if (!client) return null;
  const channel = new MessageChannel();
  const ready = new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS);
    channel.port1.onmessage = ({ data }) => {
      clearTimeout(timer);
      resolve(typeof data?.ready === "string" ? data.ready : null);
    };
  });
  client.postMessage({ type: OFFSCREEN_MESSAGES.PORT_OFFER }, [channel.port2]);
  const instance = await ready;
  if (!instance) {
    channel.port1.close();
    return null;
  }
  return new DocumentPort(channel.port1, instance);
}
