"""What the extension manifest needs from the adapters, generated at build time."""

from __future__ import annotations

from .adapters import Registry, default_registry


def content_script_matches(registry: Registry | None = None) -> list[str]:
    """Chrome match patterns for every CRM host: content-script matches and host permissions."""
    patterns: list[str] = []
    for adapter in registry or default_registry():
        patterns.extend(p for p in adapter.host_match_patterns() if p not in patterns)
    return patterns
