"""Where the files that are not Python live: in a source checkout, or shipped in the wheel.

The extension build needs ``extension/`` and ``scripts/``, the Chromium harness the
fake CRM page and widget (``tests/e2e/site``). A checkout has them at its root; a
wheel carries the same files under ``crm_callbacks/_kit/`` (pyproject's hatch
``force-include``), so ``crm-callbacks build`` and `crm_callbacks.testing.chromium`
work from a plain ``pip install`` too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
KIT_DIR = PACKAGE_DIR / "_kit"
"""The shipped copy, present in an installed wheel only."""

SITE = "tests/e2e/site"


def find_checkout(start: Path) -> Path | None:
    """The crm-callbacks source checkout holding `start`, if any."""
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if (folder / "scripts" / "build.py").is_file() and pyproject.is_file():
            try:
                project = tomllib.loads(pyproject.read_text("utf-8")).get("project", {})
            except (OSError, ValueError):
                continue
            if project.get("name") == "crm-callbacks":
                return folder
    return None


def kit_path(relative: str) -> Path:
    """`relative` (e.g. ``"extension"``) from the checkout this package is in, else from
    the wheel's shipped copy; FileNotFoundError saying where it looked."""
    checkout = find_checkout(PACKAGE_DIR.parent)
    candidates = [checkout / relative] if checkout else []
    candidates.append(KIT_DIR / relative)
    for candidate in candidates:
        if candidate.exists():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"{relative} is neither in a crm-callbacks checkout nor shipped with the package "
        f"(looked in {looked}); reinstall crm-callbacks from its wheel or sdist"
    )
