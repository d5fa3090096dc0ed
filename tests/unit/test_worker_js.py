"""The extension's JS against Python's names: run in Node with the generated names.js.

Node runs the worker modules that are pure (no chrome.* at load): the URL guard's
`node --test` file, the offscreen port and the state store (with a stand-in for the
chrome.* they call), and the performers table, checked against every action type
Python can return.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crm_callbacks import actions, build_info, names
from crm_callbacks.rules import options
from crm_callbacks.urls import is_loopback

pytestmark = pytest.mark.skipif(
    sys.platform == "emscripten", reason="CPython runs Node; the Pyodide parity run has neither"
)

ROOT = Path(__file__).resolve().parents[2]
JS_TESTS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def worker_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """extension/worker plus the names.js the build generates, as build/dist has them."""
    if shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail("node is needed to test the extension's JS")
        pytest.skip("node is not installed")
    folder = tmp_path_factory.mktemp("worker")
    for path in (ROOT / "extension" / "worker").glob("*.js"):
        shutil.copy2(path, folder / path.name)
    (folder / "names.js").write_text(names.as_js_module(), encoding="utf-8")
    return folder


def node(*args: str, worker_dir: Path, **env: str) -> str:
    done = subprocess.run(
        ["node", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "WORKER_DIR": worker_dir.as_uri(), **env},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_worker_url_guard_in_node(worker_dir: Path):
    patterns = json.dumps(build_info()["openHostPatterns"])
    node("--test", str(JS_TESTS / "url_guard.test.mjs"), worker_dir=worker_dir,
         OPEN_HOST_PATTERNS=patterns)  # fmt: skip


def test_the_offscreen_port_and_the_state_store_in_node(worker_dir: Path):
    node("--test", str(JS_TESTS / "offscreen_link.test.mjs"), worker_dir=worker_dir)


def sample(parameter: inspect.Parameter) -> Any:
    """A value of the parameter's annotated type, enough to build an action."""
    annotation = str(parameter.annotation)
    for kind, value in (("int", 1), ("bool", True), ("list", []), ("dict", {}), ("str", "x")):
        if kind in annotation:
            return value
    return "info" if "Level" in annotation else "x"


def python_action_types() -> set[str]:
    """The type of the action each public constructor in `actions` builds."""
    types = set()
    for name, function in inspect.getmembers(actions, inspect.isfunction):
        if name.startswith("_") or function.__module__ != actions.__name__:
            continue
        signature = inspect.signature(function)
        required = {
            p.name: sample(p)
            for p in signature.parameters.values()
            if p.default is inspect.Parameter.empty
        }
        types.add(function(**required)["type"])
    return types


def test_every_action_python_returns_has_a_performer_and_the_reverse(worker_dir: Path):
    performed = set(json.loads(node(str(JS_TESTS / "performers.mjs"), worker_dir=worker_dir)))
    assert python_action_types() == set(names.ACTION_TYPES.values()) == performed


def test_the_generated_module_exports_the_python_names(worker_dir: Path):
    script = (
        f"const n = await import('{worker_dir.as_uri()}/names.js');"
        "console.log(JSON.stringify({...n}));"
    )
    exported = json.loads(node("--input-type=module", "-e", script, worker_dir=worker_dir))
    assert exported["STORAGE_KEYS"] == names.STORAGE_KEYS
    assert exported["MESSAGE_TYPES"]["SAVE_SETTINGS"] == options.SAVE_SETTINGS
    assert exported["STORAGE_KEYS"]["SETTINGS"] == options.SETTINGS_STORAGE_KEY
    assert exported["ACTION_TYPES"] == names.ACTION_TYPES


HOSTS = ["127.0.0.1", "127.9.9.9", "localhost", "x.localhost", "[::1]", "127.evil.com",
         "127.0.0.1.nip.io", "10.0.0.1", "localhost.evil.com", "evil.com"]  # fmt: skip


def test_the_js_loopback_rule_is_pythons(worker_dir: Path):
    script = (
        f"const g = await import('{worker_dir.as_uri()}/url_guard.js');"
        f"console.log(JSON.stringify({json.dumps(HOSTS)}.map(g.isLoopbackHost)));"
    )
    in_js = json.loads(node("--input-type=module", "-e", script, worker_dir=worker_dir))
    assert in_js == [is_loopback(host) for host in HOSTS]


def test_no_hand_written_copy_of_a_shared_name_in_the_extension():
    """Shared names reach the JS only through the generated names.js."""
    sources = [p for p in (ROOT / "extension").rglob("*.js") if p.name not in ("names.js",)]
    for value in [*names.STORAGE_KEYS.values(), *names.MESSAGE_TYPES.values()]:
        for path in sources:
            assert f'"{value}"' not in path.read_text(encoding="utf-8"), (value, path.name)
