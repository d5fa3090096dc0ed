"""CRM adapters: one small module per CRM, collected in a validated registry."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from . import (
    bullhorn,
    clio,
    freshdesk,
    gohighlevel,
    insightly,
    netsuite,
    pipedrive,
    redtail,
    testcrm,
)
from .app_connect import MANIFEST_ENV, load_manifest, load_manifest_file
from .base import Adapter
from .registry import ENTRY_POINT_GROUP, Registry, load_plugins

BUILTIN_ADAPTERS: tuple[Adapter, ...] = (
    testcrm.ADAPTER,
    pipedrive.ADAPTER,
    insightly.ADAPTER,
    clio.ADAPTER,
    redtail.ADAPTER,
    bullhorn.ADAPTER,
    netsuite.ADAPTER,
    freshdesk.ADAPTER,
    gohighlevel.ADAPTER,
)


@cache
def default_registry() -> Registry:
    """Built-ins, then installed plug-ins, then the CRM manifest.

    What `crm_callbacks.configure` set, once it was called; before that (the CPython
    command line and tests) every installed plug-in and the manifest file at
    $CRM_CALLBACKS_MANIFEST, if set.
    """
    registry = Registry(BUILTIN_ADAPTERS)
    if _configured is None:
        load_plugins(registry)
        manifest_path = os.environ.get(MANIFEST_ENV)
        if manifest_path:
            load_manifest_file(registry, manifest_path)
        return registry
    load_plugins(registry, _configured["plugins"])
    if _configured["manifest"] is not None:
        load_manifest(registry, _configured["manifest"])
    return registry


# ---- explicit configuration (crm_callbacks.configure), for the extension's runtime ----

_configured: dict[str, Any] | None = None


def configure_registry(*, manifest: Any, plugins: tuple[str, ...] | None) -> Registry:
    """Make the default registry from these inputs (no environment), build and return it."""
    global _configured
    wanted = {"manifest": manifest, "plugins": plugins}
    if wanted == _configured:
        return default_registry()  # already made from these inputs (e.g. in the snapshot)
    _configured = wanted
    default_registry.cache_clear()
    try:
        return default_registry()
    except Exception:
        _configured = None
        default_registry.cache_clear()
        raise


__all__ = [
    "BUILTIN_ADAPTERS",
    "ENTRY_POINT_GROUP",
    "MANIFEST_ENV",
    "Adapter",
    "Registry",
    "default_registry",
    "load_manifest",
    "load_manifest_file",
]
