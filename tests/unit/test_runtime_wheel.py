"""The browser's runtime wheel: what `dispatch` reaches, and none of it does I/O.

scripts/build.py leaves the paths listed in pyproject.toml
(``[tool.crm-callbacks.runtime-wheel] exclude``) out of the wheel Pyodide loads. Every
other module of the package is imported here in a fresh interpreter: none may pull in
a module that does I/O, nor one of the excluded developer tools (the browser would
not have it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform == "emscripten", reason="reads the source tree and starts a process"
)

ROOT = Path(__file__).resolve().parents[2]
IO_MODULES = ("socket", "sqlite3", "http", "subprocess", "urllib.request", "ssl", "asyncio")


def excludes() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["crm-callbacks"]["runtime-wheel"]["exclude"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_modules() -> list[str]:
    left_out = excludes()
    names = []
    for path in sorted((ROOT / "crm_callbacks").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if any(relative == e or (e.endswith("/") and relative.startswith(e)) for e in left_out):
            continue
        names.append(module_name(path))
    return names


def imported_by(modules: list[str]) -> set[str]:
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


def test_the_exclusions_name_existing_developer_tools() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    kit = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"].values()
    for entry in excludes():
        # a source file, or a folder the wheel gets by force-include (the build kit)
        shipped = any(f"{target}/".startswith(entry) for target in kit)
        assert (ROOT / entry).exists() or shipped, entry
    assert "crm_callbacks.session" in runtime_modules()
    assert "crm_callbacks.cli" not in runtime_modules()


def test_the_runtime_modules_import_nothing_that_does_io_nor_a_developer_tool() -> None:
    modules = runtime_modules()
    loaded = imported_by(modules)
    doing_io = sorted(m for m in loaded if m in IO_MODULES or m.startswith("http."))
    assert doing_io == [], f"the runtime imports I/O modules: {doing_io}"
    dev_tools = {module_name(ROOT / e.rstrip("/")) for e in excludes()}
    leaked = sorted(
        m
        for m in loaded
        if m.partition(".")[0] == "crm_callbacks"
        and (m in dev_tools or any(m.startswith(f"{d}.") for d in dev_tools))
    )
    assert leaked == [], f"the runtime imports modules left out of its wheel: {leaked}"


def test_the_check_sees_io_when_it_is_there() -> None:
    # The developer tools do I/O (the server listens on a socket): the check must see it.
    loaded = imported_by(["crm_callbacks.server.app", "crm_callbacks.cli"])
    assert {"socket", "subprocess"} <= loaded
