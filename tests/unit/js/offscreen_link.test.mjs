// The worker's way to the offscreen document and its state store
// (extension/worker/offscreen_port.js, state_store.js), run in Node by
// tests/unit/test_worker_js.py with a stand-in for the chrome.* they use.
import assert from "node:assert/strict";
import { test } from "node:test";

let instanceAnswer = { instance: "doc-1" };
const storage = new Map();
const calls = [];
globalThis.chrome = {
  runtime: { sendMessage: async () => instanceAnswer },
  storage: {
    session: {
      async set(items) {
        calls.push(["set", Object.keys(items)]);
        for (const [key, value] of Object.entries(items)) storage.set(key, structuredClone(value));
      },
      async remove(keys) {
        calls.push(["remove", keys]);
        for (const key of keys) storage.delete(key);
      },
      async get() {
        return Object.fromEntries(storage);
      },
    },
  },
};

const { DocumentPort } = await import(`${process.env.WORKER_DIR}/offscreen_port.js`);
const { keepState, persistedState } = await import(`${process.env.WORKER_DIR}/state_store.js`);
const { STORAGE_KEYS } = await import(`${process.env.WORKER_DIR}/names.js`);

function documentEnd(answering) {
  const channel = new MessageChannel();
  channel.port2.onmessage = ({ data }) => {
    if (answering.on) channel.port2.postMessage({ id: data.id, reply: { ok: true, echo: data.message } });
  };
  return channel;
}

test("a call over the port gets the document's answer", async () => {
  const channel = documentEnd({ on: true });
  const link = new DocumentPort(channel.port1, "doc-1");
  assert.deepEqual(await link.call({ type: "floor" }), { ok: true, echo: { type: "floor" } });
  link.close();
  channel.port2.close();
});

test("a call to a document that is gone resolves with no answer", async () => {
  const channel = documentEnd({ on: false });
  const link = new DocumentPort(channel.port1, "doc-1");
  instanceAnswer = { instance: "doc-2" }; // another document answers now
  const started = Date.now();
  assert.equal(await link.call({ type: "dispatch" }), undefined);
  assert.ok(Date.now() - started < 500);
  assert.equal(await link.call({ type: "dispatch" }), undefined); // closed for good
  channel.port2.close();
});

test("a slow answer from the same document is waited for", async () => {
  const answering = { on: false };
  const channel = documentEnd(answering);
  const link = new DocumentPort(channel.port1, "doc-1");
  instanceAnswer = { instance: "doc-1" }; // still there (booting, say)
  const answer = link.call({ type: "dispatch" });
  await new Promise((resolve) => setTimeout(resolve, 100));
  channel.port2.postMessage({ id: 1, reply: { ok: true, late: true } });
  assert.deepEqual(await answer, { ok: true, late: true });
  link.close();
  channel.port2.close();
});

test("the state store keeps checkpoints and changes, in order, and resumes them", async () => {
  storage.clear();
  calls.length = 0;
  keepState(JSON.stringify({ id: "a:1", clear: 0, state: { v: 1, popped: ["x"] } }));
  keepState(JSON.stringify({ id: "a:1", n: 1, change: { popped: [["s", "y", null]] } }));
  keepState(JSON.stringify({ id: "a:1", n: 2, change: { popped: [["s", "z", null]] } }));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(await persistedState(), {
    state: { v: 1, popped: ["x"] },
    journal: [{ popped: [["s", "y", null]] }, { popped: [["s", "z", null]] }],
  });
  // A new checkpoint clears the old slots right after it is set, before anything else.
  keepState(JSON.stringify({ id: "b:1", clear: 2, state: { v: 1, popped: ["x", "y", "z"] } }));
  keepState(JSON.stringify({ id: "b:1", n: 1, change: { popped: [["s", "w", null]] } }));
  await new Promise((resolve) => setTimeout(resolve, 0));
  const journal = `${STORAGE_KEYS.STATE_JOURNAL}`;
  assert.deepEqual(calls.slice(3), [
    ["set", [STORAGE_KEYS.STATE]],
    ["remove", [`${journal}1`, `${journal}2`]],
    ["set", [`${journal}1`]],
  ]);
  assert.deepEqual((await persistedState()).journal, [{ popped: [["s", "w", null]] }]);
  // A slot of another checkpoint ends the changes: a gap is never replayed across.
  storage.set(`${journal}2`, { id: "a:1", change: { popped: [["s", "old", null]] } });
  assert.equal((await persistedState()).journal.length, 1);
});

test("nothing stored resumes from an empty state", async () => {
  storage.clear();
  assert.deepEqual(await persistedState(), { state: {}, journal: [] });
});
