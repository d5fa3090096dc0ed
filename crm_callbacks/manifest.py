"""What the extension build needs from the adapters and settings, generated at build time."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .adapters import Registry, default_registry
from .service import COMMON_SESSION_KEYS, SESSION_SERVER_KEY
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
    keys = [*COMMON_SESSION_KEYS, SESSION_SERVER_KEY]
    for adapter in registry or default_registry():
        keys.extend(k for k in adapter.storage_keys if k not in keys)
    return keys


def open_host_patterns(registry: Registry | None = None) -> list[str]:
    """Hosts the worker's second URL guard lets a URL open (``*.x.com`` or ``x.com``)."""
    hosts: list[str] = []
    for adapter in registry or default_registry():
        hosts.extend(h for h in adapter.open_host_patterns() if h not in hosts)
    return hosts


def fetch_origins(registry: Registry | None = None) -> list[str]:
    """Origins the worker may fetch from besides the configured server: each platform's
    own App Connect server (manifest ``serverUrl``) and its user lookup (Bullhorn)."""
    origins: list[str] = []
    for adapter in registry or default_registry():
        for url in (adapter.server_url, adapter.user_lookup_url):
            parts = urlsplit(url) if url else None
            origin = f"{parts.scheme}://{parts.netloc}" if parts and parts.netloc else ""
            if origin and origin not in origins:
                origins.append(origin)
    return origins


def build_info(registry: Registry | None = None) -> dict[str, Any]:
    """Everything `scripts/build.py` writes into the extension from Python, in one call."""
    registry = registry or default_registry()
    return {
        "matches": content_script_matches(registry),
        "storageKeys": storage_keys(registry),
        "openHostPatterns": open_host_patterns(registry),
        "fetchOrigins": fetch_origins(registry),
        "settingsSchema": settings_schema(registry),
    }
