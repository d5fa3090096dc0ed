#!/usr/bin/env python3
"""Build the crm-callbacks Chrome extension into ``build/dist``.

Steps: build our wheel with hatchling, fetch the pinned Pyodide npm package and
micropip's wheel (both cached in ``build/cache`` and reused on later runs), copy
``extension/`` into the output folder, write a trimmed ``pyodide-lock.json``, make
the Pyodide memory snapshot the extension boots from (Node, ``make_snapshot.mjs``),
write the ``manifest.json`` and ``config.json``, then check the result.

Usage::

    python scripts/build.py [--out DIR] [--client-id ID] [--app-server URL]
                            [--redirect-uri URL] [--widget-url URL]
                            [--config FILE] [--extra-host PATTERN ...]
                            [--no-snapshot]

Settings for ``config.json`` come from, lowest to highest precedence: built-in
defaults, the environment variable ``RC_CLIENT_ID``, ``--config FILE``, flags.
Only the Python standard library is used; hatchling/build, npm and pip run as
subprocesses.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from email.parser import HeaderParser
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugins import PluginError, PluginWheel, plugin_wheels  # noqa: E402 - a sibling module

PYODIDE_VERSION = "314.0.7"
PYODIDE_SPEC = f"pyodide@{PYODIDE_VERSION}"
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
MICROPIP_VERSION = "0.11.1"
PACKAGE_NAME = "crm-callbacks"
IMPORT_NAME = "crm_callbacks"
MANIFEST_TEMPLATE = "manifest.template.json"
MANIFEST_ENV = "CRM_CALLBACKS_MANIFEST"
CRM_MANIFEST_NAME = "crm-manifest.json"
SNAPSHOT_PATH = "pyodide/snapshot.bin"
SNAPSHOT_SCRIPT = ROOT / "scripts" / "make_snapshot.mjs"

DEFAULT_BOOT_TIMEOUT_MS = 20000
DEFAULT_SERVER_URL = "http://127.0.0.1:6066"  # the bundled testCRM server (crm-callbacks-server)
CONFIG_KEYS = (
    "widgetUrl",
    "clientId",
    "appServer",
    "redirectUri",
    "bootTimeoutMs",
    "serverUrl",
)

MATCH_PATTERN = re.compile(r"^(\*|https?)://(\*|(\*\.)?[^/*:]+(:\d+|:\*)?)/.*$")
SUBPROCESS_TIMEOUT_S = 900


class BuildError(Exception):
    """An expected failure: reported as one clear line, exit code 1."""


def log(message: str) -> None:
    """Print one progress line."""
    print(f"[build] {message}", flush=True)


def warn(message: str) -> None:
    """Print one warning line."""
    print(f"[build] warning: {message}", flush=True)


def human_size(num_bytes: int) -> str:
    """Format a size in decimal units, e.g. ``12 kB`` or ``14.1 MB``."""
    if num_bytes < 1000:
        return f"{num_bytes} B"
    if num_bytes < 1_000_000:
        return f"{num_bytes / 1000:.0f} kB"
    return f"{num_bytes / 1_000_000:.1f} MB"


def rel(path: Path) -> str:
    """Show ``path`` relative to the repo root when it lies inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dir_size(path: Path) -> int:
    """Total size in bytes of the files below ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(cmd: list[str], what: str, cwd: Path = ROOT) -> str:
    """Run a subprocess; return its stdout; raise BuildError with its tail on failure."""
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise BuildError(f"{what}: command not found: {cmd[0]}") from None
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what}: timed out after {SUBPROCESS_TIMEOUT_S} s") from None
    if proc.returncode != 0:
        lines = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-10:]
        errors = [line.strip() for line in lines if "error" in line.lower()]
        tail = " | ".join(errors or lines[-3:]) or f"exit code {proc.returncode}"
        raise BuildError(f"{what}: {tail}")
    return proc.stdout


# --------------------------------------------------------------------------- wheel


def build_wheel(cache: Path) -> Path:
    """Build our wheel into ``cache/wheel`` and return the newest one."""
    out = cache / "wheel"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if importlib.util.find_spec("hatchling") is not None:
        cmd = [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)]
    else:
        cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), "."]
    run(cmd, "could not build the crm_callbacks wheel")
    wheels = sorted(out.glob("crm_callbacks-*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        raise BuildError(f"the wheel build produced no crm_callbacks-*.whl in {rel(out)}")
    wheel = wheels[-1]
    log(f"wheel: {wheel.name} ({human_size(wheel.stat().st_size)})")
    return wheel


def runtime_excludes() -> list[str]:
    """Paths (``/``-terminated: folders) the runtime wheel leaves out (pyproject.toml)."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        table = tomllib.load(f)["tool"]["crm-callbacks"]["runtime-wheel"]
    return list(table["exclude"])


def runtime_wheel(wheel: Path, cache: Path) -> Path:
    """A copy of `wheel` holding only what `dispatch` reaches: the one the browser loads.

    Same file name and version (the lock and micropip key on them); the developer
    tools (server, CLI, templates, testing helpers, pytest plug-in) and the entry
    points that name them stay in the pip wheel only. RECORD is rewritten to match.
    """
    out = cache / "runtime-wheel"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    excludes = runtime_excludes()

    def excluded(name: str) -> bool:
        return any(name == e or (e.endswith("/") and name.startswith(e)) for e in excludes)

    target = out / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        record_name = next(n for n in src.namelist() if n.endswith(".dist-info/RECORD"))
        records = []
        for info in src.infolist():
            name = info.filename
            if excluded(name) or name == record_name or name.endswith("/entry_points.txt"):
                continue
            data = src.read(info)
            dst.writestr(info, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            records.append(f"{name},sha256={digest.decode()},{len(data)}")
        records.append(f"{record_name},,")
        dst.writestr(src.getinfo(record_name), "\n".join(records) + "\n")
    log(
        f"runtime wheel: {target.name} ({human_size(target.stat().st_size)}, "
        f"the pip wheel is {human_size(wheel.stat().st_size)})"
    )
    return target


def wheel_metadata(wheel: Path) -> tuple[str, str]:
    """Return (name, version) from the wheel's METADATA file."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
            if not names:
                raise BuildError(f"{wheel.name} has no .dist-info/METADATA")
            text = zf.read(names[0]).decode("utf-8")
    except zipfile.BadZipFile:
        raise BuildError(f"{wheel.name} is not a valid wheel (bad zip)") from None
    headers = HeaderParser().parsestr(text)
    name, version = headers.get("Name"), headers.get("Version")
    if not name or not version:
        raise BuildError(f"{wheel.name}: METADATA lacks Name or Version")
    return name, version


# ------------------------------------------------------------------------ downloads


def fetch_pyodide(cache: Path) -> Path:
    """Return the cached npm tarball of Pyodide, fetching it with ``npm pack``."""
    tgz = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if tgz.exists():
        log(f"pyodide: reusing {rel(tgz)} ({human_size(tgz.stat().st_size)})")
        return tgz
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".npm-") as tmp:
        run(
            ["npm", "pack", PYODIDE_SPEC, "--pack-destination", tmp],
            f"could not fetch {PYODIDE_SPEC} from the npm registry",
        )
        fetched = Path(tmp) / tgz.name
        if not fetched.exists():
            raise BuildError(f"could not fetch {PYODIDE_SPEC}: npm wrote no {tgz.name}")
        fetched.replace(tgz)
    log(f"pyodide: fetched {rel(tgz)} ({human_size(tgz.stat().st_size)})")
    return tgz


def extract_pyodide(tgz: Path, dest: Path) -> dict[str, Any]:
    """Extract the Pyodide core files into ``dest``; return the original lock.

    The original ``pyodide-lock.json`` is read, not written to ``dest``.
    """
    dest.mkdir(parents=True, exist_ok=True)
    lock: dict[str, Any] | None = None
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}
            missing = [f for f in PYODIDE_FILES if f"package/{f}" not in members]
            if missing:
                raise BuildError(
                    f"{tgz.name} lacks {', '.join(missing)} "
                    f"(delete it to fetch {PYODIDE_SPEC} again)"
                )
            version = json.load(tar.extractfile(members["package/package.json"]))
            if version.get("version") != PYODIDE_VERSION:
                raise BuildError(
                    f"{tgz.name} holds pyodide {version.get('version')}, expected {PYODIDE_VERSION}"
                )
            for name in PYODIDE_FILES:
                data = tar.extractfile(members[f"package/{name}"]).read()
                if name == "pyodide-lock.json":
                    lock = json.loads(data)
                else:
                    (dest / name).write_bytes(data)
    except (tarfile.TarError, OSError, EOFError, KeyError) as exc:
        raise BuildError(
            f"cannot read {rel(tgz)}: {exc} (delete it to fetch {PYODIDE_SPEC} again)"
        ) from None
    except json.JSONDecodeError as exc:
        raise BuildError(f"{tgz.name}: bad JSON in the package: {exc}") from None
    assert lock is not None
    log(f"pyodide: extracted {len(PYODIDE_FILES) - 1} core files")
    return lock


def fetch_micropip(cache: Path) -> Path:
    """Return micropip's wheel from PyPI, cached in ``cache``."""
    pattern = f"micropip-{MICROPIP_VERSION}-*.whl"
    cached = sorted(cache.glob(pattern))
    if cached:
        log(f"micropip: reusing {rel(cached[0])}")
        return cached[0]
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".pip-") as tmp:
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                "3.14",
                "--dest",
                tmp,
                f"micropip=={MICROPIP_VERSION}",
            ],
            f"could not fetch micropip=={MICROPIP_VERSION} from PyPI",
        )
        wheels = sorted(Path(tmp).glob(pattern))
        if not wheels:
            raise BuildError(f"pip downloaded no {pattern}")
        wheel = cache / wheels[0].name
        wheels[0].replace(wheel)
    log(f"micropip: fetched {rel(wheel)} ({human_size(wheel.stat().st_size)})")
    return wheel


# ------------------------------------------------------------------------- snapshot


def pyodide_package(tgz: Path, cache: Path) -> Path:
    """The whole npm package extracted into ``cache`` (once), for Node to run."""
    folder = cache / f"pyodide-{PYODIDE_VERSION}"
    done = folder / ".extracted"
    if done.is_file() and done.read_text() == sha256_file(tgz):
        return folder / "package"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            # The "data" filter (no links out, no absolute paths) where Python has it.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(folder, **safe)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BuildError(f"cannot extract {rel(tgz)}: {exc}") from None
    done.write_text(sha256_file(tgz))
    return folder / "package"


def make_snapshot(package: Path, wheel: Path, dist: Path) -> dict[str, Any]:
    """Make ``SNAPSHOT_PATH`` in ``dist`` from ``wheel``; return its config.json entry."""
    out = dist / SNAPSHOT_PATH
    stdout = run(
        [
            "node",
            str(SNAPSHOT_SCRIPT),
            "--pyodide",
            str(package),
            "--wheel",
            str(wheel),
            "--out",
            str(out),
        ],
        "could not make the Pyodide snapshot (Node >= 18 needed; --no-snapshot skips it)",
    )
    made = json.loads(stdout.strip().splitlines()[-1])
    if made["pyodideVersion"] != PYODIDE_VERSION or made["wheelSha256"] != sha256_file(wheel):
        raise BuildError(f"the snapshot does not match pyodide {PYODIDE_VERSION} and {wheel.name}")
    if made["sha256"] != sha256_file(out) or made["bytes"] != out.stat().st_size:
        raise BuildError(f"{SNAPSHOT_PATH}: written file differs from what Node made")
    log(
        f"snapshot: {SNAPSHOT_PATH} ({human_size(made['bytes'])} of "
        f"{human_size(made['snapshotBytes'])} without zero pages, "
        f"{human_size(made['zeroedFreeBytes'])} of free heap zeroed, "
        f"{made['modules']} modules imported, {made['seconds']} s)"
    )
    return {
        "path": SNAPSHOT_PATH,
        "bytes": made["bytes"],
        "snapshotBytes": made["snapshotBytes"],
        "sha256": made["sha256"],
        "wheelSha256": made["wheelSha256"],
    }


# ----------------------------------------------------------------------------- lock


def lock_entry(
    template: dict[str, Any],
    *,
    name: str,
    wheel: Path,
    version: str,
    imports: list[str],
) -> dict[str, Any]:
    """A lock entry with the template's fields, filled in for ``wheel``."""
    entry = dict(template)
    entry.update(
        name=name,
        version=version,
        file_name=wheel.name,
        sha256=sha256_file(wheel),
        imports=imports,
        depends=[],
        install_dir="site",
        package_type="package",
    )
    if "unvendored_tests" in entry:
        entry["unvendored_tests"] = False
    if "tool" in entry:
        entry["tool"] = {}
    return entry


def trimmed_lock(
    original: dict[str, Any],
    micropip_wheel: Path,
    our_wheel: Path,
    our_version: str,
    plugins: list[PluginWheel],
) -> dict[str, Any]:
    """Keep the original ``info``; list only micropip, our package and adapter plug-ins."""
    template = original.get("packages", {}).get("micropip")
    if not isinstance(template, dict) or "info" not in original:
        raise BuildError("the npm pyodide-lock.json has no info or no micropip entry")
    packages = {
        "micropip": lock_entry(
            template,
            name="micropip",
            wheel=micropip_wheel,
            version=MICROPIP_VERSION,
            imports=["micropip"],
        ),
        PACKAGE_NAME: lock_entry(
            template,
            name=PACKAGE_NAME,
            wheel=our_wheel,
            version=our_version,
            imports=[IMPORT_NAME],
        ),
    }
    for plugin in plugins:
        packages[plugin.name] = lock_entry(
            template,
            name=plugin.name,
            wheel=plugin.wheel,
            version=plugin.version,
            imports=plugin.imports,
        )
    return {**original, "info": original["info"], "packages": packages}


def verify_lock(pyodide_dir: Path) -> None:
    """Check every lock entry names a shipped file with the right sha256."""
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    for key, entry in lock["packages"].items():
        path = pyodide_dir / entry["file_name"]
        if not path.is_file():
            raise BuildError(f"pyodide-lock.json: {key} names missing {entry['file_name']}")
        actual = sha256_file(path)
        if actual != entry["sha256"]:
            raise BuildError(
                f"pyodide-lock.json: sha256 mismatch for {key} ({entry['file_name']}): "
                f"lock {entry['sha256'][:12]}…, file {actual[:12]}…"
            )
    log(f"lock: {', '.join(lock['packages'])} verified")


# ------------------------------------------------------------------------- manifest


def load_package(crm_manifest: Path | None) -> ModuleType:
    """Import ``crm_callbacks`` from the source tree, with ``--crm-manifest`` loaded.

    Everything the extension needs from Python (host patterns, storage keys, the
    settings schema, the widget URL) comes from this one import.
    """
    if crm_manifest is not None:
        os.environ[MANIFEST_ENV] = str(crm_manifest.resolve())
    sys.path.insert(0, str(ROOT))
    try:
        module = importlib.import_module(IMPORT_NAME)
        registry = module.default_registry()  # adapters, plug-ins and the manifest, validated
    except (ImportError, SyntaxError, AttributeError, TypeError, ValueError, LookupError) as exc:
        # An adapter author's bug or a manifest unusable as a whole: report it in one line.
        raise BuildError(f"crm_callbacks failed to load: {exc}") from None
    finally:
        sys.path.remove(str(ROOT))
    report_registry(registry)
    return module


def report_registry(registry: Any) -> None:
    """Print each CRM's urlIdentifier and the match patterns it became, what each
    manifest ignored, and one warning per CRM left out (the others still ship)."""
    for adapter in registry:
        identifier = adapter.identifier
        note = " (broader: Chrome patterns cannot say it exactly)" if identifier.broader else ""
        log(
            f"crm: {adapter.name} [{registry.origin(adapter.name)}] urlIdentifier "
            f"{adapter.url_identifier!r} -> {', '.join(identifier.patterns)}{note}"
        )
    for report in registry.manifests:
        for platform, fields in report.ignored.items():
            where = f"platforms.{platform}" if platform else "top level"
            log(f"crm manifest {report.path}: ignored at {where}: {'; '.join(fields)}")
    for skipped in registry.skipped:
        warn(f"CRM {skipped.name!r} left out ({skipped.origin}): {skipped.reason}")


def check_patterns(patterns: list[str]) -> list[str]:
    """Validate Chrome match patterns; return them de-duplicated, in order."""
    bad = [p for p in patterns if p != "<all_urls>" and not MATCH_PATTERN.match(p)]
    if bad:
        raise BuildError(
            f"invalid match pattern(s): {', '.join(bad)} (expected e.g. https://*.example.com/*)"
        )
    return list(dict.fromkeys(patterns))


def chrome_version(version: str) -> tuple[str, str | None]:
    """Map a wheel version to Chrome's ``version`` (1-4 integers) and a version_name."""
    numbers = re.match(r"^\d+(\.\d+){0,3}", version)
    if numbers is None:
        raise BuildError(f"wheel version {version!r} has no leading number for Chrome")
    plain = numbers.group(0)
    return plain, (None if plain == version else version)


def render_manifest(
    template_path: Path, matches: list[str], version: str, extra_hosts: list[str]
) -> dict[str, Any]:
    """Fill the manifest template: CRM host patterns, the server's host, the version."""
    try:
        manifest = json.loads(template_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"missing {rel(template_path)}") from None
    except json.JSONDecodeError as exc:
        raise BuildError(f"{rel(template_path)} is not valid JSON: {exc}") from None
    scripts = manifest.get("content_scripts")
    if not isinstance(scripts, list) or not scripts or not isinstance(scripts[0], dict):
        raise BuildError(f"{rel(template_path)}: needs content_scripts[0]")
    scripts[0]["matches"] = list(matches)
    manifest["host_permissions"] = list(dict.fromkeys([*matches, *extra_hosts]))
    manifest["version"], version_name = chrome_version(version)
    if version_name:
        manifest["version_name"] = version_name
    return manifest


def referenced_files(manifest: dict[str, Any]) -> list[str]:
    """Extension files the manifest points at."""
    files = [manifest.get("background", {}).get("service_worker")]
    for script in manifest.get("content_scripts", []):
        files += script.get("js", []) + script.get("css", [])
    return [f for f in files if f]


# --------------------------------------------------------------------------- config


def load_config_file(path: Path | None) -> dict[str, Any]:
    """Read ``--config FILE``: a JSON object with keys from CONFIG_KEYS."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BuildError(f"cannot read --config {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise BuildError(f"--config {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BuildError(f"--config {path} must hold a JSON object")
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise BuildError(
            f"--config {path}: unknown key(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(CONFIG_KEYS)})"
        )
    return data


def url_origin(url: str) -> str:
    """Return ``scheme://host[:port]`` of an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BuildError(f"widget URL must be an absolute http(s) URL, got {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise BuildError(f"widget URL has a bad port: {url!r}") from None
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def resolve_config(args: argparse.Namespace, build_id: str, widget: ModuleType) -> dict[str, Any]:
    """Merge defaults < $RC_CLIENT_ID < --config file < flags into config.json."""
    merged: dict[str, Any] = {
        "clientId": os.environ.get("RC_CLIENT_ID", ""),
        "appServer": widget.DEFAULT_APP_SERVER,
        "redirectUri": widget.DEFAULT_REDIRECT_URI,
        "widgetUrl": None,
        "bootTimeoutMs": DEFAULT_BOOT_TIMEOUT_MS,
        "serverUrl": DEFAULT_SERVER_URL,
    }
    merged.update(load_config_file(args.config))
    flags = {
        "clientId": args.client_id,
        "appServer": args.app_server,
        "redirectUri": args.redirect_uri,
        "widgetUrl": args.widget_url,
        "serverUrl": args.server_url,
    }
    merged.update({k: v for k, v in flags.items() if v is not None})
    timeout = merged["bootTimeoutMs"]
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0:
        raise BuildError(f"bootTimeoutMs must be a positive integer, got {timeout!r}")
    if not merged["clientId"]:
        warn(
            "no RingCentral client id (--client-id, RC_CLIENT_ID or --config); "
            "the widget will not be able to log in"
        )
    server_url = merged["serverUrl"] or ""
    if server_url:
        url_origin(server_url)  # an absolute http(s) URL, or a clear error
    widget_url = merged["widgetUrl"] or widget.widget_url(
        merged["clientId"], merged["appServer"], merged["redirectUri"]
    )
    return {
        "widgetUrl": widget_url,
        "widgetOrigin": url_origin(widget_url),
        "clientId": merged["clientId"],
        "appServer": merged["appServer"],
        "redirectUri": merged["redirectUri"],
        "bootTimeoutMs": timeout,
        "buildId": build_id,
        # Setting defaults only the build knows; the service worker passes them to
        # Python under any value the user stored.
        "settingDefaults": {"serverUrl": server_url},
    }


# ---------------------------------------------------------------------------- dist


def copy_extension(src: Path, dist: Path) -> int:
    """Copy every file of ``extension/`` except the manifest template; return count."""
    if not src.is_dir():
        raise BuildError(f"missing folder {rel(src)}")
    count = 0
    for path in sorted(src.rglob("*")):
        if not path.is_file() or path.name == MANIFEST_TEMPLATE or path.name.startswith("."):
            continue
        target = dist / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        count += 1
    log(f"extension: copied {count} file(s) from {rel(src)}")
    return count


def write_names(names: ModuleType, dist: Path) -> None:
    """Generate the shared names (crm_callbacks/names.py) for the extension's JS.

    ``worker/names.js`` is the ES module the worker and the extension pages import;
    ``content_names.js`` the same names for the content script, which cannot import.
    Generated, never committed: the Python module is the only source.
    """
    (dist / "worker").mkdir(exist_ok=True)
    (dist / "worker" / "names.js").write_text(names.as_js_module(), encoding="utf-8")
    (dist / "content_names.js").write_text(names.as_content_script(), encoding="utf-8")
    log("names: worker/names.js and content_names.js from crm_callbacks/names.py")


def write_json(path: Path, data: Any) -> None:
    """Write pretty JSON with a trailing newline."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags."""
    parser = argparse.ArgumentParser(description="Build the crm-callbacks extension.")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "build" / "dist",
        help="output folder (default: build/dist)",
    )
    parser.add_argument("--client-id", help="RingCentral app client id (or $RC_CLIENT_ID)")
    parser.add_argument("--app-server", help="default https://platform.ringcentral.com")
    parser.add_argument("--redirect-uri", help="OAuth redirect URI for the widget")
    parser.add_argument("--widget-url", help="full widget URL (overrides the built one)")
    parser.add_argument("--config", type=Path, help="JSON file with config.json keys")
    parser.add_argument(
        "--server-url",
        help="App Connect server for contacts, call logs and sign-in "
        f"(default {DEFAULT_SERVER_URL}; empty for none)",
    )
    parser.add_argument(
        "--crm-manifest",
        type=Path,
        metavar="FILE",
        help="App Connect-style JSON manifest adding or overriding CRM platforms",
    )
    parser.add_argument(
        "--extra-host",
        action="append",
        default=[],
        metavar="PATTERN",
        help="extra match pattern for content script + host permissions",
    )
    parser.add_argument(
        "--no-snapshot",
        action="store_true",
        help="ship no Pyodide snapshot: Python boots with micropip (≈ 2 s instead of ≈ 0.4 s)",
    )
    return parser.parse_args(argv)


def assemble(
    args: argparse.Namespace, dist: Path, wheel: Path, version: str, tgz: Path, micropip: Path
) -> None:
    """Fill the empty folder ``dist`` with the extension, Pyodide and the configs."""
    copy_extension(ROOT / "extension", dist)

    pyodide_dir = dist / "pyodide"
    original_lock = extract_pyodide(tgz, pyodide_dir)
    shutil.copy2(wheel, pyodide_dir / wheel.name)
    shutil.copy2(micropip, pyodide_dir / micropip.name)
    try:
        plugins = plugin_wheels(ROOT / "build" / "cache")
    except PluginError as exc:
        raise BuildError(str(exc)) from None
    for plugin in plugins:
        shutil.copy2(plugin.wheel, pyodide_dir / plugin.wheel.name)
        log(f"plug-in: {plugin.wheel.name} (adapters from {', '.join(plugin.imports)})")
    lock = trimmed_lock(original_lock, micropip, wheel, version, plugins)
    write_json(pyodide_dir / "pyodide-lock.json", lock)
    verify_lock(pyodide_dir)

    package = load_package(args.crm_manifest)
    info = package.build_info()
    write_names(importlib.import_module(f"{IMPORT_NAME}.names"), dist)
    if args.crm_manifest is not None:
        shutil.copy2(args.crm_manifest, dist / CRM_MANIFEST_NAME)
    write_json(dist / "settings-schema.json", info["settingsSchema"])
    config = resolve_config(args, sha256_file(wheel)[:12], package.widget)
    server_url = config["settingDefaults"]["serverUrl"]
    # Host permission for the configured server only (match patterns ignore the port).
    server_hosts = (
        [f"{urlsplit(server_url).scheme}://{urlsplit(server_url).hostname}/*"] if server_url else []
    )
    matches = check_patterns(info["matches"] + list(args.extra_host))
    manifest = render_manifest(
        ROOT / "extension" / MANIFEST_TEMPLATE, matches, version, check_patterns(server_hosts)
    )
    write_json(dist / "manifest.json", manifest)
    log(f"manifest: version {manifest['version']}, {len(matches)} host pattern(s)")
    for name in referenced_files(manifest):
        if not (dist / name).is_file():
            warn(
                f"manifest.json references {name}, missing from extension/ "
                "— Chrome will refuse to load the extension"
            )

    config["storageKeys"] = info["storageKeys"]
    # The worker's second URL guard: hosts Python's adapters may open (never CRM logic).
    config["openHostPatterns"] = info["openHostPatterns"]
    config["fetchOrigins"] = info["fetchOrigins"]
    config["plugins"] = [plugin.name for plugin in plugins]
    config["crmManifest"] = CRM_MANIFEST_NAME if args.crm_manifest is not None else None
    config["snapshot"] = None  # last: every check that can fail fast has passed
    if not args.no_snapshot:
        config["snapshot"] = make_snapshot(
            pyodide_package(tgz, ROOT / "build" / "cache"), wheel, dist
        )
    write_json(dist / "config.json", config)
    log(f"config: widget {config['widgetOrigin']}, buildId {config['buildId']}")


def check_output_folder(dist: Path, cache: Path) -> None:
    """Refuse output folders whose replacement would delete something else."""
    protected = (ROOT / "extension", cache.resolve())
    if dist == ROOT or dist in ROOT.parents or any(dist.is_relative_to(p) for p in protected):
        raise BuildError(f"refusing to use {dist} as the output folder")
    if dist.exists() and any(dist.iterdir()) and not (dist / "manifest.json").exists():
        raise BuildError(f"refusing to replace {dist}: not empty and not a previous build")


def build(args: argparse.Namespace) -> Path:
    """Run every build step; return the output folder.

    The output is assembled in a sibling staging folder and swapped in only on
    success, so a failed build never leaves a half-written ``dist``.
    """
    cache = ROOT / "build" / "cache"
    dist = (args.out if args.out.is_absolute() else Path.cwd() / args.out).resolve()
    check_output_folder(dist, cache)

    wheel = runtime_wheel(build_wheel(cache), cache)
    _, version = wheel_metadata(wheel)
    tgz = fetch_pyodide(cache)
    micropip = fetch_micropip(cache)

    staging = dist.with_name(f".{dist.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        assemble(args, staging, wheel, version, tgz, micropip)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if dist.exists():
        shutil.rmtree(dist)
    staging.rename(dist)
    return dist


def main(argv: list[str] | None = None) -> int:
    """Entry point: build, print the summary line, return the exit code."""
    args = parse_args(argv)
    try:
        dist = build(args)
    except BuildError as exc:
        print(f"[build] error: {exc}", file=sys.stderr, flush=True)
        return 1
    log(
        f"done: {rel(dist)} ({human_size(dir_size(dist))}) "
        "— load it at chrome://extensions → Load unpacked"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
