"""Call-pop (docs/events.md, Call-pop): open the caller's record, once per call.

In Browser calling mode the widget reports one call twice: as an active call
(``rc-active-call-notify``) and through its web phone (``rc-call-init-notify`` for
outbound, ``rc-call-ring-notify``, ``rc-call-start-notify``). Both become one
`CallEvent` keyed by the call's telephony session id (``telephonySessionId`` on the
active call, ``partyData.sessionId`` on the web phone), so whichever comes first
pops and the other finds the call popped. The web phone's ``contactMatch`` counts
only when it is one of our contacts (see docs/widget.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..actions import notify
from ..appconnect import connected, contact_lookup, contacts_from
from ..contacts import Contact, is_service_contact, unique
from ..errors import CallbackError, ErrorCode
from ..router import Context, handles
from ..settings import fallback_enabled, fallback_url_template, read_setting
from ..state import check_key
from .chooser import offer_choice
from .effects import await_fetches, pending_key, resumes

Trigger = Literal["onFirstRing", "onAnswer"]
ACTIVE_CALL_TRIGGERS: dict[str, Trigger] = {"Ringing": "onFirstRing", "CallConnected": "onAnswer"}
MAX_PAGES_PER_CALL = 5
"""More matches than this are not all opened (a server answer of 25 would open 25
tabs): the user picks one in the widget instead, as with promptToSelect."""
TIMING_SETTING = {
    "inbound": "openContactPageFromIncomingCall",
    "outbound": "openContactPageFromOutgoingCall",
}


@dataclass(frozen=True)
class CallEvent:
    """The parts of a widget call event that call-pop needs."""

    session_key: str
    direction: str
    trigger: Trigger
    number: str
    contact_match: list[Any]


@handles("rc-active-call-notify")
def on_active_call(context: Context) -> None:
    call = _call_of(context.request.message)
    trigger = ACTIVE_CALL_TRIGGERS.get(call.get("telephonyStatus"))  # type: ignore[arg-type]
    if trigger is None:
        return  # NoCall, OnHold, …: nothing to pop
    direction = _direction(call)
    party = call.get("from" if direction == "inbound" else "to")
    number = party.get("phoneNumber") if isinstance(party, dict) else None
    pop(context, CallEvent(_active_call_key(call), direction, trigger, _number(number), []))


WEB_PHONE_TRIGGERS: dict[str, Trigger] = {
    "rc-call-init-notify": "onFirstRing",
    "rc-call-ring-notify": "onFirstRing",
    "rc-call-start-notify": "onAnswer",
}


@handles(*WEB_PHONE_TRIGGERS)
def on_webphone_call(context: Context) -> None:
    message = context.request.message
    call = _call_of(message)
    trigger = WEB_PHONE_TRIGGERS[message["type"]]
    direction = _direction(call)
    number = _number(call.get("from" if direction == "inbound" else "to"))
    match = call.get("contactMatch")
    matches = match if isinstance(match, list) else [match] if match else []
    ours = [m for m in matches if is_service_contact(m, context.service_name)]
    session_key = _web_phone_key(call)
    if session_key is None:
        # An outbound call's first event comes before the server named the call:
        # nothing can tell it apart from the same call's active-call event yet, so
        # the pop waits for an event that carries the telephony session id.
        _remember_carried(context, number, ours)
        return
    pop(context, CallEvent(session_key, direction, trigger, number, ours))


def pop(context: Context, event: CallEvent) -> None:
    """Open the call's contact pages if the timing setting says so and it has not popped."""
    carried = _remember_carried(context, event.number, event.contact_match)
    timing = read_setting(context.settings, TIMING_SETTING[event.direction])
    session_key = event.session_key
    state = context.state
    if timing != event.trigger or state.was_popped(session_key) or session_key in state.pending:
        return
    contacts = carried or context.known_contacts(event.number)
    if not contacts and connected(context.settings, context.storage, context.adapter):
        lookup = contact_lookup(
            session_key, context.settings, context.storage, event.number, context.adapter
        )
        continuation = {"kind": "callpop", "session": session_key, "number": event.number}
        await_fetches(context, session_key, continuation, lookup)
        return
    open_for_call(context, session_key, event.number, contacts)


@resumes("callpop")
def resume_pop(context: Context, key: str, pending: dict[str, Any], result: dict[str, Any]) -> None:
    """The server's matches for a ringing number: pop them, or say why nothing opened."""
    context.state.pending.pop(key, None)
    number = str(pending.get("number", ""))
    try:
        contacts = unique(contacts_from(result, number))
    except CallbackError as error:
        context.state.mark_popped(key)  # this call is settled: no new lookup on repeats
        context.errors.append(error)
        context.actions.append(notify("error", f"{error.message}; no CRM record was opened."))
        return
    context.state.mark_popped(key)  # answered: repeats of this call do not ask again
    open_for_call(context, key, number, contacts)


def open_for_call(context: Context, session_key: str, number: str, contacts: list[Contact]) -> None:
    """Open `contacts` for the call (or the chooser, or the no-match page), once."""
    if not contacts:
        context.errors.append(
            CallbackError(ErrorCode.NO_CONTACT_MATCH, f"No CRM contact matches {number}")
        )
        if _open_fallback(context, number):
            context.state.mark_popped(session_key)
        return
    context.state.remember(number, contacts)
    if len(contacts) == 1 or _several(context, number, contacts) == "openAllMatches":
        if context.open_contact_pages(contacts):
            context.state.mark_popped(session_key)
    else:
        context.state.mark_popped(session_key)


def _several(context: Context, phone: str, contacts: list[Contact]) -> str:
    """Apply the multiple-matches setting; return it (Bullhorn turns open-all into a prompt)."""
    behavior = read_setting(context.settings, "multiContactMatchBehavior")
    if behavior == "openAllMatches" and (
        not context.adapter.supports_open_all_matches or len(contacts) > MAX_PAGES_PER_CALL
    ):
        behavior = "promptToSelect"
    if behavior == "promptToSelect":
        offer_choice(context, phone, contacts)
    elif behavior == "disabled":
        context.actions.append(
            notify(
                "info",
                f"{len(contacts)} {context.adapter.display_name} contacts match {phone}; "
                "none opened (multiple matches are set to open none)",
            )
        )
    return behavior


def _open_fallback(context: Context, phone: str) -> bool:
    """Open the CRM's no-match page when the user enabled it and it passes the guard."""
    adapter = context.adapter
    if not fallback_enabled(context.settings, adapter):
        return False
    template = fallback_url_template(
        context.settings, adapter.name, adapter.fallback_contact_page_url
    )
    if not template:
        return False
    try:
        url = adapter.fallback_page(template, context.hostname, phone, context.storage)
        context.open_url(url, active=True)
    except CallbackError as error:
        context.errors.append(error)
        return False
    return True


def _call_of(message: dict[str, Any]) -> dict[str, Any]:
    call = message.get("call")
    if not isinstance(call, dict):
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"{message['type']} needs a call object")
    return call


def _direction(call: dict[str, Any]) -> str:
    direction = call.get("direction")
    if not isinstance(direction, str) or direction.lower() not in TIMING_SETTING:
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"call direction {direction!r} is unknown")
    return direction.lower()


def _remember_carried(context: Context, number: str, matches: list[Any]) -> list[Contact]:
    """Our contacts the widget sent with the call, remembered for the number."""
    carried = unique(context.read_contacts(matches, phone=number))
    if carried:
        context.state.remember(number, carried)
    return carried


def _active_call_key(call: dict[str, Any]) -> str:
    """``callpop:<telephonySessionId>`` (escaped, `pending_key`); a call without one is
    keyed by its presence ``sessionId`` in a namespace of its own (it cannot be matched to
    web-phone events)."""
    telephony = _id(call.get("telephonySessionId"))
    if telephony:
        return pending_key("callpop", telephony)
    presence = _id(call.get("sessionId"))
    if presence:
        return pending_key("callpop-presence", presence)
    raise CallbackError(ErrorCode.BAD_MESSAGE, "the call has no telephonySessionId or sessionId")


def _web_phone_key(call: dict[str, Any]) -> str | None:
    """``callpop:<partyData.sessionId>`` (the telephony session id, escaped), None before
    it is known."""
    party_data = call.get("partyData")
    telephony = _id(party_data.get("sessionId")) if isinstance(party_data, dict) else None
    return pending_key("callpop", telephony) if telephony else None


def _id(value: object) -> str | None:
    """A usable id as text (refused past `MAX_KEY_LENGTH`), None when there is none."""
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return check_key(str(value), "the call's session id")
    return None


def _number(number: object) -> str:
    if not isinstance(number, str) or not number.strip():
        raise CallbackError(ErrorCode.BAD_MESSAGE, "the call has no phone number")
    return check_key(number.strip(), "the call's phone number")
