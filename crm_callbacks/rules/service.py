"""The widget-side service: registration on login, contact and call-log matching,
"View contact details", and the refresh of the widget's matches after connecting."""

from __future__ import annotations

from typing import Any

from ..actions import post, reply
from ..appconnect import call_log_lookups, connected, contact_lookup, contacts_from, logs_from
from ..contacts import contact_from_json, is_service_contact, unique
from ..errors import CallbackError, ErrorCode
from ..router import Context, handles
from ..service import (
    CONTACT_MATCH_PATH,
    ENTITY_MATCH_PATH,
    VIEW_CONTACT_PATH,
    is_authorized,
    refresh_match_messages,
    registration_message,
    widget_contact,
)
from ..state import MAX_KEY_LENGTH, check_key
from .effects import await_fetches, pending_key, resumes
from .requests import DEFAULT_REPLY, DEFERRED, WidgetRequest, handles_request


@handles("rc-login-status-notify")
def on_login_status(context: Context) -> None:
    """Once the user is logged in to RingCentral, register this CRM as the widget's service."""
    message = context.request.message
    if message.get("loggedIn") is True:
        number = message.get("loginNumber")
        fits = isinstance(number, str) and len(number) <= MAX_KEY_LENGTH
        context.state.rc_user_number = number if fits else ""  # type: ignore[assignment]
        authorized = is_authorized(context.storage)
        context.actions.append(post(registration_message(context.adapter, authorized=authorized)))


@handles_request(CONTACT_MATCH_PATH)
def match_contacts(context: Context, request: WidgetRequest) -> Any:
    """Contacts for each asked number: known ones at once, the rest from the CRM server."""
    numbers = _strings(request.body.get("phoneNumbers"), "phoneNumbers")
    context.state.note_asked(numbers, [])
    matches, unknown = {}, []
    for number in numbers:
        contacts = context.known_contacts(number)
        if contacts:
            context.state.remember(number, contacts)
            matches[number] = [widget_contact(context.adapter, c, number) for c in contacts]
        elif number not in unknown:
            unknown.append(number)
    if not unknown or not connected(context.settings, context.storage, context.adapter):
        return matches
    key = pending_key("match", request.request_id)
    continuation = {
        "kind": "contactMatch",
        "requestId": request.request_id,
        "path": request.path,
        "numbers": unknown,
        "answered": [],
        "results": matches,
    }
    lookups = [
        contact_lookup(f"{key}#{i}", context.settings, context.storage, number, context.adapter)
        for i, number in enumerate(unknown)
    ]
    await_fetches(context, key, continuation, *lookups)
    return DEFERRED


@resumes("contactMatch")
def resume_match(
    context: Context, key: str, pending: dict[str, Any], result: dict[str, Any]
) -> None:
    """One number's server answer; the widget's reply goes once every number is answered."""
    index = _part(result)
    numbers = pending["numbers"]
    if not 0 <= index < len(numbers) or index in pending["answered"]:
        raise CallbackError(ErrorCode.UNKNOWN_FETCH, f"unexpected contact lookup {result['id']!r}")
    number = numbers[index]
    pending["answered"].append(index)
    try:
        contacts = unique(contacts_from(result, number))
    except CallbackError as error:
        context.errors.append(error)  # that number stays unmatched; the others still count
        contacts = []
    if contacts:
        context.state.remember(number, contacts)
        pending["results"][number] = [widget_contact(context.adapter, c, number) for c in contacts]
    if len(pending["answered"]) == len(numbers):
        context.state.pending.pop(key, None)
        context.actions.append(reply(pending["requestId"], pending["results"]))


@handles_request(ENTITY_MATCH_PATH)
def match_call_logs(context: Context, request: WidgetRequest) -> Any:
    """The CRM log record of each asked call session (lets the widget "view log")."""
    session_ids = _strings(request.body.get("sessionIds"), "sessionIds")
    context.state.note_asked([], session_ids)
    if not session_ids or not connected(context.settings, context.storage, context.adapter):
        return _known_logs(context, session_ids)
    key = pending_key("logs", request.request_id)
    lookups = call_log_lookups(key, context.settings, context.storage, session_ids, context.adapter)
    continuation = {
        "kind": "callLogs",
        "requestId": request.request_id,
        "path": request.path,
        "sessionIds": session_ids,
        "parts": len(lookups),
        "answered": [],
    }
    await_fetches(context, key, continuation, *lookups)
    return DEFERRED


@resumes("callLogs")
def resume_call_logs(
    context: Context, key: str, pending: dict[str, Any], result: dict[str, Any]
) -> None:
    """Remember the server's log ids; once every part (five sessions each) is answered,
    answer with every log known for the sessions."""
    part, parts = _part(result), pending.get("parts", 1)
    answered = pending.setdefault("answered", [])
    if not 0 <= part < parts or part in answered:
        raise CallbackError(ErrorCode.UNKNOWN_FETCH, f"unexpected call log lookup {result['id']!r}")
    answered.append(part)
    try:
        for session_id, log_id in logs_from(result).items():
            context.state.remember_log(session_id, log_id)
    except CallbackError as error:
        context.errors.append(error)  # answer with what is already known
    if len(answered) == parts:
        context.state.pending.pop(key, None)
        known = _known_logs(context, pending["sessionIds"])
        context.actions.append(reply(pending["requestId"], known))


def _known_logs(context: Context, session_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """One entry per logged session: an entry without ``type: "status"`` is what makes
    the widget show "View log details" (and send its id back as an activity match)."""
    return {
        session_id: [{"id": context.state.logs[session_id], "note": ""}]
        for session_id in session_ids
        if session_id in context.state.logs
    }


def _part(result: dict[str, Any]) -> int:
    suffix = str(result.get("id", "")).partition("#")[2]
    return int(suffix) if suffix.isdigit() else -1


@handles_request(VIEW_CONTACT_PATH)
def view_contact(context: Context, request: WidgetRequest) -> str:
    """The widget's "View contact details" on one of our contacts: open its CRM record,
    through the same adapter and URL guard as call-pop."""
    body = request.body
    if not is_service_contact(body, context.service_name):
        raise CallbackError(
            ErrorCode.BAD_CONTACT,
            f"that contact is not a {context.adapter.display_name} record; nothing was opened",
        )
    numbers = body.get("phoneNumbers")
    first = numbers[0] if isinstance(numbers, list) and numbers else None
    phone = first.get("phoneNumber") if isinstance(first, dict) else None
    contact = contact_from_json(
        body, phone=phone if isinstance(phone, str) else "", service_name=context.service_name
    )
    url = context.adapter.contact_page(context.hostname, contact, context.storage)
    context.open_url(url, active=True)
    return DEFAULT_REPLY


def refresh_widget_matches(context: Context) -> None:
    """After connecting (or logging out): make the widget ask again for what it asked
    before, instead of keeping its cached "no match" (minutes) or matches (hours)."""
    state = context.state
    for message in refresh_match_messages(list(state.asked_numbers), list(state.asked_sessions)):
        context.actions.append(post(message))


def _strings(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"body.{name} must be a list of strings")
    return [check_key(v, f"an entry of body.{name}") for v in value]
