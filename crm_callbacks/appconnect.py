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
from .service import JWT_KEY, SESSION_SERVER_KEY
from .settings import read_setting

FETCH_RESULT = "crm-callbacks-fetch-result"
# Below the widget's own timeouts (contact match 30 s, call logger 15 s, others 3 s),
# so the widget always gets its reply first from us, not from its timer.
CONTACT_TIMEOUT_MS = 20_000
CALL_LOG_TIMEOUT_MS = 10_000
LOGIN_TIMEOUT_MS = 10_000
UNAUTHORIZE_TIMEOUT_MS = 5_000


SESSION_HEADER = "Authorization"
REFRESHED_TOKEN_HEADER = "x-refreshed-jwt-token"
MAX_SESSIONS_PER_LOOKUP = 5  # the core answers for the first five session ids only
SESSION_REVOKED = "CRM_SESSION_REVOKED"


def server_url(settings: Mapping[str, Any], adapter: Any = None) -> str:
    """The server's base URL without a trailing slash ("" when none): the platform's own
    ``serverUrl`` when its manifest gives one, else the user's setting."""
    own = getattr(adapter, "server_url", "") if adapter is not None else ""
    return str(own or read_setting(settings, "serverUrl")).rstrip("/")


def session_token(
    settings: Mapping[str, Any], storage: Mapping[str, Any], adapter: Any = None
) -> str:
    """The stored session token, only if the server in use is the one that issued it.

    A token is never sent to another server: after the server setting changes, the old
    token counts as no session (signing in again replaces it).
    """
    value = storage.get(JWT_KEY)
    issuer = storage.get(SESSION_SERVER_KEY)
    if not isinstance(value, str) or not value or not isinstance(issuer, str):
        return ""
    return value if issuer and issuer == server_url(settings, adapter) else ""


def connected(settings: Mapping[str, Any], storage: Mapping[str, Any], adapter: Any = None) -> bool:
    """A server is configured and the user has a session with that server."""
    return bool(server_url(settings, adapter) and session_token(settings, storage, adapter))


def _session_headers(token: str) -> dict[str, str]:
    # The real core reads ``Authorization: Bearer`` first (the jwtToken query is its legacy
    # form): a header keeps the token out of URLs, history and server access logs.
    return {SESSION_HEADER: f"Bearer {token}"}


def contact_lookup(
    request_id: str,
    settings: Mapping[str, Any],
    storage: Mapping[str, Any],
    number: str,
    adapter: Any = None,
) -> Action:
    formats = read_setting(settings, "overridingPhoneNumberFormat")
    # Always sent, empty when none: some connectors split it without a default.
    if isinstance(formats, list | tuple):
        formats = ",".join(formats)
    query = {"phoneNumber": number, "overridingFormat": str(formats or "")}
    url = f"{server_url(settings, adapter)}/contact?{urlencode(query)}"
    return fetch(
        request_id,
        "GET",
        url,
        timeout_ms=CONTACT_TIMEOUT_MS,
        headers=_session_headers(session_token(settings, storage, adapter)),
        response_headers=(REFRESHED_TOKEN_HEADER,),
    )


def call_log_lookups(
    request_id: str,
    settings: Mapping[str, Any],
    storage: Mapping[str, Any],
    sessions: list[str],
    adapter: Any = None,
) -> list[Action]:
    """One ``GET /callLog`` per five session ids (ids ``request_id#0``, ``#1`` …)."""
    headers = _session_headers(session_token(settings, storage, adapter))
    lookups = []
    for part, start in enumerate(range(0, len(sessions), MAX_SESSIONS_PER_LOOKUP)):
        chunk = sessions[start : start + MAX_SESSIONS_PER_LOOKUP]
        url = (
            f"{server_url(settings, adapter)}/callLog?{urlencode({'sessionIds': ','.join(chunk)})}"
        )
        lookups.append(
            fetch(
                f"{request_id}#{part}",
                "GET",
                url,
                timeout_ms=CALL_LOG_TIMEOUT_MS,
                headers=headers,
                response_headers=(REFRESHED_TOKEN_HEADER,),
            )
        )
    return lookups


def api_key_login(
    request_id: str, settings: Mapping[str, Any], body: dict[str, Any], adapter: Any = None
) -> Action:
    url = f"{server_url(settings, adapter)}/apiKeyLogin"
    headers = {"Content-Type": "application/json"}
    return fetch(request_id, "POST", url, timeout_ms=LOGIN_TIMEOUT_MS, headers=headers, body=body)


def unauthorize(
    request_id: str, settings: Mapping[str, Any], storage: Mapping[str, Any], adapter: Any = None
) -> Action:
    url = f"{server_url(settings, adapter)}/unAuthorize"
    headers = _session_headers(session_token(settings, storage, adapter))
    return fetch(request_id, "POST", url, timeout_ms=UNAUTHORIZE_TIMEOUT_MS, headers=headers)


def return_message(body: Any) -> str:
    """The text of an answer's ``returnMessage`` (App Connect's message for the user)."""
    if isinstance(body, dict):
        message = body.get("returnMessage")
        if isinstance(message, dict) and isinstance(message.get("message"), str):
            return message["message"]
        for key in ("message", "error"):
            if isinstance(body.get(key), str):
                return body[key]
    if isinstance(body, str) and len(body) <= 200:
        return body
    return ""


def session_ended(result: Mapping[str, Any]) -> bool:
    """The server no longer knows the sign-in: 401, ``CRM_SESSION_REVOKED``, a 400 that asks
    to authorize again (bad token), or a lookup answered ``successful: false`` (the core's
    answer once the user signed out)."""
    status, body = result.get("status"), result.get("body")
    if status == 401:
        return True
    if isinstance(body, dict) and body.get("errorCode") == SESSION_REVOKED:
        return True
    if status == 400 and isinstance(body, str) and "authorize CRM platform" in body:
        return True
    return status == 200 and isinstance(body, dict) and body.get("successful") is False


def refreshed_token(result: Mapping[str, Any]) -> str:
    """The renewed session token the server sent back, or ""."""
    headers = result.get("headers")
    value = headers.get(REFRESHED_TOKEN_HEADER) if isinstance(headers, dict) else None
    return value if isinstance(value, str) and value.count(".") == 2 else ""


def checked_body(result: Mapping[str, Any], what: str) -> dict[str, Any]:
    """The JSON body of a successful answer, else SERVER_UNREACHABLE / SERVER_ERROR."""
    status = result.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or status == 0:
        reason = result.get("error") or "no answer"
        raise CallbackError(
            ErrorCode.SERVER_UNREACHABLE, f"The CRM server did not answer the {what}: {reason}"
        )
    body = result.get("body")
    if session_ended(result):
        raise CallbackError(
            ErrorCode.SESSION_ENDED, f"The CRM server ended the session during the {what}"
        )
    if not 200 <= status < 300 or not isinstance(body, dict) or body.get("successful") is False:
        message = return_message(body)
        detail = f": {message}" if message else ""
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
        why = return_message(body)
        raise CallbackError(
            ErrorCode.SERVER_ERROR,
            f"The CRM server's sign-in gave no token{': ' + why if why else ''}",
        )
    return token
