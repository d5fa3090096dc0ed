"""Every name both sides of the Python↔JS boundary use, defined once.

`scripts/build.py` writes these into ``worker/names.js`` (an ES module the service
worker, the phone page, the offscreen document and the options page import), so a
name typed wrong in JS is an import error at load, not a silent drop. No I/O here.
"""

from __future__ import annotations

import json
from typing import Any

CONTRACT_VERSION = 1

# Action types Python returns and the worker performs (see `actions.py`).
ACTION_TYPES = {
    "OPEN_TAB": "openTab",
    "REMOVE_STORAGE": "removeStorage",
    "SET_STORAGE": "setStorage",
    "REPLY": "reply",
    "POST": "post",
    "NOTIFY": "notify",
    "FETCH": "fetch",
    "AUTH_FLOW": "authFlow",
}

# Message types the extension itself hands to Python (beside the widget's ``rc-*``).
MESSAGE_TYPES = {
    "FETCH_RESULT": "crm-callbacks-fetch-result",
    "SAVE_SETTINGS": "crm-callbacks-save-settings",
    "CRM_FOCUSED": "crm-callbacks-crm-focused",
    "AUTH_RESULT": "crm-callbacks-auth-result",
}

# Runtime messages between the extension's own pages (``type`` of chrome.runtime messages).
RUNTIME_MESSAGES = {
    "WIDGET_EVENT": "widget-event",
    "WIDGET_CONFIG": "widget-config",
    "SAVE_SETTINGS": "save-settings",
    "CRM_PAGE_FOCUSED": "crm-page-focused",
    "OPEN_PHONE": "open-phone",
    "POP_OUT": "pop-out",
    "PHONE_STATUS": "phone-status",
    "TO_WIDGET": "to-widget",
    "NOTICE": "notice",
    "FOCUS_PHONE": "focus-phone",
    "CRM_IN_USE": "crm-in-use",
}

# Who a runtime message is for (its ``target``).
TARGETS = {
    "BACKGROUND": "background",
    "OFFSCREEN": "offscreen",
    "PHONE": "phone",
    "CONTENT": "content",
}

# What the service worker asks the offscreen document (its message ``type``).
OFFSCREEN_MESSAGES = {
    "DISPATCH": "dispatch",
    "STATUS": "status",
    "FLOOR": "floor",  # the benchmark's messaging floor: answered without Python
    "INSTANCE": "instance",  # which document this is (a port's liveness check)
    "PORT_OFFER": "crm-callbacks-port",  # a MessageChannel port, sent with clients' postMessage
}

# chrome.storage keys (``local`` unless noted).
STORAGE_KEYS = {
    "SETTINGS": "crmCallbacksSettings",
    "CRM_IN_USE": "crmCallbacksCrmInUse",
    "PHONE_WINDOW": "crmCallbacksPhoneWindow",
    "STATE": "crmCallbacksState",  # session: the state's last checkpoint
    "STATE_JOURNAL": "crmCallbacksStateJournal.",  # session: + slot, the changes since it
    "RETRY": "crmCallbacksRetry",  # session
    "LAST_NORMAL_WINDOW": "crmCallbacksLastNormalWindow",  # session
    "POPOUT_WINDOW_ID": "crmCallbacksPopoutWindowId",  # session
}

# The App Connect session (token and the server that issued it): kept by the worker in the
# extension origin's IndexedDB (worker/secrets.js), out of content scripts' reach.
SECRET_STORAGE_KEYS = ["rcUnifiedCrmExtJwt", "crmCallbacksSessionServer"]

# Error codes the JS shell reports (Python's own are `errors.ErrorCode`).
SHIM_ERROR_CODES = {
    "OFFSCREEN_UNREACHABLE": "OFFSCREEN_UNREACHABLE",
    "PYODIDE_BOOT_TIMEOUT": "PYODIDE_BOOT_TIMEOUT",
    "PYODIDE_BOOT_FAILED": "PYODIDE_BOOT_FAILED",
    "PYTHON_EXCEPTION": "PYTHON_EXCEPTION",
    "UNKNOWN_MESSAGE_TYPE": "UNKNOWN_MESSAGE_TYPE",
    "NOT_ALLOWED": "NOT_ALLOWED",
    "BAD_MESSAGE": "BAD_MESSAGE",
    "SAVE_FAILED": "SAVE_FAILED",
    "INTERNAL": "INTERNAL",
    "STATE_NEEDED": "STATE_NEEDED",
    "BAD_SETTINGS": "BAD_SETTINGS",
}

DEFAULT_BOOT_TIMEOUT_MS = 20000
DEFAULT_FETCH_TIMEOUT_MS = 15000

# The phone page, its single-instance lock (Web Locks, shared by every extension page).
PHONE_PAGE = "phone.html"
PHONE_LOCK = "crm-callbacks-phone"

# Setting that embeds the widget in CRM pages, and what that embed adds to the widget URL
# (one web phone across tabs: the real widget's ``multipleTabsSupport``).
IN_PAGE_SETTING = "showPhoneInCrmPages"
IN_PAGE_WIDGET_PARAMS = {"multipleTabsSupport": "1"}

# Loopback, as `urls.is_loopback` decides it: these names, these suffixes, 127.0.0.0/8, ::1.
LOOPBACK = {
    "names": ["localhost"],
    "suffixes": [".localhost"],
    "ipv4FirstOctet": 127,
    "ipv6": ["[::1]"],
}


def _exports() -> dict[str, Any]:
    return {
        "CONTRACT_VERSION": CONTRACT_VERSION,
        "ACTION_TYPES": ACTION_TYPES,
        "MESSAGE_TYPES": MESSAGE_TYPES,
        "RUNTIME_MESSAGES": RUNTIME_MESSAGES,
        "TARGETS": TARGETS,
        "OFFSCREEN_MESSAGES": OFFSCREEN_MESSAGES,
        "STORAGE_KEYS": STORAGE_KEYS,
        "SECRET_STORAGE_KEYS": SECRET_STORAGE_KEYS,
        "SHIM_ERROR_CODES": SHIM_ERROR_CODES,
        "DEFAULT_BOOT_TIMEOUT_MS": DEFAULT_BOOT_TIMEOUT_MS,
        "DEFAULT_FETCH_TIMEOUT_MS": DEFAULT_FETCH_TIMEOUT_MS,
        "PHONE_PAGE": PHONE_PAGE,
        "PHONE_LOCK": PHONE_LOCK,
        "IN_PAGE_SETTING": IN_PAGE_SETTING,
        "IN_PAGE_WIDGET_PARAMS": IN_PAGE_WIDGET_PARAMS,
        "LOOPBACK": LOOPBACK,
    }


_FREEZE = [
    "function deepFreeze(value) {",
    "  if (typeof value === 'object' && value !== null) {",
    "    Object.values(value).forEach(deepFreeze);",
    "    Object.freeze(value);",
    "  }",
    "  return value;",
    "}",
]
_HEADER = "// Generated by scripts/build.py from crm_callbacks/names.py: do not edit."


def as_js_module() -> str:
    """The ES module ``worker/names.js``: every table above as a frozen export."""
    lines = [_HEADER, *_FREEZE]
    for name, value in _exports().items():
        lines.append(f"export const {name} = deepFreeze({json.dumps(value, sort_keys=True)});")
    return "\n".join(lines) + "\n"


def as_content_script() -> str:
    """``content_names.js``: the same names for the content script, which cannot import."""
    names = json.dumps(_exports(), sort_keys=True, indent=1)
    assign = f"globalThis.CRM_CALLBACKS_NAMES = deepFreeze({names});"
    return "\n".join([_HEADER, *_FREEZE, assign]) + "\n"
