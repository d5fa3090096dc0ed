"""Open log page: "View log details" on a call in the widget's history.

With ``canOpenLogPage`` the call's activity record opens; otherwise, or when no log
record is known for the call, the call's contact page does. What the widget sends
comes first (``call.activityMatches``: the log ids we replied to ``/callLogger/match``;
``contact``: the contact the user chose); what state remembers is the fallback, as it
is lost on browser restart. Logging calls is not supported: a user's own "Log call"
is told so, the widget's automatic logging of call updates is answered quietly.
"""

from __future__ import annotations

from typing import Any

from ..actions import notify
from ..contacts import Contact, contact_from_json, is_service_contact
from ..errors import CallbackError, ErrorCode
from ..router import Context
from ..service import CALL_LOGGER_PATH
from .requests import DEFAULT_REPLY, WidgetRequest, handles_request

USER_LOG_TRIGGERS = frozenset({"createLog", "editLog", "logForm", "manual"})
"""Logger triggers a user clicked; the others (``presenceUpdate``, ``callLogSync``,
``auto``…) come from the widget on every call update and get no notice."""


@handles_request(CALL_LOGGER_PATH)
def on_call_logger(context: Context, request: WidgetRequest) -> str:
    trigger = request.body.get("triggerType")
    if trigger != "viewLog":
        if trigger not in USER_LOG_TRIGGERS:
            return DEFAULT_REPLY
        context.actions.append(
            notify(
                "warning",
                f"Logging calls to {context.adapter.display_name} from the phone is not "
                "supported yet; this call was not logged.",
            )
        )
        return DEFAULT_REPLY
    open_log_page(context, request.body)
    return DEFAULT_REPLY


def open_log_page(context: Context, body: dict[str, Any]) -> None:
    """Open the call's log record, or its contact's page where that is all there is."""
    call = body.get("call")
    if not isinstance(call, dict):
        raise CallbackError(ErrorCode.BAD_MESSAGE, "a viewLog request needs body.call")
    number = _party_number(call)
    contact = _chosen_contact(context, body, number)
    if contact is None:
        contacts = context.known_contacts(number) if number else []
        contact = contacts[0] if contacts else None
    adapter = context.adapter
    log_id = _log_id(context, body, call)
    if adapter.can_open_log_page and log_id:
        url = adapter.log_page(context.hostname, log_id, contact, context.storage)
        context.open_url(url, active=True)
        return
    if contact is None:
        raise CallbackError(
            ErrorCode.NO_CONTACT_MATCH, f"No {adapter.display_name} contact is known for {number}"
        )
    if adapter.can_open_log_page:
        context.actions.append(
            notify("info", "No log record is known for this call; opened its contact instead.")
        )
    url = adapter.contact_page(context.hostname, contact, context.storage)
    context.open_url(url, active=True)


def _chosen_contact(context: Context, body: dict[str, Any], number: str | None) -> Contact | None:
    """The contact the user chose in the widget, when it is one of ours."""
    raw = body.get("contact")
    if not is_service_contact(raw, context.service_name):
        return None
    try:
        return contact_from_json(raw, phone=number or "", service_name=context.service_name)
    except CallbackError as error:
        context.errors.append(error)
        return None


def _log_id(context: Context, body: dict[str, Any], call: dict[str, Any]) -> str | None:
    """The request's own ``logId``, else the first log the widget holds for the call
    (``activityMatches``, from our ``/callLogger/match`` reply), else state's memory."""
    activities = call.get("activityMatches")
    matched = [
        a.get("id")
        for a in (activities if isinstance(activities, list) else [])
        if isinstance(a, dict) and a.get("type") != "status"
    ]
    for value in (body.get("logId"), call.get("logId"), *matched):
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    session_id = call.get("sessionId")
    return context.state.logs.get(str(session_id)) if session_id is not None else None


def _party_number(call: dict[str, Any]) -> str | None:
    """The other party: the caller of an inbound call, the callee of an outbound one."""
    direction = call.get("direction")
    party = call.get(
        "to" if isinstance(direction, str) and direction.lower() == "outbound" else "from"
    )
    number = party.get("phoneNumber") if isinstance(party, dict) else party
    return number.strip() if isinstance(number, str) and number.strip() else None
