"""What the extension build needs from the adapters and settings, generated at build time."""

from __future__ import annotations

from typing import Any

from .adapters import Registry, default_registry
from .service import COMMON_SESSION_KEYS
from .settings import settings_schema


def content_script_matches(registry: Registry | None = None) -> list[str]:
    """Chrome match patterns for every CRM host: content-script matches and host permissions."""
    patterns: list[str] = []
    for adapter in registry or default_registry():
        patterns.extend(p for p in adapter.host_match_patterns() if p not in patterns)
    return patterns


def storage_keys(registry: Registry | None = None) -> list[str]:
    """The ``chrome.storage.local`` keys the shim passes as ``context.storage``.

    The session keys every CRM shares plus each adapter's declared ones: nothing else
    the extension stores ever reaches Python.
    """
    keys = list(COMMON_SESSION_KEYS)
    for adapter in registry or default_registry():
        keys.extend(k for k in adapter.storage_keys if k not in keys)
    return keys


def open_host_patterns(registry: Registry | None = None) -> list[str]:
    """Hosts the worker's second URL guard lets a URL open (``*.x.com`` or ``x.com``)."""
    hosts: list[str] = []
    for adapter in registry or default_registry():
        hosts.extend(h for h in adapter.open_host_patterns() if h not in hosts)
    return hosts


def build_info(registry: Registry | None = None) -> dict[str, Any]:
    """Everything `scripts/build.py` writes into the extension from Python, in one call."""
    registry = registry or default_registry()
    return {
        "matches": content_script_matches(registry),
        "storageKeys": storage_keys(registry),
        "openHostPatterns": open_host_patterns(registry),
        "settingsSchema": settings_schema(registry),
    }
