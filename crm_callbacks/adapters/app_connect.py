"""Platforms from an App Connect–style JSON manifest: add or override CRMs without code.

The manifest's ``platforms`` object maps a platform name to its config, with App
Connect's field names (``urlIdentifier``, ``contactPageUrl``, ``logPageUrl``,
``canOpenLogPage``, ``contactTypes`` …). A name that is already registered is
overridden field by field, keeping the built-in's code (Bullhorn's stored ATS URL,
for instance); a new name becomes a plain template adapter. Unknown fields are
ignored, so a full App Connect manifest can be used as is.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from .base import Adapter
from .registry import Registry

# App Connect manifest field → Adapter field, and the JSON type it must have.
FIELDS: dict[str, tuple[str, type | tuple[type, ...]]] = {
    "displayName": ("display_name", str),
    "urlIdentifier": ("url_identifier", str),
    "contactPageUrl": ("contact_page_url", str),
    "logPageUrl": ("log_page_url", str),
    "canOpenLogPage": ("can_open_log_page", bool),
    "contactTypes": ("contact_types", list),
    "authType": ("auth_type", str),
    "fallbackContactPageUrl": ("fallback_contact_page_url", str),
    "storageKeys": ("storage_keys", list),
    "unauthorizeKeys": ("unauthorize_keys", list),
    "openInPopup": ("open_in_popup", bool),
    "serverUrl": ("server_url", str),
}
MANIFEST_ENV = "CRM_CALLBACKS_MANIFEST"


def load_manifest(registry: Registry, manifest: Any) -> list[str]:
    """Register every platform of `manifest`; return their names. ValueError if invalid."""
    platforms = manifest.get("platforms") if isinstance(manifest, dict) else None
    if not isinstance(platforms, dict) or not platforms:
        raise ValueError("a CRM manifest needs a non-empty 'platforms' object")
    names = []
    for name, config in platforms.items():
        if not isinstance(config, dict):
            raise ValueError(f"platforms.{name} must be an object")
        changes = {"name": name, **_adapter_fields(name, config)}
        existing = registry.get(name)
        if existing is not None:
            changes["name"] = existing.name
            registry.register(replace(existing, **changes), replace=True)
        else:
            changes.setdefault("display_name", name)
            missing = {"url_identifier", "contact_page_url"} - changes.keys()
            if missing:
                wanted = ", ".join(sorted(_manifest_name(m) for m in missing))
                raise ValueError(f"platforms.{name} is new and needs {wanted}")
            registry.register(Adapter(**changes))
        names.append(name)
    return names


def load_manifest_file(registry: Registry, path: str | Path) -> list[str]:
    """`load_manifest` for a JSON file, naming the file in any error."""
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
        return load_manifest(registry, manifest)
    except (OSError, ValueError) as exc:
        raise ValueError(f"CRM manifest {path}: {exc}") from exc


def _adapter_fields(name: str, config: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, (field, kind) in FIELDS.items():
        if key not in config or config[key] is None:
            continue
        value = config[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ValueError(f"platforms.{name}.{key} must be a {_kind_name(kind)}")
        if kind is list:
            value = tuple(_list_item(name, key, item) for item in value)
        changes[field] = value
    auth = config.get("auth")
    if isinstance(auth, dict):  # App Connect's {"type", "apiKey": {"page"}, "oauth"}
        if isinstance(auth.get("type"), str) and "auth_type" not in changes:
            changes["auth_type"] = auth["type"]
        page = auth.get("apiKey", {}).get("page") if isinstance(auth.get("apiKey"), dict) else None
        if page is not None:
            if not isinstance(page, dict) or not isinstance(page.get("content", []), list):
                raise ValueError(f"platforms.{name}.auth.apiKey.page must have a content list")
            changes["api_key_page"] = page
        oauth = auth.get("oauth")
        if isinstance(oauth, dict) and isinstance(oauth.get("authUrl"), str):
            changes["oauth"] = oauth
    return changes


def _list_item(name: str, key: str, item: Any) -> str:
    """Strings, or App Connect's ``{"display": …, "value": …}`` contact types."""
    if isinstance(item, dict) and isinstance(item.get("value"), str):
        return item["value"]
    if isinstance(item, str) and item:
        return item
    raise ValueError(f"platforms.{name}.{key} items must be non-empty strings")


def _manifest_name(field: str) -> str:
    return next(key for key, (name, _) in FIELDS.items() if name == field)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return {str: "string", bool: "boolean", list: "list"}.get(kind, str(kind))  # type: ignore[arg-type]


assert {f for f, _ in FIELDS.values()} <= {f.name for f in fields(Adapter)}
