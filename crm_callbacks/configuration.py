"""Runtime configuration passed in explicitly, once, by whoever embeds the package.

The extension's offscreen document calls `configure` after Python starts, with the
CRM manifest its build bundled and the adapter plug-ins it installed: no file written
into the runtime, no environment variable, no cache to clear from JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .adapters import configure_registry


def configure(*, manifest: Any = None, plugins: Iterable[str] | None = None) -> list[str]:
    """Set the adapters `dispatch` uses; return their names. ValueError if invalid.

    `manifest`: an App Connect–style CRM manifest, as a dict or JSON text (None: none).
    `plugins`: the distributions whose ``crm_callbacks.adapters`` entry points to load
    (None: every installed one). The registry is built and validated now, so a bad
    manifest or plug-in fails here, not on the first call.
    """
    if isinstance(manifest, str):
        try:
            manifest = json.loads(manifest)
        except ValueError as exc:
            raise ValueError(f"CRM manifest: not JSON: {exc}") from exc
    registry = configure_registry(
        manifest=manifest, plugins=None if plugins is None else tuple(plugins)
    )
    return [adapter.name for adapter in registry]


__all__ = ["configure"]
