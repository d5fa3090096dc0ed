"""Factories for the widget messages the router handles, in the widget's real shapes.

Every factory starts from a deep copy of a message in ``widget-messages.json`` (the
shapes read from the RingCentral Embeddable widget, shipped with this package) and
changes only the values asked for, so a test feeds `dispatch` what Chrome would.
Called with no arguments, each returns that file's message unchanged, except where
its docstring says otherwise.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Literal

from ..names import MESSAGE_TYPES
from ..rules.chooser import CHOOSER_PAGE_ID
from ..rules.options import SAVE_SETTINGS
from ..service import BUTTON_EVENT_PATH, VIEW_CONTACT_PATH

FETCH_RESULT = "crm-callbacks-fetch-result"
"""What the shim dispatches with the outcome of a ``fetch`` action (docs/contract.md)."""
AUTH_RESULT = "crm-callbacks-auth-result"
CRM_FOCUSED = MESSAGE_TYPES["CRM_FOCUSED"]
"""What the shim dispatches when an ``authFlow`` sign-in window closes."""

__all__ = [
    "AGENT",
    "AUTH_RESULT",
    "CALLER",
    "FETCH_RESULT",
    "ContactLike",
    "Direction",
    "Message",
    "answer",
    "auth_result",
    "button_click",
    "choose_contact",
    "contact_match",
    "contact_match_request",
    "crm_focused",
    "end",
    "entity_match_request",
    "fetch_result",
    "flapping",
    "load_widget_messages",
    "login_status",
    "logout",
    "ring",
    "save_settings",
    "view_contact",
    "view_log",
    "widget_message",
]

Message = dict[str, Any]
Direction = Literal["inbound", "outbound"]
ContactLike = str | int | Mapping[str, Any]
"""A contact id, or a dict with ``id`` and optionally ``name`` and ``type``."""

CALLER = "+16505550100"
"""The other party's number in the sample messages (Jane Doe)."""
AGENT = "+16505550199"
"""The RingCentral user's own number in the sample messages."""


@cache
def _shapes() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("widget-messages.json").read_text("utf-8")
    return json.loads(text)


def load_widget_messages() -> dict[str, Any]:
    """A fresh copy of ``widget-messages.json``: both directions, timeouts, widget URL."""
    return copy.deepcopy(_shapes())


def widget_message(name: str, **call_changes: Any) -> Message:
    """A fresh copy of the widget→page message `name` (e.g. ``"webphone_ring"``), with
    fields of its ``call`` changed by `call_changes` (``sessionId="s2"``)."""
    messages = _shapes()["widget_to_parent"]
    if name not in messages:
        raise KeyError(f"no widget message {name!r}; known: {', '.join(messages)}")
    message = copy.deepcopy(messages[name])
    if call_changes:
        call = message.get("call")
        if not isinstance(call, dict):
            raise KeyError(f"widget message {name!r} has no call to change")
        call.update(call_changes)
    return message


# --- calls -------------------------------------------------------------------------


def ring(
    number: str = CALLER,
    *,
    contact: ContactLike | Sequence[ContactLike] | None = None,
    direction: Direction = "inbound",
    session_id: str | None = None,
    web_phone: bool | None = None,
    service: str = "",
) -> Message:
    """A call ringing, from `number` (inbound) or to it (outbound).

    By default the active-call event (``rc-active-call-notify``, ``Ringing``). With
    `contact`, or ``web_phone=True``, the web phone's ``rc-call-ring-notify`` (for an
    outbound call ``rc-call-init-notify``), whose ``contactMatch`` names the CRM
    contact the widget matched, typed with `service` (see `contact_match`).
    """
    if _use_web_phone(web_phone, contact):
        return _web_phone_call("webphone_ring", number, direction, session_id, contact, service)
    return _active_call("Ringing", number, direction, session_id)


def answer(
    number: str = CALLER,
    *,
    contact: ContactLike | Sequence[ContactLike] | None = None,
    direction: Direction = "inbound",
    session_id: str | None = None,
    web_phone: bool | None = None,
    service: str = "",
) -> Message:
    """The call answered: ``CallConnected``, or the web phone's ``rc-call-start-notify``."""
    if _use_web_phone(web_phone, contact):
        return _web_phone_call("webphone_answered", number, direction, session_id, contact, service)
    return _active_call("CallConnected", number, direction, session_id)


def end(
    number: str = CALLER, *, direction: Direction = "inbound", session_id: str | None = None
) -> Message:
    """The call gone: ``rc-active-call-notify`` with ``telephonyStatus: "NoCall"``."""
    return _active_call("NoCall", number, direction, session_id)


def flapping(
    number: str = CALLER,
    *,
    rings: int = 3,
    direction: Direction = "inbound",
    session_id: str | None = None,
) -> list[Message]:
    """One call whose status flaps: Ringing, NoCall, Ringing, … (`rings` rings)."""
    if rings < 1:
        raise ValueError("a flapping call rings at least once")
    ringing = ring(number, direction=direction, session_id=session_id, web_phone=False)
    gone = end(number, direction=direction, session_id=session_id)
    sequence = [ringing]
    for _ in range(rings - 1):
        sequence += [copy.deepcopy(gone), copy.deepcopy(ringing)]
    return sequence


def _use_web_phone(web_phone: bool | None, contact: object) -> bool:
    if web_phone is False and contact is not None:
        raise ValueError("only web-phone events carry a contactMatch; drop web_phone=False")
    return bool(web_phone) or contact is not None


def _active_call(status: str, number: str, direction: Direction, session_id: str | None) -> Message:
    inbound = _inbound(direction)
    if status == "NoCall":
        message = widget_message("active_call_ended")
    elif inbound:
        name = (
            "active_call_ringing_inbound"
            if status == "Ringing"
            else "active_call_connected_inbound"
        )
        message = widget_message(name)
    else:
        message = widget_message("active_call_ringing_outbound")
    call = message["call"]
    call["telephonyStatus"] = status
    if not inbound and call["direction"] != "Outbound":
        call.update(direction="Outbound", **{"from": call["to"], "to": call["from"]})
    call["from" if inbound else "to"]["phoneNumber"] = number
    if session_id is not None:
        # One id for the call across event kinds: its telephony session id is what the
        # web phone's partyData.sessionId carries, and the presence id the log matcher's.
        call["sessionId"] = call["telephonySessionId"] = session_id
    return message


def _web_phone_call(
    name: str,
    number: str,
    direction: Direction,
    session_id: str | None,
    contact: ContactLike | Sequence[ContactLike] | None,
    service: str = "",
) -> Message:
    message = widget_message(name)
    call = message["call"]
    if not _inbound(direction):
        if message["type"] == "rc-call-ring-notify":
            message["type"] = "rc-call-init-notify"  # the web phone's outbound "ring"
            call["callStatus"] = "webphone-session-setup"
        call.update(direction="Outbound", **{"from": call["to"], "to": call["from"]})
        if "fromUserName" in call and "toUserName" in call:
            call["fromUserName"], call["toUserName"] = call["toUserName"], call["fromUserName"]
    call["from" if _inbound(direction) else "to"] = number
    if session_id is not None:
        call["partyData"]["sessionId"] = session_id
    call.pop("contactMatch", None)
    if contact is not None:
        if isinstance(contact, Sequence) and not isinstance(contact, str):
            call["contactMatch"] = [contact_match(c, number, service=service) for c in contact]
        else:
            call["contactMatch"] = contact_match(contact, number, service=service)
    return message


def contact_match(
    contact: ContactLike, number: str = CALLER, *, service: str = ""
) -> dict[str, Any]:
    """A web-phone ``contactMatch`` entry for our CRM contact `contact`, in the widget's shape.

    ``type`` is the registered service name (`service`; `CrmPhone` fills it in when
    empty, as the widget's copy of our ``/contacts/match`` reply carries it) and
    ``entityType`` the CRM record type: the contact's ``type``, left empty when not
    given so the adapter's default contact type applies.
    """
    fields = dict(contact) if isinstance(contact, Mapping) else {"id": contact}
    if "id" not in fields:
        raise ValueError(f"a contact needs an id: {contact!r}")
    kind = fields.pop("type", "")
    match = {
        "id": fields.pop("id"),
        "name": fields.pop("name", ""),
        "type": service,
        "entityType": fields.pop("entityType", kind),
        "phoneNumbers": [{"phoneNumber": number, "phoneType": "direct"}],
    }
    match.update(fields)
    return match


def _inbound(direction: str) -> bool:
    if direction not in ("inbound", "outbound"):
        raise ValueError(f"direction must be 'inbound' or 'outbound', not {direction!r}")
    return direction == "inbound"


# --- requests the widget sends to the registered service ---------------------------


def view_log(
    log_id: str | None = None,
    *,
    number: str = CALLER,
    direction: Direction = "inbound",
    session_id: str | None = None,
    request_id: str | None = None,
    contact: ContactLike | None = None,
    service: str = "",
) -> Message:
    """ "View log details" on a call in the widget's history (``/callLogger``, viewLog).

    The widget sends the call's ``activityMatches`` (the log records we replied to
    ``/callLogger/match``) and the ``contact`` the user chose. `log_id`, when given,
    is the one activity match; `contact` (typed with `service`, see `contact_match`)
    replaces the sample's chosen contact.
    """
    message = _request("request_view_log", request_id)
    call = message["body"]["call"]
    if not _inbound(direction):
        call.update(direction="Outbound", **{"from": call["to"], "to": call["from"]})
    call["from" if _inbound(direction) else "to"]["phoneNumber"] = number
    if session_id is not None:
        call["sessionId"] = session_id
    if log_id is not None:
        call["activityMatches"] = [{"id": log_id, "note": ""}]
    if contact is not None:
        message["body"]["contact"] = contact_match(contact, number, service=service)
    return message


def view_contact(
    contact: ContactLike = "42",
    number: str = CALLER,
    *,
    service: str = "",
    request_id: str = "6f1c2a90-0005",
) -> Message:
    """ "View contact details" on one of our contacts (``/contacts/view``): the widget
    sends the contact as it holds it, typed with `service` (see `contact_match`)."""
    return {
        "type": "rc-post-message-request",
        "requestId": request_id,
        "path": VIEW_CONTACT_PATH,
        "body": contact_match(contact, number, service=service),
    }


def logout(*, request_id: str | None = None) -> Message:
    """The widget's Logout (or Connect) button for the CRM: a request to ``/authorize``."""
    return _request("request_authorize_toggle", request_id)


def contact_match_request(*numbers: str, request_id: str | None = None) -> Message:
    """The widget asking which CRM contacts match `numbers` (``/contacts/match``)."""
    message = _request("request_contact_match", request_id)
    if numbers:
        message["body"]["phoneNumbers"] = list(numbers)
    return message


def entity_match_request(*session_ids: str, request_id: str | None = None) -> Message:
    """The widget asking for the CRM log records of call sessions (``/callLogger/match``)."""
    message = _request("request_call_log_entity_match", request_id)
    if session_ids:
        message["body"]["sessionIds"] = list(session_ids)
    return message


def login_status(logged_in: bool = True) -> Message:
    """``rc-login-status-notify``: the user logged in to (or out of) RingCentral."""
    message = widget_message("login_status")
    message["loggedIn"] = logged_in
    return message


def button_click(
    button_id: str, form_data: Mapping[str, Any] | None = None, *, request_id: str = "button-1"
) -> Message:
    """A button of one of this package's customized widget pages (``buttonEventPath``)."""
    return {
        "type": "rc-post-message-request",
        "requestId": request_id,
        "path": BUTTON_EVENT_PATH,
        "body": {"button": {"id": button_id, "formData": dict(form_data or {})}},
    }


def choose_contact(index: int | str, *, request_id: str = "button-1") -> Message:
    """The contact chooser's Open button with the `index`-th contact picked.

    The chooser is this package's prompt-to-select page in the widget.
    """
    return button_click(CHOOSER_PAGE_ID, {"contact": str(index)}, request_id=request_id)


def crm_focused() -> Message:
    """The extension's report that a tab was focused (not a widget message): the page it
    shows travels in the request's context, and Python answers whether it is a CRM."""
    return {"type": CRM_FOCUSED}


def fetch_result(
    fetch_id: str, status: int = 200, body: Any = None, *, error: str | None = None
) -> Message:
    """The shim's answer to a ``fetch`` action (not a widget message); a network
    failure or timeout is status 0 with an `error`."""
    result = {"type": FETCH_RESULT, "id": fetch_id, "status": status, "body": body}
    if error is not None:
        result["error"] = error
    return result


def auth_result(flow_id: str, url: str | None, error: str | None = None) -> Message:
    """The shim's answer to an ``authFlow`` action: the redirect URL the sign-in ended on."""
    message: Message = {"type": AUTH_RESULT, "id": flow_id, "url": url}
    if error:
        message["error"] = error
    return message


def save_settings(settings: Mapping[str, Any], build: Mapping[str, Any] | None = None) -> Message:
    """The options page's Save (not a widget message: the extension's own request)."""
    return {"type": SAVE_SETTINGS, "settings": dict(settings), "build": dict(build or {})}


def _request(name: str, request_id: str | None) -> Message:
    message = widget_message(name)
    if request_id is not None:
        message["requestId"] = request_id
    return message
