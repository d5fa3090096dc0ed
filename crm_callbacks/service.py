"""The third-party service this extension registers in the widget, and its paths.

The widget sends ``rc-post-message-request``s to these paths; the router answers them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .adapters import Adapter

CONTACT_MATCH_PATH = "/contacts/match"
CALL_LOGGER_PATH = "/callLogger"
ENTITY_MATCH_PATH = "/callLogger/match"
AUTHORIZATION_PATH = "/authorize"
BUTTON_EVENT_PATH = "/crm-callbacks/button-click"

JWT_KEY = "rcUnifiedCrmExtJwt"
SESSION_SERVER_KEY = "crmCallbacksSessionServer"
"""The server that issued the stored token: the token is sent to that server only."""
COMMON_SESSION_KEYS = (JWT_KEY,)
"""What the extension keeps for any CRM session; every deauthorize removes these."""


def is_authorized(storage: Mapping[str, Any]) -> bool:
    """Connected to the CRM: the App Connect session token is stored."""
    return bool(storage.get(JWT_KEY))


def registration_message(adapter: Adapter, *, authorized: bool) -> dict[str, Any]:
    """``rc-adapter-register-third-party-service`` for `adapter`."""
    return {
        "type": "rc-adapter-register-third-party-service",
        "service": {
            "name": adapter.display_name,
            "displayName": adapter.display_name,
            "contactMatchPath": CONTACT_MATCH_PATH,
            "callLoggerPath": CALL_LOGGER_PATH,
            "callLoggerTitle": f"Log to {adapter.display_name}",
            "callLogEntityMatcherPath": ENTITY_MATCH_PATH,
            "authorizationPath": AUTHORIZATION_PATH,
            "authorized": authorized,
            "authorizedTitle": "Logout",
            "unauthorizedTitle": "Connect",
            "buttonEventPath": BUTTON_EVENT_PATH,
        },
    }


def authorization_status_message(*, authorized: bool) -> dict[str, Any]:
    """``rc-adapter-update-authorization-status``: flips the widget's Connect/Logout."""
    return {"type": "rc-adapter-update-authorization-status", "authorized": authorized}
