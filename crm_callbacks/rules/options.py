"""Saving the options page: Python checks every setting and builds the widget URL.

The options page sends ``{type: "crm-callbacks-save-settings", settings, build}``
(``build`` = the build's config.json); on success the answer stores the checked
settings, with ``widgetUrl`` derived from them, under `SETTINGS_STORAGE_KEY`.
"""

from __future__ import annotations

from typing import Any

from ..actions import set_storage
from ..errors import CallbackError, ErrorCode
from ..names import MESSAGE_TYPES, STORAGE_KEYS
from ..router import Context, handles
from ..settings import normalize_settings
from ..widget import DEFAULT_APP_SERVER, DEFAULT_REDIRECT_URI, widget_url

SAVE_SETTINGS = MESSAGE_TYPES["SAVE_SETTINGS"]
SETTINGS_STORAGE_KEY = STORAGE_KEYS["SETTINGS"]


@handles(SAVE_SETTINGS, needs_adapter=False)
def on_save_settings(context: Context) -> None:
    message = context.request.message
    raw, build = message.get("settings"), message.get("build") or {}
    if not isinstance(raw, dict) or not isinstance(build, dict):
        raise CallbackError(ErrorCode.BAD_REQUEST, "settings and build must be objects")
    settings, errors = normalize_settings(raw, context.registry, build)  # type: ignore[arg-type]
    if errors:
        context.errors.extend(errors)
        return
    settings["widgetUrl"] = settings.get("customWidgetUrl") or widget_url(
        settings.get("clientId") or _text(build, "clientId", ""),
        settings.get("appServer") or _text(build, "appServer", DEFAULT_APP_SERVER),
        _text(build, "redirectUri", DEFAULT_REDIRECT_URI),
    )
    context.actions.append(set_storage({SETTINGS_STORAGE_KEY: settings}))


def _text(build: dict[str, Any], key: str, default: str) -> str:
    value = build.get(key)
    return value if isinstance(value, str) and value else default
