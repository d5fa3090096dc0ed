#!/usr/bin/env node
// Runs the crm_callbacks unit tests inside Pyodide under Node: the same Pyodide build
// the extension ships (pyodide@314.0.7, the tarball scripts/build.py caches), our
// wheel freshly built by hatchling, and pytest + hypothesis installed offline from
// pinned PyPI wheels. The tests themselves are the repository's, mounted read-only in
// spirit (no bytecode is written back). Exit code: pytest's.
//
//   node scripts/pyodide_tests.mjs [pytest args]     (default: tests/unit)
//
// Needs: Node >= 18, a Python with hatchling and pip ($PYTHON, else .venv/bin/python,
// else python3), and the npm registry and PyPI the first time (then build/cache).

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PYODIDE_VERSION = "314.0.7";
const PYODIDE_PYTHON = "3.14";
const CACHE = path.join(ROOT, "build", "cache");
const WORK = path.join(CACHE, "pyodide-tests");
const REQUIREMENTS = path.join(ROOT, "scripts", "pyodide-node", "requirements.txt");
const VENV_PYTHON = path.join(ROOT, ".venv", "bin", "python");
const PYTHON = process.env.PYTHON || (fs.existsSync(VENV_PYTHON) ? VENV_PYTHON : "python3");
// Property tests run fewer examples here (Pyodide is ~10x slower than CPython); the
// full counts run in CPython. Override with CRM_CALLBACKS_EXAMPLES.
const EXAMPLES = process.env.CRM_CALLBACKS_EXAMPLES || "1000";
const MOUNT = "/parity";

function log(message) {
  console.log(`[pyodide-tests] ${message}`);
}

class SetupError extends Error {}

function run(command, args, what, options = {}) {
  const done = spawnSync(command, args, { encoding: "utf8", cwd: ROOT, ...options });
  if (done.error) throw new SetupError(`${what}: ${done.error.message}`);
  if (done.status !== 0) {
    const output = `${done.stderr}\n${done.stdout}`.trim().split("\n");
    const tail = output.filter((line) => !line.startsWith("WARNING: Location")).slice(-8);
    throw new SetupError(`${what} (exit ${done.status}):\n${tail.join("\n")}`);
  }
  return done.stdout;
}

/** Pyodide's core files, from the npm tarball the extension build also uses. */
function pyodideDir() {
  const tgz = path.join(CACHE, `pyodide-${PYODIDE_VERSION}.tgz`);
  if (!fs.existsSync(tgz)) {
    fs.mkdirSync(CACHE, { recursive: true });
    log(`fetching pyodide@${PYODIDE_VERSION} from the npm registry`);
    run("npm", ["pack", `pyodide@${PYODIDE_VERSION}`, "--pack-destination", CACHE], "npm pack");
  }
  const dir = path.join(WORK, `pyodide-${PYODIDE_VERSION}`);
  const stamp = path.join(dir, "package.json");
  if (fs.existsSync(stamp) && JSON.parse(fs.readFileSync(stamp, "utf8")).version === PYODIDE_VERSION) {
    return dir;
  }
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  run("tar", ["-xzf", tgz, "-C", partial, "--strip-components=1"], `cannot unpack ${tgz}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return dir;
}

/** Our wheel, built now from the working tree: the tests run against what ships. */
function ourWheel() {
  const out = path.join(WORK, "wheel");
  fs.rmSync(out, { recursive: true, force: true });
  run(PYTHON, ["-m", "hatchling", "build", "-t", "wheel", "-d", out], "cannot build our wheel");
  const [wheel] = fs.readdirSync(out).filter((name) => name.endsWith(".whl"));
  if (!wheel) throw new SetupError(`hatchling wrote no wheel into ${out}`);
  return path.join(out, wheel);
}

/** pytest, hypothesis and micropip: pinned pure-Python wheels, downloaded once. */
function testWheels() {
  const dir = path.join(WORK, "wheels");
  const stamp = path.join(dir, ".requirements.sha256");
  const wanted = createHash("sha256").update(fs.readFileSync(REQUIREMENTS)).digest("hex");
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, "utf8") !== wanted) {
    fs.rmSync(dir, { recursive: true, force: true });
    log("downloading pytest and hypothesis wheels from PyPI");
    run(
      PYTHON,
      [
        "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
        "--only-binary=:all:", "--platform", "any", "--implementation", "py", "--abi", "none",
        "--python-version", PYODIDE_PYTHON, "--dest", dir, "-r", REQUIREMENTS,
      ],
      "cannot download the test wheels",
    );
    fs.writeFileSync(stamp, wanted);
  }
  return fs.readdirSync(dir).filter((n) => n.endsWith(".whl")).map((n) => path.join(dir, n));
}

async function main() {
  const started = Date.now();
  const pytestArgs = process.argv.slice(2);
  const dir = pyodideDir();
  const wheels = [ourWheel(), ...testWheels()];
  const micropip = wheels.find((w) => path.basename(w).startsWith("micropip-"));
  if (!micropip) throw new SetupError(`no micropip wheel among ${wheels.join(", ")}`);

  const { loadPyodide } = await import(pathToFileURL(path.join(dir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({ indexURL: `${dir}${path.sep}` });
  // Raw writes, so pytest's progress dots stay on one line.
  pyodide.setStdout({ write: (bytes) => process.stdout.write(bytes) && bytes.length });
  pyodide.setStderr({ write: (bytes) => process.stderr.write(bytes) && bytes.length });
  const quiet = { messageCallback: () => {}, errorCallback: (m) => console.error(m) };
  await pyodide.loadPackage(micropip, quiet);
  pyodide.FS.mkdirTree("/wheels");
  const urls = [];
  for (const wheel of wheels.filter((w) => w !== micropip)) {
    const target = `/wheels/${path.basename(wheel)}`;
    pyodide.FS.writeFile(target, fs.readFileSync(wheel));
    urls.push(`emfs:${target}`);
  }
  pyodide.globals.set("wheel_urls", pyodide.toPy(urls));
  await pyodide.runPythonAsync(
    "import micropip\nawait micropip.install(wheel_urls, deps=False)\ndel wheel_urls",
  );

  // The repository's tests (and only them: crm_callbacks must come from the wheel).
  pyodide.FS.mkdirTree(`${MOUNT}/tests`);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.join(ROOT, "tests") }, `${MOUNT}/tests`);
  pyodide.FS.writeFile(`${MOUNT}/pyproject.toml`, fs.readFileSync(path.join(ROOT, "pyproject.toml")));
  log(`Pyodide ready with ${urls.length} wheels in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  pyodide.globals.set("pytest_args", pyodide.toPy(pytestArgs.length ? pytestArgs : ["tests/unit"]));
  const code = pyodide.runPython(`
import os, sys
os.environ["CRM_CALLBACKS_EXAMPLES"] = "${EXAMPLES}"
sys.dont_write_bytecode = True  # the tests folder is the host's: write nothing back
os.chdir("${MOUNT}")
sys.path.insert(0, "${MOUNT}")
from importlib import metadata, util  # not importing crm_callbacks: pytest rewrites it
print(f"crm-callbacks {metadata.version('crm-callbacks')} from "
      f"{util.find_spec('crm_callbacks').origin}, Python {sys.version.split()[0]} on "
      f"{sys.platform}", flush=True)
import pytest
int(pytest.main(pytest_args))
`);
  log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s, pytest exit code ${code}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[pyodide-tests] error: ${error instanceof SetupError ? error.message : error.stack}`);
    process.exit(error instanceof SetupError ? 2 : 1);
  },
);
