"""CRM adapters: one small module per CRM, collected in a validated registry."""

from __future__ import annotations

import os
from functools import cache

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
    """Built-ins, then installed plug-ins, then the JSON manifest at $CRM_CALLBACKS_MANIFEST."""
    registry = Registry(BUILTIN_ADAPTERS)
    load_plugins(registry, strict=False)  # a broken plug-in is left out, in .skipped
    manifest_path = os.environ.get(MANIFEST_ENV)
    if manifest_path:
        load_manifest_file(registry, manifest_path)
    return registry


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
