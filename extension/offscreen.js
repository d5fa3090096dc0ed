// Offscreen document: boots the bundled Pyodide once and answers the service
// worker's messages with Python. No CRM knowledge lives here: payloads go to Python
// and answers come back as-is.
//
// Messages come over the worker's port (worker/offscreen_port.js) or chrome.runtime;
// both get the same answers. Two ways to dispatch:
// - {type: "dispatch", session: true}: the fast path. Python's state stays here, in a
//   crm_callbacks.session.Session, between events: the payload is contract v1 without
//   `state`, the answer contract v1 without `state` plus `stateRevision`. When the
//   event changed the state, the answer also carries what to persist (`persist`, JSON
//   text: that event's change, or now and then the whole state), which the worker keeps
//   in chrome.storage.session before it performs the actions (worker/state_store.js):
//   losing this document (or the worker) loses nothing. A fresh document has no state
//   yet and answers {ok: false, needState: true}; the worker then sends the event again
//   with the persisted `state` and `journal`, which the session resumes from.
// - {type: "dispatch"} with a contract v1 payload (state included): dispatch_json,
//   stateless (tests and tools).
// {type: "floor"} answers in JS without Python: the messaging floor of the benchmark.
//
// Two boot paths (status.bootPath says which one ran):
// - "snapshot": restore the Pyodide memory snapshot the build made from the wheel in
//   pyodide/ with every crm_callbacks module imported (several times faster: see
//   docs/benchmarks.md); used only when the snapshot file is intact (sha256) and was
//   made from exactly the wheel this build ships (sha256 of the wheel file, the lock
//   and the one stored inside the snapshot);
// - "micropip": plain loadPyodide, then micropip installs that wheel from the lock.
//   Used when the build has no snapshot or restoring it fails (reason logged and in
//   status.bootFallbackReason).

import { DEFAULT_BOOT_TIMEOUT_MS, OFFSCREEN_MESSAGES, SHIM_ERROR_CODES, TARGETS } from "./worker/names.js";

const INSTANCE = crypto.randomUUID(); // which document answers (see worker/offscreen_port.js)

const status = {
  ready: false,
  failed: null, // {code, message} once boot failed or timed out
  bootMs: null, // boot() start → Python ready
  bootPath: null, // "snapshot" | "micropip", once ready
  bootFallbackReason: null, // why the snapshot was not used, if it was not
  readyAtMs: null, // Python ready, in ms since this document's time origin (its creation)
  bootPhases: {}, // ms since this document's time origin at which each boot step ended
  wheelSha256: null, // the crm_callbacks wheel that runs
  queuedDuringBoot: 0,
  dispatched: 0,
  dispatchMs: 0, // total time spent in Python's dispatch
  persisted: 0, // state changes and checkpoints handed to the service worker (fast path)
  overPort: 0, // messages that came over the worker's port (the rest: chrome.runtime)
  buildId: null,
};

let dispatchJson = null; // crm_callbacks.dispatch_json, set when boot succeeds
let session = null; // a crm_callbacks.session.Session, set when boot succeeds
let runtime = null; // the Pyodide instance, for the memory figures in status

// Python's output. Module-level on purpose: Pyodide keeps these for its lifetime, and a
// closure made inside startFromSnapshot would keep that call's scope, 31 MB snapshot included.
const printOut = (line) => console.log("[python]", line);
const printErr = (line) => console.warn("[python]", line);

function phase(name) {
  status.bootPhases[name] = Math.round(performance.now());
}

// Every message gets an answer; "no answer" tells the worker there is no document.
function answer(message) {
  switch (message?.type) {
    case OFFSCREEN_MESSAGES.STATUS:
      return configRead.then(() => ({ ...status, memory: memoryFigures() })); // never waits for boot
    case OFFSCREEN_MESSAGES.INSTANCE:
      return Promise.resolve({ instance: INSTANCE });
    case OFFSCREEN_MESSAGES.DISPATCH:
      if (!status.ready && !status.failed) status.queuedDuringBoot += 1;
      return message.session ? handleSessionDispatch(message) : handleDispatch(message);
    case OFFSCREEN_MESSAGES.FLOOR:
      // The messaging floor: the same round trip as a dispatch, answered without Python.
      return Promise.resolve({ ok: true, requestId: message.requestId, response: { v: 1, actions: [], errors: [] } });
    default:
      return Promise.resolve({
        ok: false,
        error: { code: SHIM_ERROR_CODES.UNKNOWN_MESSAGE_TYPE, message: `unknown offscreen message type: ${message?.type}` },
      });
  }
}

// Registered first, at top level, so no message sent while booting is missed.
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!message || message.target !== TARGETS.OFFSCREEN || sender.tab) return false;
  answer(message).then(sendResponse);
  return true; // answered asynchronously
});

// The worker's port (worker/offscreen_port.js): only this extension's service worker
// can post to navigator.serviceWorker here. A restarted worker offers a new port.
navigator.serviceWorker.onmessage = (event) => {
  const port = event.ports?.[0];
  if (event.data?.type !== OFFSCREEN_MESSAGES.PORT_OFFER || !port) return;
  port.onmessage = ({ data }) => {
    status.overPort += 1;
    answer(data?.message).then((reply) => port.postMessage({ id: data?.id, reply }));
  };
  port.postMessage({ ready: INSTANCE });
};

const configRead = readConfig();
const ready = boot();
ready.catch(() => {}); // failures are reported per message, not as unhandled rejections

// Contract v1, stateless: the state travels in the payload and the answer.
function handleDispatch({ requestId, payload }) {
  return answerFromPython(requestId, () => ({ response: JSON.parse(dispatchJson(JSON.stringify(payload))) }));
}

// The fast path: the event against the state this document holds. What to persist
// (a change, or now and then the whole state) travels with the answer, never after it:
// a separate hand-over could be lost with this document (a call would then pop twice).
let lastWorker = null;
function handleSessionDispatch({ requestId, payload, worker }) {
  return answerFromPython(requestId, () => {
    if (!session.loaded && !("state" in payload)) {
      return {
        ok: false,
        needState: true,
        error: { code: SHIM_ERROR_CODES.STATE_NEEDED, message: "a fresh Python runtime: send the persisted state once" },
      };
    }
    if (worker !== lastWorker) {
      // A new service worker may have missed the last change (stopped before keeping it).
      if (lastWorker !== null) session.checkpoint_next();
      lastWorker = worker;
    }
    const reply = { response: JSON.parse(session.dispatch_json(JSON.stringify(payload))) };
    const persist = session.persist_json();
    if (persist) {
      reply.persist = persist;
      status.persisted += 1;
    }
    return reply;
  });
}

// Once Python is ready (or has failed), run `call` and answer with what it returns; a
// JS exception out of Pyodide is PYTHON_EXCEPTION, never an unanswered message.
async function answerFromPython(requestId, call) {
  try {
    await ready; // callbacks on one promise run in registration order: FIFO
  } catch (error) {
    return { ok: false, requestId, error };
  }
  try {
    const started = performance.now();
    const answer = call();
    if (answer.ok === false) return { requestId, ...answer };
    status.dispatched += 1;
    status.dispatchMs += performance.now() - started;
    return { ok: true, requestId, ...answer };
  } catch (e) {
    status.dispatched += 1;
    return { ok: false, requestId, error: { code: SHIM_ERROR_CODES.PYTHON_EXCEPTION, message: String(e?.message ?? e) } };
  }
}

async function readConfig() {
  let config = {};
  try {
    const res = await fetch(chrome.runtime.getURL("config.json"));
    if (res.ok) config = await res.json();
  } catch {
    // no or bad config.json: defaults apply
  }
  status.buildId = config.buildId ?? null;
  return config;
}

async function boot() {
  const started = performance.now();
  const config = await configRead;
  phase("configRead");
  const timeoutMs = Number(config.bootTimeoutMs) > 0 ? Number(config.bootTimeoutMs) : DEFAULT_BOOT_TIMEOUT_MS;

  let timer;
  let timedOut = false;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject({
        code: SHIM_ERROR_CODES.PYODIDE_BOOT_TIMEOUT,
        message: `Python runtime not ready after ${timeoutMs} ms (is 'wasm-unsafe-eval' in the extension CSP?)`,
      });
    }, timeoutMs);
  });

  try {
    const fn = await Promise.race([startPython(config), timeout]);
    if (timedOut) throw status.failed;
    dispatchJson = fn;
    status.ready = true;
    status.readyAtMs = Math.round(performance.now());
    status.bootMs = Math.round(performance.now() - started);
    console.info(`[offscreen] Python ready in ${status.bootMs} ms from ${status.bootPath} (build ${status.buildId})`);
  } catch (e) {
    status.failed = e?.code ? e : { code: SHIM_ERROR_CODES.PYODIDE_BOOT_FAILED, message: `Python runtime failed to start: ${e?.message ?? e}` };
    console.error(`[offscreen] ${status.failed.code}: ${status.failed.message}`);
    throw status.failed;
  } finally {
    clearTimeout(timer);
  }
}

// Python's wasm heap (Pyodide's linear memory) in bytes; null before boot. (For the JS
// heap, scripts/bench.py asks CDP: performance.memory is coarse and not per document.)
function memoryFigures() {
  return { wasmHeapBytes: runtime?._module?.HEAP8?.length ?? null, state: stateSummary() };
}

// How big the state held here is (bytes, popped calls, numbers, changes since the
// last checkpoint); null before boot.
function stateSummary() {
  if (!session) return null;
  const summary = session.summary();
  try {
    return summary.toJs({ dict_converter: Object.fromEntries });
  } finally {
    summary.destroy();
  }
}

async function startPython(config) {
  const lock = fetch(extensionUrl("pyodide/pyodide-lock.json")).then((r) => r.json());
  lock.catch(() => {});
  if (config.snapshot) {
    try {
      const fn = await startFromSnapshot(config, lock);
      status.bootPath = "snapshot";
      return fn;
    } catch (e) {
      status.bootFallbackReason = String(e?.message ?? e);
      console.warn(`[offscreen] snapshot not used, booting with micropip: ${status.bootFallbackReason}`);
    }
  } else {
    status.bootFallbackReason = "this build has no snapshot";
  }
  const fn = await startWithMicropip(config, lock);
  status.bootPath = "micropip";
  return fn;
}

function extensionUrl(path) {
  return chrome.runtime.getURL(path);
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function fetchBytes(path) {
  const res = await fetch(extensionUrl(path));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.blob()).arrayBuffer(); // ≈ 30% faster than res.arrayBuffer() for the snapshot
}

// The wheel the lock names for crm-callbacks, with its sha256 as computed here.
async function shippedWheel(lock) {
  const entry = (await lock).packages?.["crm-callbacks"];
  if (!entry?.file_name) throw new Error("pyodide-lock.json lists no crm-callbacks wheel");
  const sha256 = await sha256Hex(await fetchBytes(`pyodide/${entry.file_name}`));
  if (sha256 !== entry.sha256) throw new Error(`${entry.file_name}: sha256 differs from pyodide-lock.json`);
  return { name: entry.file_name, sha256 };
}

// The snapshot file holds only its non-zero pages (see scripts/make_snapshot.mjs):
// u32 LE magic "CSN1", full length, page size, run count; (first page, page count)
// per run; then the runs' bytes. Returns the full snapshot.
function withZeroPages(buffer, expectedLength) {
  const MAGIC = 0x314e5343;
  const words = new DataView(buffer);
  const word = (i) => words.getUint32(4 * i, true);
  if (buffer.byteLength < 16 || word(0) !== MAGIC) throw new Error("the snapshot file has no CSN1 header");
  const [length, page, runs] = [word(1), word(2), word(3)];
  if (length !== expectedLength) throw new Error(`the snapshot is ${length} bytes, config.json says ${expectedLength}`);
  const full = new Uint8Array(length);
  let offset = 16 + 8 * runs;
  for (let run = 0; run < runs; run++) {
    const start = word(4 + 2 * run) * page;
    const end = Math.min(start + word(5 + 2 * run) * page, length);
    if (start >= end || offset + end - start > buffer.byteLength) throw new Error("the snapshot file is truncated");
    full.set(new Uint8Array(buffer, offset, end - start), start);
    offset += end - start;
  }
  if (offset !== buffer.byteLength) throw new Error("the snapshot file has trailing bytes");
  return full;
}

// Restore the snapshot; throws (and the caller falls back) unless the snapshot is
// intact and holds exactly the wheel this build ships.
async function startFromSnapshot(config, lock) {
  const meta = config.snapshot;
  // Fetched and checked while Pyodide's own files load; Pyodide awaits it just
  // before instantiating the wasm, so a bad file fails loadPyodide early.
  const snapshot = fetchBytes(meta.path).then(async (bytes) => {
    phase("snapshotFetched");
    if (bytes.byteLength !== meta.bytes) throw new Error(`${meta.path}: ${bytes.byteLength} bytes, expected ${meta.bytes}`);
    if ((await sha256Hex(bytes)) !== meta.sha256) throw new Error(`${meta.path}: sha256 differs from config.json (corrupt)`);
    phase("snapshotChecked");
    const full = withZeroPages(bytes, meta.snapshotBytes);
    phase("snapshotExpanded");
    return full;
  });
  const wheel = shippedWheel(lock).then((shipped) => {
    if (shipped.sha256 !== meta.wheelSha256) throw new Error(`the snapshot was made from another wheel than ${shipped.name}`);
    return shipped;
  });
  const { loadPyodide } = await import("./pyodide/pyodide.mjs");
  phase("pyodideImported");
  const [checked, loaded] = await Promise.allSettled([
    wheel,
    loadPyodide({
      indexURL: extensionUrl("pyodide/"),
      lockFileURL: extensionUrl("pyodide/pyodide-lock.json"),
      packages: [],
      _loadSnapshot: wheel.then(() => snapshot), // never restore a snapshot of another wheel
      stdout: printOut,
      stderr: printErr,
    }),
  ]);
  if (checked.status === "rejected") throw checked.reason;
  if (loaded.status === "rejected") throw loaded.reason;
  const { name, sha256 } = checked.value;
  const pyodide = loaded.value;
  phase("snapshotRestored");
  pyodide._api.config._loadSnapshot = null; // let the 31 MB buffer be collected
  // pyimport, not runPython: compiling Python source is slow the first time in a fresh wasm instance.
  const inside = pyodide.pyimport("_crm_callbacks_snapshot").WHEEL_SHA256;
  if (inside !== sha256) throw new Error(`the restored Python holds wheel ${inside}, not ${name} (${sha256})`);
  pyodide.pyimport("random").seed(); // the snapshot holds the build machine's random state
  const fn = await finishBoot(pyodide, config, "restoring the snapshot");
  status.wheelSha256 = sha256;
  runtime = pyodide;
  return fn;
}

// Load Pyodide, micropip and our wheel (all shipped in pyodide/, listed in its lock).
async function startWithMicropip(config, lock) {
  const { loadPyodide } = await import("./pyodide/pyodide.mjs");
  const pyodide = await loadPyodide({
    indexURL: extensionUrl("pyodide/"),
    lockFileURL: extensionUrl("pyodide/pyodide-lock.json"),
    packages: [],
    stdout: printOut,
    stderr: printErr,
  });
  phase("pyodideLoaded");

  const loadErrors = [];
  await pyodide.loadPackage("micropip", { errorCallback: (m) => loadErrors.push(m) });
  if (loadErrors.length) throw new Error(`micropip: ${loadErrors.join("; ")}`);

  // Resolved from pyodide-lock.json (hyphenated name): offline, sha256-checked.
  const micropip = pyodide.pyimport("micropip");
  await micropip.install("crm-callbacks");
  phase("wheelInstalled");

  // micropip hands lock packages to loadPackage without an errorCallback, so a
  // wheel whose sha256 differs from the lock is skipped silently: finishBoot says so.
  const fn = await finishBoot(pyodide, config, "micropip.install (wheel missing or corrupt, its sha256 differs from pyodide-lock.json)");
  status.wheelSha256 = (await lock.catch(() => null))?.packages?.["crm-callbacks"]?.sha256 ?? null;
  runtime = pyodide;
  return fn;
}

// Configure the package with what the build bundled (the CRM manifest, adapter
// plug-ins): its registry is built and validated now. Returns dispatch_json and a
// Session for the fast path.
async function finishBoot(pyodide, config, after) {
  const manifest = config.crmManifest ? await fetch(extensionUrl(config.crmManifest)).then((r) => r.text()) : null;
  // Adapter plug-ins the build bundled (lock entries, sha256-checked): installed now,
  // their entry points loaded by configure().
  const plugins = Array.isArray(config.plugins) ? config.plugins : [];
  if (plugins.length) {
    const errors = [];
    await pyodide.loadPackage(plugins, { errorCallback: (m) => errors.push(m) });
    if (errors.length) throw new Error(`adapter plug-ins did not install: ${errors.join("; ")}`);
  }
  phase("pluginsLoaded");
  let module;
  let made;
  try {
    module = pyodide.pyimport("crm_callbacks");
    // Same inputs as the snapshot's (no manifest, no plug-in): configure keeps its registry.
    const names = pyodide.toPy(plugins);
    module.configure.callKwargs({ manifest: manifest ?? undefined, plugins: names }); // undefined → None
    names.destroy();
    made = pyodide.pyimport("crm_callbacks.session").Session();
  } catch (e) {
    const reason = String(e?.message ?? e).trim().split("\n").find((l) => /Error:/.test(l)) ?? e;
    throw new Error(`crm_callbacks failed to load after ${after}, or an invalid CRM manifest: ${reason}`);
  }
  const fn = module.dispatch_json;
  if (typeof fn !== "function") throw new Error("crm_callbacks has no dispatch_json()");
  session = made;
  phase("registryBuilt");
  return fn;
}
