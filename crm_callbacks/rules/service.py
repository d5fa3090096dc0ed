"""The widget-side service: registration on login, contact and call-log matching."""

from __future__ import annotations

from typing import Any

from ..actions import post, reply
from ..appconnect import call_log_lookups, connected, contact_lookup, contacts_from, logs_from
from ..contacts import Contact, unique
from ..errors import CallbackError, ErrorCode
from ..router import Context, handles
from ..service import CONTACT_MATCH_PATH, ENTITY_MATCH_PATH, is_authorized, registration_message
from ..state import MAX_KEY_LENGTH, check_key
from .effects import await_fetches, pending_key, resumes
from .requests import DEFERRED, WidgetRequest, handles_request


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
    matches, unknown = {}, []
    for number in numbers:
        contacts = context.known_contacts(number)
        if contacts:
            context.state.remember(number, contacts)
            matches[number] = [_widget_contact(c, number) for c in contacts]
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
        pending["results"][number] = [_widget_contact(c, number) for c in contacts]
    if len(pending["answered"]) == len(numbers):
        context.state.pending.pop(key, None)
        context.actions.append(reply(pending["requestId"], pending["results"]))


@handles_request(ENTITY_MATCH_PATH)
def match_call_logs(context: Context, request: WidgetRequest) -> Any:
    """The CRM log record of each asked call session (lets the widget "view log")."""
    session_ids = _strings(request.body.get("sessionIds"), "sessionIds")
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
    return {
        session_id: [{"id": context.state.logs[session_id], "note": ""}]
        for session_id in session_ids
        if session_id in context.state.logs
    }


def _part(result: dict[str, Any]) -> int:
    suffix = str(result.get("id", "")).partition("#")[2]
    return int(suffix) if suffix.isdigit() else -1


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
    return [check_key(v, f"an entry of body.{name}") for v in value]
