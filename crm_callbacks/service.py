"""The third-party service this extension registers in the widget, and its paths.

The widget sends ``rc-post-message-request``s to these paths; the router answers them.
Widget facts this relies on (ringcentral-embeddable 2.3.x) are in docs/widget.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .adapters import Adapter
from .contacts import Contact

CONTACT_MATCH_PATH = "/contacts/match"
CALL_LOGGER_PATH = "/callLogger"
ENTITY_MATCH_PATH = "/callLogger/match"
AUTHORIZATION_PATH = "/authorize"
VIEW_CONTACT_PATH = "/contacts/view"
BUTTON_EVENT_PATH = "/crm-callbacks/button-click"

JWT_KEY = "rcUnifiedCrmExtJwt"
SESSION_SERVER_KEY = "crmCallbacksSessionServer"
"""The server that issued the stored token: the token is sent to that server only."""
COMMON_SESSION_KEYS = (JWT_KEY,)
"""What the extension keeps for any CRM session; every deauthorize removes these."""


def is_authorized(storage: Mapping[str, Any]) -> bool:
    """Connected to the CRM: the App Connect session token is stored."""
    return bool(storage.get(JWT_KEY))


def service_name(adapter: Adapter) -> str:
    """The name the service is registered under: the widget tags our contacts with it."""
    return adapter.display_name


def registration_message(adapter: Adapter, *, authorized: bool) -> dict[str, Any]:
    """``rc-adapter-register-third-party-service`` for `adapter`.

    ``callLoggerPath`` is registered for "View log details" only: logging calls is not
    supported, so the "Auto log calls" setting is hidden and locked off, and "Edit
    log" is hidden.
    """
    return {
        "type": "rc-adapter-register-third-party-service",
        "service": {
            "name": service_name(adapter),
            "displayName": adapter.display_name,
            "contactMatchPath": CONTACT_MATCH_PATH,
            "viewMatchedContactPath": VIEW_CONTACT_PATH,
            "callLoggerPath": CALL_LOGGER_PATH,
            "callLoggerTitle": f"Log to {adapter.display_name}",
            "callLoggerAutoLogSettingHidden": True,
            "callLoggerAutoSettingReadOnly": True,
            "callLoggerAutoSettingReadOnlyValue": False,
            "callLoggerHideEditLogButton": True,
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


def widget_contact(adapter: Adapter, contact: Contact, number: str) -> dict[str, Any]:
    """`contact` as a ``/contacts/match`` answer: ``type`` names our service (the widget
    shows its icon and routes "View contact details" by it), ``entityType`` the record."""
    default_type = adapter.contact_types[0] if adapter.contact_types else "Contact"
    return {
        "id": contact.id,
        "type": service_name(adapter),
        "entityType": contact.type or default_type,
        "name": contact.name,
        "phoneNumbers": [{"phoneNumber": contact.phone or number, "phoneType": "direct"}],
    }


def refresh_match_messages(numbers: list[str], session_ids: list[str]) -> list[dict[str, Any]]:
    """Ask the widget to match these again, past its cache (after connecting to the CRM).

    The widget re-matches only numbers and sessions it already asked about.
    """
    messages = []
    if numbers:
        messages.append({"type": "rc-adapter-trigger-contact-match", "phoneNumbers": numbers})
    if session_ids:
        messages.append({"type": "rc-adapter-trigger-call-logger-match", "sessionIds": session_ids})
    return messages
