// Offscreen document: boots the bundled Pyodide once, installs the crm_callbacks
// wheel and answers the service worker's messages with crm_callbacks.dispatch_json.
// No CRM knowledge lives here: payloads go to Python and answers come back as-is.

const DEFAULT_BOOT_TIMEOUT_MS = 20000;

const status = {
  ready: false,
  failed: null, // {code, message} once boot failed or timed out
  bootMs: null,
  queuedDuringBoot: 0,
  dispatched: 0,
  buildId: null,
};

let dispatchJson = null; // crm_callbacks.dispatch_json, set when boot succeeds

// Registered first, at top level, so no message sent while booting is missed.
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!message || message.target !== "offscreen" || sender.tab) return false;
  if (message.type === "status") {
    configRead.then(() => sendResponse({ ...status })); // config only, never boot
    return true;
  }
  if (message.type === "dispatch") {
    if (!status.ready && !status.failed) status.queuedDuringBoot += 1;
    handleDispatch(message).then(sendResponse);
    return true; // answered asynchronously
  }
  sendResponse({
    ok: false,
    error: { code: "UNKNOWN_MESSAGE_TYPE", message: `unknown offscreen message type: ${message.type}` },
  });
  return false;
});

const configRead = readConfig();
const ready = boot();
ready.catch(() => {}); // failures are reported per message, not as unhandled rejections

async function handleDispatch({ requestId, payload }) {
  try {
    await ready; // callbacks on one promise run in registration order: FIFO
  } catch (error) {
    return { ok: false, requestId, error };
  }
  try {
    status.dispatched += 1;
    const response = JSON.parse(dispatchJson(JSON.stringify(payload)));
    return { ok: true, requestId, response };
  } catch (e) {
    return { ok: false, requestId, error: { code: "PYTHON_EXCEPTION", message: String(e?.message ?? e) } };
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
  const timeoutMs = Number(config.bootTimeoutMs) > 0 ? Number(config.bootTimeoutMs) : DEFAULT_BOOT_TIMEOUT_MS;

  let timer;
  let timedOut = false;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject({
        code: "PYODIDE_BOOT_TIMEOUT",
        message: `Python runtime not ready after ${timeoutMs} ms (is 'wasm-unsafe-eval' in the extension CSP?)`,
      });
    }, timeoutMs);
  });

  try {
    const fn = await Promise.race([startPython(config), timeout]);
    if (timedOut) throw status.failed;
    dispatchJson = fn;
    status.ready = true;
    status.bootMs = Math.round(performance.now() - started);
    console.info(`[offscreen] Python ready in ${status.bootMs} ms (build ${status.buildId})`);
  } catch (e) {
    status.failed = e?.code ? e : { code: "PYODIDE_BOOT_FAILED", message: `Python runtime failed to start: ${e?.message ?? e}` };
    console.error(`[offscreen] ${status.failed.code}: ${status.failed.message}`);
    throw status.failed;
  } finally {
    clearTimeout(timer);
  }
}

// Load Pyodide, micropip and our wheel (all shipped in pyodide/, listed in its lock).
async function startPython(config) {
  const { loadPyodide } = await import("./pyodide/pyodide.mjs");
  const pyodide = await loadPyodide({
    indexURL: chrome.runtime.getURL("pyodide/"),
    lockFileURL: chrome.runtime.getURL("pyodide/pyodide-lock.json"),
    packages: [],
    stdout: (line) => console.log("[python]", line),
    stderr: (line) => console.warn("[python]", line),
  });

  const loadErrors = [];
  await pyodide.loadPackage("micropip", { errorCallback: (m) => loadErrors.push(m) });
  if (loadErrors.length) throw new Error(`micropip: ${loadErrors.join("; ")}`);

  // A CRM manifest bundled by the build adds or overrides platforms; the package
  // reads it from $CRM_CALLBACKS_MANIFEST when its registry is first built.
  if (config.crmManifest) {
    const manifest = await fetch(chrome.runtime.getURL(config.crmManifest)).then((r) => r.text());
    pyodide.FS.writeFile("/crm-manifest.json", manifest);
    pyodide.runPython("import os; os.environ['CRM_CALLBACKS_MANIFEST'] = '/crm-manifest.json'");
  }

  // Resolved from pyodide-lock.json (hyphenated name): offline, sha256-checked.
  const micropip = pyodide.pyimport("micropip");
  await micropip.install("crm-callbacks");

  // micropip hands lock packages to loadPackage without an errorCallback, so a
  // wheel whose sha256 differs from the lock is skipped silently: say so here.
  let module;
  try {
    module = pyodide.pyimport("crm_callbacks");
    module.default_registry(); // adapters and any bundled CRM manifest, validated at boot
  } catch (e) {
    const reason = String(e?.message ?? e).trim().split("\n").find((l) => /Error:/.test(l)) ?? e;
    throw new Error(`crm_callbacks failed to load after micropip.install (wheel missing or corrupt, its sha256 differs from pyodide-lock.json, or an invalid CRM manifest): ${reason}`);
  }
  const fn = module.dispatch_json;
  if (typeof fn !== "function") throw new Error("crm_callbacks has no dispatch_json()");
  return fn;
}
