"""CRM adapters: one small module per CRM, collected in a validated registry."""

from __future__ import annotations

from functools import cache

from . import pipedrive, testcrm
from .base import Adapter
from .registry import ENTRY_POINT_GROUP, Registry, load_plugins

BUILTIN_ADAPTERS: tuple[Adapter, ...] = (testcrm.ADAPTER, pipedrive.ADAPTER)


@cache
def default_registry() -> Registry:
    """Built-in adapters plus installed plug-ins, built once per process."""
    registry = Registry(BUILTIN_ADAPTERS)
    load_plugins(registry)
    return registry


__all__ = ["BUILTIN_ADAPTERS", "ENTRY_POINT_GROUP", "Adapter", "Registry", "default_registry"]
