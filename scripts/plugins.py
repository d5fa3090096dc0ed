"""Adapter plug-ins for the build: the wheels of installed packages that publish
adapters under the ``crm_callbacks.adapters`` entry-point group.

They are bundled into the extension next to our own wheel and installed in Pyodide
at boot, so a plug-in adapter works in Chrome exactly as it does under pytest.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib.metadata import Distribution, entry_points
from pathlib import Path
from urllib.parse import unquote, urlsplit

GROUP = "crm_callbacks.adapters"
OUR_NAME = "crm-callbacks"


class PluginError(Exception):
    """A plug-in cannot be bundled; the message says which and why."""


@dataclass(frozen=True)
class PluginWheel:
    name: str  # canonical (hyphenated) distribution name, the lock's key
    version: str
    wheel: Path
    imports: list[str]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def plugin_wheels(cache: Path) -> list[PluginWheel]:
    """A pure-Python wheel for every installed plug-in distribution, built or fetched once."""
    found: dict[str, Distribution] = {}
    for point in entry_points(group=GROUP):
        dist = point.dist
        if dist is not None and canonical(dist.metadata["Name"]) != OUR_NAME:
            found.setdefault(canonical(dist.metadata["Name"]), dist)
    return [_wheel_of(name, dist, cache / "plugins") for name, dist in sorted(found.items())]


def _wheel_of(name: str, dist: Distribution, folder: Path) -> PluginWheel:
    version = dist.version
    target = folder / f"{name}-{version}"
    wheels = sorted(target.glob("*.whl")) if target.is_dir() else []
    if not wheels:
        target.mkdir(parents=True, exist_ok=True)
        source = _local_source(dist)
        command = (
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(target), source]
            if source
            else [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "--only-binary=:all:",
                "-d",
                str(target),
                f"{dist.metadata['Name']}=={version}",
            ]
        )
        done = subprocess.run(command, capture_output=True, text=True)
        wheels = sorted(target.glob("*.whl"))
        if done.returncode != 0 or not wheels:
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel"]
            raise PluginError(f"adapter plug-in {name} {version}: no wheel ({detail[0]})")
    wheel = wheels[-1]
    if not wheel.name.endswith("-py3-none-any.whl"):
        raise PluginError(f"adapter plug-in {name}: {wheel.name} is not pure Python (py3-none-any)")
    return PluginWheel(name, version, wheel, _top_level_modules(wheel))


def _local_source(dist: Distribution) -> str | None:
    """The folder a plug-in was installed from (pip's direct_url.json), if local."""
    text = dist.read_text("direct_url.json")
    if not text:
        return None
    url = json.loads(text).get("url", "")
    parts = urlsplit(url)
    return unquote(parts.path) if parts.scheme == "file" else None


def _top_level_modules(wheel: Path) -> list[str]:
    """Importable top-level names in `wheel` (for the lock's ``imports``)."""
    with zipfile.ZipFile(wheel) as archive:
        tops = {
            item.split("/", 1)[0].removesuffix(".py")
            for item in archive.namelist()
            if not item.split("/", 1)[0].endswith((".dist-info", ".data"))
        }
    return sorted(t for t in tops if t.isidentifier())
