"""Platforms from an App Connect manifest, of any version, used as they are.

Both forms load: the current ``src/connectors/manifest.json`` (``auth.type``,
``environment``, ``override``, ``serverUrl`` …) and the 2024–2025
``src/adapters/manifest.json`` (top-level ``authType``, bare-domain urlIdentifiers).
What a client-side callback needs is used, the rest is listed as ignored
(`Registry.manifests`); docs/app-connect.md says which field does what.

A platform name that is already registered is overridden field by field, keeping the
built-in's code (Bullhorn's stored ATS URL, for instance); a new name becomes a plain
template adapter. A platform that cannot work (no ``contactPageUrl``, a template that
fails the guard) is left out with its reason (`Registry.skipped`); the others load.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CallbackError
from ..urls import normalize_hostname
from .base import Adapter, Environment, PlatformSetting
from .errors import AdapterError
from .registry import ManifestReport, Registry

MANIFEST_ENV = "CRM_CALLBACKS_MANIFEST"

# App Connect field → Adapter field, and the JSON type it must have.
SIMPLE_FIELDS: dict[str, tuple[str, type]] = {
    "displayName": ("display_name", str),
    "urlIdentifier": ("url_identifier", str),
    "contactPageUrl": ("contact_page_url", str),
    "logPageUrl": ("log_page_url", str),
    "canOpenLogPage": ("can_open_log_page", bool),
    "enableFallbackContactPageUrl": ("enable_fallback_contact_page", bool),
    "fallbackContactPageUrl": ("fallback_contact_page_url", str),
    # crm-callbacks' own extensions (not in App Connect's manifests).
    "storageKeys": ("storage_keys", list),
    "unauthorizeKeys": ("unauthorize_keys", list),
    "openInPopup": ("open_in_popup", bool),
    "contactPageUrls": ("contact_page_urls", dict),
    "defaultContactType": ("default_contact_type", str),
    "serverUrl": ("server_url", str),
}
USED_FIELDS = {
    *SIMPLE_FIELDS,
    "name",
    "auth",
    "authType",
    "contactTypes",
    "environment",
    "settings",
    "override",
}
USED_TOP_LEVEL = {"platforms"}
_SETTING_KINDS = {"inputField": "text", "option": "choice", "boolean": "boolean"}


def load_manifest(registry: Registry, manifest: Any, *, origin: str = "manifest") -> list[str]:
    """Register every platform of `manifest` that can work; return their names.

    AdapterError only when `manifest` as a whole is unusable (no ``platforms``);
    each platform that cannot work is left out with its reason in `registry.skipped`.
    """
    platforms = manifest.get("platforms") if isinstance(manifest, dict) else None
    if not isinstance(platforms, dict) or not platforms:
        raise AdapterError("a CRM manifest needs a non-empty 'platforms' object")
    loaded: list[str] = []
    ignored: dict[str, tuple[str, ...]] = {}
    top = sorted(set(manifest) - USED_TOP_LEVEL)
    if top:
        ignored[""] = tuple(top)
    for name, config in platforms.items():
        identifier = config.get("urlIdentifier") if isinstance(config, dict) else None
        try:
            adapter, unused = _platform(registry, name, config, manifest)
            registry.register(adapter, replace=True, origin=origin)
        except (AdapterError, CallbackError) as exc:
            reason = str(exc).removeprefix(f"adapter {name!r}: ")
            registry.skip(name, origin, reason, identifier if isinstance(identifier, str) else None)
            continue
        loaded.append(name)
        if unused:
            ignored[name] = tuple(unused)
    registry.manifests.append(
        ManifestReport(origin.removeprefix("manifest "), tuple(loaded), ignored)
    )
    return loaded


def load_manifest_file(registry: Registry, path: str | Path) -> list[str]:
    """`load_manifest` for a JSON file (origin ``manifest <path>``), naming it in errors."""
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AdapterError(f"CRM manifest {path}: {exc}") from exc
    try:
        return load_manifest(registry, manifest, origin=f"manifest {path}")
    except AdapterError as exc:
        raise AdapterError(f"CRM manifest {path}: {exc}") from exc


def _platform(
    registry: Registry, name: str, config: Any, manifest: dict[str, Any]
) -> tuple[Adapter, list[str]]:
    """The adapter for ``platforms.<name>``, and the fields it did not use."""
    if not isinstance(config, dict):
        raise AdapterError(f"platforms.{name} must be an object")
    config, override_notes = _apply_overrides(name, config)
    unused = sorted(set(config) - USED_FIELDS) + override_notes
    changes: dict[str, Any] = {}
    for key, (field, kind) in SIMPLE_FIELDS.items():
        value = config.get(key)
        if value is None:
            continue
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise AdapterError(f"platforms.{name}.{key} must be a {_kind_name(kind)}")
        if kind is list:
            value = tuple(_string(name, key, item) for item in value)
        if kind is dict:
            value = {str(k): _string(name, key, v) for k, v in value.items()}
        changes[field] = value
    auth = config.get("auth")
    auth_type = auth.get("type") if isinstance(auth, dict) else config.get("authType")
    if isinstance(auth_type, str) and auth_type:
        changes["auth_type"] = auth_type
    if isinstance(auth, dict):  # App Connect's {"type", "apiKey": {"page"}, "oauth"}
        api_key = auth.get("apiKey")
        page = api_key.get("page") if isinstance(api_key, dict) else None
        if page is not None:
            if not isinstance(page, dict) or not isinstance(page.get("content", []), list):
                raise AdapterError(f"platforms.{name}.auth.apiKey.page must have a content list")
            changes["api_key_page"] = page
        oauth = auth.get("oauth")
        if isinstance(oauth, dict) and isinstance(oauth.get("authUrl"), str):
            changes["oauth"] = oauth
    if "contactTypes" in config:
        changes["contact_types"] = _contact_types(name, config["contactTypes"])
    if "environment" in config:
        environment, note = _environment(name, config["environment"])
        if environment is not None:
            changes["environment"] = environment
        if note:
            unused.append(note)
    if not changes.get("enable_fallback_contact_page") and "fallback_contact_page_url" in changes:
        # App Connect opens fallbackContactPageUrl only with enableFallbackContactPageUrl.
        del changes["fallback_contact_page_url"]
        unused.append("fallbackContactPageUrl (enableFallbackContactPageUrl is not true)")
    templates = [
        changes.get(k) or ""
        for k in ("contact_page_url", "log_page_url", "fallback_contact_page_url")
    ] + list(changes.get("contact_page_urls", {}).values())
    changes["settings"] = _settings(config.get("settings"), templates)

    existing = registry.get(name)
    if existing is not None:
        return replace(existing, **changes), unused
    if not changes.get("url_identifier"):
        raise AdapterError(f"platforms.{name} has no urlIdentifier, so no page is its")
    if not changes.get("contact_page_url"):
        raise AdapterError(f"platforms.{name} has no contactPageUrl, so no call can pop")
    changes.setdefault("display_name", name)
    return Adapter(name=name, **changes), unused


def _apply_overrides(name: str, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Apply ``override`` rules of trigger ``meta`` (always on) to the fields used here.

    ``hostname`` rules change sign-in details per region (Clio's ``auth.oauth``): not
    used by client-side callbacks, so they are listed as ignored.
    """
    rules = config.get("override")
    if not isinstance(rules, list):
        return config, []
    config = dict(config)
    notes = []
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        objects = rule.get("overrideObjects")
        paths = (
            [o.get("path") for o in objects if isinstance(o, dict)]
            if isinstance(objects, list)
            else []
        )
        if rule.get("triggerType") == "meta":
            for item in objects or []:
                path = item.get("path") if isinstance(item, dict) else None
                if isinstance(path, str) and path in SIMPLE_FIELDS:
                    config[path] = item.get("value")
                    paths.remove(path)
        if paths:
            trigger = rule.get("triggerType")
            value = rule.get("triggerValue")
            when = f"{trigger} {value}" if value else str(trigger)
            notes.append(f"override ({when}): {', '.join(str(p) for p in paths)}")
    return config, notes


def _contact_types(name: str, raw: Any) -> tuple[str, ...]:
    """``[{display, value}]`` (or plain strings, in older manifests) → the values."""
    if not isinstance(raw, list):
        raise AdapterError(f"platforms.{name}.contactTypes must be a list")
    values = []
    for item in raw:
        value = item.get("value") if isinstance(item, dict) else item
        if not isinstance(value, str) or not value:
            raise AdapterError(f"platforms.{name}.contactTypes items need a string value")
        values.append(value)
    return tuple(values)


def _environment(name: str, raw: Any) -> tuple[Environment | None, str]:
    """App Connect's ``environment``; an unknown type is noted and the page host used."""
    where = f"platforms.{name}.environment"
    if not isinstance(raw, dict):
        raise AdapterError(f"{where} must be an object")
    kind = raw.get("type")
    if kind == "fixed":
        return Environment("fixed", host=_origin_host(raw.get("url"), f"{where}.url")), ""
    if kind == "dynamic":
        identifier = raw.get("urlIdentifier")
        return Environment(
            "dynamic", url_identifier=identifier if isinstance(identifier, str) else ""
        ), ""
    if kind == "selectable":
        selections = raw.get("selections")
        if not isinstance(selections, list) or not selections:
            raise AdapterError(f"{where}.selections must be a non-empty list")
        pairs = []
        for index, item in enumerate(selections):
            if not isinstance(item, dict):
                raise AdapterError(f"{where}.selections[{index}] must be an object")
            host = _origin_host(item.get("const"), f"{where}.selections[{index}].const")
            label = item.get("name") if isinstance(item.get("name"), str) else host
            pairs.append((label, host))
        return Environment("selectable", selections=tuple(pairs)), ""
    return None, f"environment (type {kind!r} unknown: the CRM page's host is used)"


def _origin_host(value: Any, where: str) -> str:
    """The host of an ``https://host[/path]`` URL (App Connect's environment URLs)."""
    if not isinstance(value, str):
        raise AdapterError(f"{where} must be an https URL")
    parts = urlsplit(value.strip())
    if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc:
        raise AdapterError(f"{where} {value!r} is not an https URL")
    try:
        return normalize_hostname(parts.hostname)
    except CallbackError as exc:
        raise AdapterError(f"{where}: {exc.message}") from None


def _settings(raw: Any, templates: list[str]) -> tuple[PlatformSetting, ...]:
    """The manifest's settings whose ids its URL templates use (``{contactBoardId}``)."""
    if not isinstance(raw, list):
        return ()
    wanted = {n for t in templates if t for n in _names(t)}
    found: list[PlatformSetting] = []
    for item in _setting_items(raw):
        if item.get("id") in wanted and item["id"] not in {s.id for s in found}:
            found.append(_setting(item))
    return tuple(found)


def _setting_items(items: list[Any]) -> list[dict[str, Any]]:
    """Every setting item, sections (``type: section``) flattened."""
    flat = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        if item.get("type") == "section" and isinstance(item.get("items"), list):
            flat.extend(_setting_items(item["items"]))
        else:
            flat.append(item)
    return flat


def _setting(item: dict[str, Any]) -> PlatformSetting:
    kind = _SETTING_KINDS.get(item.get("type", ""), "text")
    choices: tuple[tuple[str, str], ...] = ()
    if kind == "choice":
        options = item.get("options") if isinstance(item.get("options"), list) else []
        choices = tuple(
            (str(o["id"]), str(o.get("name") or o["id"]))
            for o in options
            if isinstance(o, dict) and "id" in o
        )
        kind = "choice" if choices else "text"
    default = item.get("defaultValue", False if kind == "boolean" else "")
    label = item.get("name") if isinstance(item.get("name"), str) else item["id"]
    help_text = item.get("helper") or item.get("description") or ""
    return PlatformSetting(item["id"], label, kind, default, str(help_text), choices)


def _names(template: str) -> set[str]:
    from ..urls import placeholders

    try:
        return placeholders(template)
    except ValueError:
        return set()


def _string(name: str, key: str, item: Any) -> str:
    if isinstance(item, str) and item:
        return item
    raise AdapterError(f"platforms.{name}.{key} items must be non-empty strings")


def _kind_name(kind: type) -> str:
    return {str: "string", bool: "boolean", list: "list", dict: "object"}.get(kind, str(kind))
