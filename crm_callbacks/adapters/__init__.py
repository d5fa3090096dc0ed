"""CRM adapters: one small module per CRM, collected in a validated registry."""

from __future__ import annotations

import os
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
    manifest: str | Path | dict[str, Any] | None = None, *, plugins: bool = True
) -> Registry:
    """Built-ins, then installed plug-ins (`plugins`), then an App Connect `manifest`
    (a path, or the parsed JSON). A plug-in or platform that cannot work is left out
    (`Registry.skipped`); only a manifest that is unusable as a whole raises AdapterError.
    """
    registry = Registry(BUILTIN_ADAPTERS)
    if plugins:
        load_plugins(registry, strict=False)
    if isinstance(manifest, dict):
        load_manifest(registry, manifest)
    elif manifest:
        load_manifest_file(registry, manifest)
    return registry


@cache
def default_registry() -> Registry:
    """`build_registry` with the manifest at $CRM_CALLBACKS_MANIFEST, built once."""
    return build_registry(os.environ.get(MANIFEST_ENV) or None)


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
