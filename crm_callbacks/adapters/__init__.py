"""CRM adapters: one small module per CRM, collected in a validated registry."""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
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
from .base import Adapter, Environment, PlatformSetting
from .errors import AdapterError
from .registry import ENTRY_POINT_GROUP, ManifestReport, Registry, Skipped, load_plugins

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


def build_registry(
    manifest: str | Path | dict[str, Any] | None = None,
    *,
    plugins: bool | Iterable[str] = True,
) -> Registry:
    """Built-ins, then installed plug-ins (`plugins`: all, none, or these distributions),
    then an App Connect `manifest` (a path, or the parsed JSON). A plug-in or platform
    that cannot work is left out (`Registry.skipped`); only a manifest that is unusable as
    a whole raises AdapterError.
    """
    registry = Registry(BUILTIN_ADAPTERS)
    if plugins is True:
        load_plugins(registry, strict=False)
    elif plugins:
        load_plugins(registry, plugins, strict=False)
    if isinstance(manifest, dict):
        load_manifest(registry, manifest)
    elif manifest:
        load_manifest_file(registry, manifest)
    return registry


@cache
def default_registry() -> Registry:
    """`build_registry` from what `crm_callbacks.configure` set, once it was called; before
    that (the CPython command line and tests) every installed plug-in and the manifest file
    at $CRM_CALLBACKS_MANIFEST, if set. Built once."""
    if _configured is None:
        return build_registry(os.environ.get(MANIFEST_ENV) or None)
    plugins = _configured["plugins"]
    return build_registry(_configured["manifest"], plugins=True if plugins is None else plugins)


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
    "AdapterError",
    "Environment",
    "ManifestReport",
    "PlatformSetting",
    "Registry",
    "Skipped",
    "build_registry",
    "default_registry",
    "load_manifest",
    "load_manifest_file",
]
