#!/usr/bin/env node
// Make the Pyodide memory snapshot the extension boots from (run by scripts/build.py).
//
//   node scripts/make_snapshot.mjs --pyodide DIR --wheel FILE --out FILE
//
// DIR is the full npm package of the pinned Pyodide (the snapshot is bound to that
// exact build: Pyodide refuses a snapshot whose build id differs). Python is booted
// with no package loaded, the wheel (the runtime wheel: only what dispatch reaches) is
// unpacked into site-packages, every crm_callbacks module in it is imported, and the
// wasm memory is written to FILE.
// The Emscripten file system is not part of the snapshot: after a restore the
// package's modules live in sys.modules only, so every module is imported here.
// The wheel's sha256 is stored inside the snapshot (module _crm_callbacks_snapshot)
// so the extension can check, after restoring, that it is the wheel it ships.
//
// About half of the snapshot's 4 KiB pages are all zero (never-used wasm heap), and
// more once the heap the allocator holds free is zeroed (zeroFreeHeap: ≈ 2 MB of the
// build's garbage), so FILE holds only the others, uncompressed (offscreen.js expands
// it in a few ms):
//   u32 LE  magic "CSN1", full length, page size, run count
//   run count × (u32 LE first page, page count)   the non-zero runs, in order
//   the bytes of those runs, concatenated (the last page may be short)
// Prints one JSON line with what it made.

import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    pyodide: { type: "string" },
    wheel: { type: "string" },
    out: { type: "string" },
  },
});
for (const name of ["pyodide", "wheel", "out"]) {
  if (!args[name]) {
    console.error(`make_snapshot: missing --${name}`);
    process.exit(2);
  }
}

// One readable line on failure (Node would otherwise print the minified source line).
process.on("uncaughtException", (error) => {
  const lines = String(error?.message ?? error).trim().split("\n");
  console.error(`make_snapshot: error: ${lines.findLast((l) => /Error/.test(l)) ?? lines.at(-1)}`);
  process.exit(1);
});

const pyodideDir = resolve(args.pyodide) + "/";
const wheelBytes = new Uint8Array(readFileSync(args.wheel));
const wheelSha256 = createHash("sha256").update(wheelBytes).digest("hex");
const wheelName = basename(args.wheel);

const { loadPyodide, version } = await import(pathToFileURL(pyodideDir + "pyodide.mjs").href);
const started = performance.now();
const pyodide = await loadPyodide({
  indexURL: pyodideDir,
  packages: [],
  env: {}, // nothing from the build machine's environment goes into the snapshot
  _sysExecutable: "./this.program", // what a browser boot has (Node's default is this script)
  _makeSnapshot: true,
  stdout: (line) => console.error("[python]", line),
  stderr: (line) => console.error("[python]", line),
});

const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
pyodide.unpackArchive(wheelBytes, "wheel", { extractDir: sitePackages });

const [modules, skipped] = pyodide
  .runPython(
    `
import importlib, pkgutil, sys, types

import crm_callbacks

names, skipped = ["crm_callbacks"], []
for info in pkgutil.walk_packages(crm_callbacks.__path__, "crm_callbacks."):
    if info.name.rpartition(".")[2] == "__main__":
        continue  # importing it would run a command line
    try:
        importlib.import_module(info.name)
    except ModuleNotFoundError as exc:
        # A dev-only module (e.g. the pytest plug-in) needing a package Pyodide does not
        # have: it cannot be imported in the extension either, snapshot or not.
        if not exc.name or exc.name.partition(".")[0] == "crm_callbacks":
            raise
        skipped.append(f"{info.name} (needs {exc.name})")
    else:
        names.append(info.name)

# The registry is built now, as the extension configures it when its build bundles no
# CRM manifest and no plug-in: offscreen.js calls configure() with the same inputs,
# which then keeps this registry; with a manifest or plug-ins it builds another.
crm_callbacks.configure(manifest=None, plugins=[])

marker = types.ModuleType("_crm_callbacks_snapshot")
marker.WHEEL_NAME = ${JSON.stringify(wheelName)}
marker.WHEEL_SHA256 = ${JSON.stringify(wheelSha256)}
marker.MODULES = tuple(names)
marker.SKIPPED = tuple(skipped)
sys.modules[marker.__name__] = marker

# Pyodide inserts "" into sys.path on every start, restored ones included.
while "" in sys.path:
    sys.path.remove("")
importlib.invalidate_caches()
[list(marker.MODULES), list(marker.SKIPPED)]
`,
  )
  .toJs();

const loaded = Object.keys(pyodide.loadedPackages);
if (loaded.length) {
  console.error(`make_snapshot: packages were loaded (${loaded.join(", ")}); a snapshot needs none`);
  process.exit(1);
}

const freed = zeroFreeHeap(pyodide._module);
const snapshot = pyodide.makeMemorySnapshot();
const file = withoutZeroPages(snapshot);
const tmp = `${args.out}.tmp`;
writeFileSync(tmp, file);
renameSync(tmp, args.out);

console.log(
  JSON.stringify({
    pyodideVersion: version,
    bytes: file.length,
    sha256: createHash("sha256").update(file).digest("hex"),
    snapshotBytes: snapshot.length,
    wheel: wheelName,
    wheelSha256,
    modules: modules.length,
    zeroedFreeBytes: freed,
    skipped,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  }),
);

// Heap memory the C allocator holds free still has what the build left there (import
// machinery, compiled source, the wheel): non-zero pages the file would carry for
// nothing. Allocate every free byte (the heap may not grow meanwhile), zero it and free
// it again: those pages then hold zeros but for the allocator's chunk headers. Nothing
// live is touched. Returns the number of bytes zeroed (0 if this Pyodide's allocator
// lacks dlmalloc's footprint functions: the file is then only larger).
function zeroFreeHeap(module) {
  const needed = ["_malloc", "_free", "_malloc_footprint", "_malloc_footprint_limit", "_malloc_set_footprint_limit"];
  if (!needed.every((name) => typeof module[name] === "function")) return 0;
  const limit = module._malloc_footprint_limit();
  module._malloc_set_footprint_limit(module._malloc_footprint()); // malloc fails rather than grow
  const blocks = [];
  try {
    for (let size = 1 << 24; size >= 16; size >>>= 1) {
      for (let block = module._malloc(size); block; block = module._malloc(size)) blocks.push([block, size]);
    }
    for (const [block, size] of blocks) module.HEAPU8.fill(0, block, block + size);
  } finally {
    for (const [block] of blocks) module._free(block);
    module._malloc_set_footprint_limit(limit);
  }
  return blocks.reduce((sum, [, size]) => sum + size, 0);
}

function withoutZeroPages(snapshot) {
  const MAGIC = 0x314e5343; // "CSN1"
  const PAGE = 4096;
  const runs = [];
  for (let page = 0; page * PAGE < snapshot.length; page++) {
    if (!snapshot.subarray(page * PAGE, (page + 1) * PAGE).some((byte) => byte !== 0)) continue;
    const last = runs.at(-1);
    if (last && last[0] + last[1] === page) last[1] += 1;
    else runs.push([page, 1]);
  }
  const parts = runs.map(([first, count]) =>
    snapshot.subarray(first * PAGE, Math.min((first + count) * PAGE, snapshot.length)),
  );
  const header = new Uint32Array([MAGIC, snapshot.length, PAGE, runs.length, ...runs.flat()]);
  const file = new Uint8Array(header.byteLength + parts.reduce((n, part) => n + part.length, 0));
  file.set(new Uint8Array(header.buffer), 0); // little-endian on every platform Node runs on
  let offset = header.byteLength;
  for (const part of parts) {
    file.set(part, offset);
    offset += part.length;
  }
  return file;
}
