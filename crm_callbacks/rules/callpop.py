"""Call-pop (docs/events.md, Call-pop): open the caller's record, once per call.

Both the active-call events (``rc-active-call-notify``) and the web-phone events
(``rc-call-ring-notify`` / ``rc-call-start-notify``) become one `CallEvent`; a call
that produces both kinds shares its session id, so it still pops once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..actions import notify
from ..appconnect import connected, contact_lookup, contacts_from
from ..contacts import Contact, unique
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

    session_id: str
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
    pop(context, CallEvent(_session_id(call), direction, trigger, _number(number), []))


@handles("rc-call-ring-notify", "rc-call-start-notify")
def on_webphone_call(context: Context) -> None:
    message = context.request.message
    call = _call_of(message)
    trigger: Trigger = "onFirstRing" if message["type"] == "rc-call-ring-notify" else "onAnswer"
    direction = _direction(call)
    number = call.get("from" if direction == "inbound" else "to")
    match = call.get("contactMatch")
    matches = match if isinstance(match, list) else [match] if match else []
    pop(context, CallEvent(_session_id(call), direction, trigger, _number(number), matches))


def pop(context: Context, event: CallEvent) -> None:
    """Open the call's contact pages if the timing setting says so and it has not popped."""
    carried = unique(context.read_contacts(event.contact_match, phone=event.number))
    if carried:
        context.state.remember(event.number, carried)
    timing = read_setting(context.settings, TIMING_SETTING[event.direction])
    session_key = pending_key("callpop", event.session_id)
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


def _session_id(call: dict[str, Any]) -> str:
    """``call.sessionId``, or ``call.partyData.sessionId`` on web-phone events."""
    party_data = call.get("partyData")
    candidates = [call.get("sessionId")]
    if isinstance(party_data, dict):
        candidates.append(party_data.get("sessionId"))
    for candidate in candidates:
        if isinstance(candidate, str | int) and not isinstance(candidate, bool) and candidate != "":
            return check_key(str(candidate), "the call's sessionId")
    raise CallbackError(ErrorCode.BAD_MESSAGE, "the call has no sessionId")


def _number(number: object) -> str:
    if not isinstance(number, str) or not number.strip():
        raise CallbackError(ErrorCode.BAD_MESSAGE, "the call has no phone number")
    return check_key(number.strip(), "the call's phone number")
