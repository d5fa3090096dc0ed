"""Client side of an App Connect–compatible adapter server, as pure data.

Python never does I/O: these functions build the `fetch` actions the shim performs
and read the results it dispatches back (``crm-callbacks-fetch-result``). The API is
App Connect's: ``POST /apiKeyLogin``, ``GET /contact``, ``GET /callLog``,
``POST /unAuthorize``, authenticated with the JWT stored as ``rcUnifiedCrmExtJwt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from .actions import Action, fetch
from .contacts import Contact, contact_from_json
from .errors import CallbackError, ErrorCode
from .service import JWT_KEY
from .settings import read_setting

FETCH_RESULT = "crm-callbacks-fetch-result"
# Below the widget's own timeouts (contact match 30 s, call logger 15 s, others 3 s),
# so the widget always gets its reply first from us, not from its timer.
CONTACT_TIMEOUT_MS = 20_000
CALL_LOG_TIMEOUT_MS = 10_000
LOGIN_TIMEOUT_MS = 10_000
UNAUTHORIZE_TIMEOUT_MS = 5_000


def server_url(settings: Mapping[str, Any]) -> str:
    """The configured server's base URL without a trailing slash ("" when none)."""
    return str(read_setting(settings, "serverUrl")).rstrip("/")


def session_token(storage: Mapping[str, Any]) -> str:
    value = storage.get(JWT_KEY)
    return value if isinstance(value, str) else ""


def connected(settings: Mapping[str, Any], storage: Mapping[str, Any]) -> bool:
    """A server is configured and the user has a session with it."""
    return bool(server_url(settings) and session_token(storage))


def contact_lookup(
    request_id: str, settings: Mapping[str, Any], storage: Mapping[str, Any], number: str
) -> Action:
    query = {"jwtToken": session_token(storage), "phoneNumber": number}
    formats = read_setting(settings, "overridingPhoneNumberFormat")
    if formats:
        query["overridingFormat"] = formats
    url = f"{server_url(settings)}/contact?{urlencode(query)}"
    return fetch(request_id, "GET", url, timeout_ms=CONTACT_TIMEOUT_MS)


def call_log_lookup(
    request_id: str, settings: Mapping[str, Any], storage: Mapping[str, Any], sessions: list[str]
) -> Action:
    query = urlencode({"jwtToken": session_token(storage), "sessionIds": ",".join(sessions)})
    url = f"{server_url(settings)}/callLog?{query}"
    return fetch(request_id, "GET", url, timeout_ms=CALL_LOG_TIMEOUT_MS)


def api_key_login(request_id: str, settings: Mapping[str, Any], body: dict[str, str]) -> Action:
    url = f"{server_url(settings)}/apiKeyLogin"
    headers = {"Content-Type": "application/json"}
    return fetch(request_id, "POST", url, timeout_ms=LOGIN_TIMEOUT_MS, headers=headers, body=body)


def unauthorize(request_id: str, settings: Mapping[str, Any], storage: Mapping[str, Any]) -> Action:
    query = urlencode({"jwtToken": session_token(storage)})
    url = f"{server_url(settings)}/unAuthorize?{query}"
    return fetch(request_id, "POST", url, timeout_ms=UNAUTHORIZE_TIMEOUT_MS)


def checked_body(result: Mapping[str, Any], what: str) -> dict[str, Any]:
    """The JSON body of a successful answer, else SERVER_UNREACHABLE / SERVER_ERROR."""
    status = result.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or status == 0:
        reason = result.get("error") or "no answer"
        raise CallbackError(
            ErrorCode.SERVER_UNREACHABLE, f"The CRM server did not answer the {what}: {reason}"
        )
    body = result.get("body")
    message = body.get("message") if isinstance(body, dict) else None
    if not 200 <= status < 300 or not isinstance(body, dict) or body.get("successful") is False:
        detail = f": {message}" if isinstance(message, str) and message else ""
        raise CallbackError(
            ErrorCode.SERVER_ERROR, f"The CRM server refused the {what} (HTTP {status}){detail}"
        )
    return body


def contacts_from(result: Mapping[str, Any], number: str) -> list[Contact]:
    """Matches from a ``GET /contact`` answer, without App Connect's "new contact" entry."""
    body = checked_body(result, "contact lookup")
    raw = body.get("contact", [])
    if not isinstance(raw, list):
        raise CallbackError(ErrorCode.SERVER_ERROR, "The CRM server's contact list is malformed")
    return [
        contact_from_json(item, phone=number)
        for item in raw
        if isinstance(item, dict) and not item.get("isNewContact")
    ]


def logs_from(result: Mapping[str, Any]) -> dict[str, str]:
    """``{sessionId: logId}`` of the matched calls in a ``GET /callLog`` answer."""
    body = checked_body(result, "call log lookup")
    logs = body.get("logs", [])
    if not isinstance(logs, list):
        raise CallbackError(ErrorCode.SERVER_ERROR, "The CRM server's call logs are malformed")
    found = {}
    for log in logs:
        if isinstance(log, dict) and log.get("matched") and log.get("logId") is not None:
            found[str(log.get("sessionId"))] = str(log["logId"])
    return found


def token_from(result: Mapping[str, Any]) -> str:
    """The session JWT of an ``/apiKeyLogin`` answer."""
    body = checked_body(result, "sign-in")
    token = body.get("jwtToken")
    if not isinstance(token, str) or not token:
        raise CallbackError(ErrorCode.SERVER_ERROR, "The CRM server's sign-in gave no token")
    return token
