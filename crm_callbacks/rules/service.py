"""The widget-side service: registration on login, contact and call-log matching."""

from __future__ import annotations

from typing import Any

from ..actions import post
from ..contacts import Contact
from ..errors import CallbackError, ErrorCode
from ..router import Context, handles
from ..service import CONTACT_MATCH_PATH, ENTITY_MATCH_PATH, is_authorized, registration_message
from .requests import WidgetRequest, handles_request


@handles("rc-login-status-notify")
def on_login_status(context: Context) -> None:
    """Once the user is logged in to RingCentral, register this CRM as the widget's service."""
    if context.request.message.get("loggedIn") is True:
        authorized = is_authorized(context.storage)
        context.actions.append(post(registration_message(context.adapter, authorized=authorized)))


@handles_request(CONTACT_MATCH_PATH)
def match_contacts(context: Context, request: WidgetRequest) -> dict[str, list[dict[str, Any]]]:
    """The contacts known for each asked number (from ``context.contacts`` or state)."""
    numbers = _strings(request.body.get("phoneNumbers"), "phoneNumbers")
    matches = {}
    for number in numbers:
        contacts = context.known_contacts(number)
        if contacts:
            context.state.remember(number, contacts)
            matches[number] = [_widget_contact(c, number) for c in contacts]
    return matches


@handles_request(ENTITY_MATCH_PATH)
def match_call_logs(context: Context, request: WidgetRequest) -> dict[str, list[dict[str, str]]]:
    """The CRM log record known for each asked call session (lets the widget "view log")."""
    session_ids = _strings(request.body.get("sessionIds"), "sessionIds")
    return {
        session_id: [{"id": context.state.logs[session_id], "note": ""}]
        for session_id in session_ids
        if session_id in context.state.logs
    }


def _widget_contact(contact: Contact, number: str) -> dict[str, Any]:
    return {
        "id": contact.id,
        "type": contact.type or "Contact",
        "name": contact.name,
        "phoneNumbers": [{"phoneNumber": contact.phone or number, "phoneType": "direct"}],
    }


def _strings(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"body.{name} must be a list of strings")
    return value
