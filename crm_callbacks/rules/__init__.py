"""Router rules; importing this package registers every rule with the router.

Every module of this package is imported, found by `pkgutil` (which also reads a
wheel's zip or Pyodide's file system), so a new rule module needs no import list.
"""

from __future__ import annotations

import importlib
import pkgutil

RULE_MODULES: tuple[str, ...] = tuple(
    sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
)
"""Names of the rule modules, each imported once when this package is."""

for _name in RULE_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
