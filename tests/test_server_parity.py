"""The bundled Python testCRM server answers as App Connect's real server core does.

Every scenario runs against both: the real core (``@app-connect/core`` with our testCRM
connector, see scripts/appconnect) and ``crm_callbacks.server``. The extension is written
against these answers, so where they differ the Python server is wrong.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from crm_callbacks.server import DEFAULT_API_KEY, running, tokens

HOSTNAME = "demo.testcrm.localhost"
NOT_AUTHORIZED = "Please go to Settings and authorize CRM platform"


@dataclass
class Server:
    name: str
    url: str
    secret: bytes  # signs the session tokens, to make one that is about to expire


@pytest.fixture(params=["real-core", "python"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    if request.param == "real-core":
        core = request.getfixturevalue("real_core")
        yield Server("real-core", core.url, core.secret.encode())
    else:
        with running(port=0) as started:
            yield Server("python", started.url, started.config.secret)


def call(
    server: Server, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any, dict[str, str]]:
    """(status, body as JSON or text, headers); `token` goes in ``Authorization``."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, raw, got = answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), error.headers
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = raw.decode()
    return status, parsed, {k.lower(): v for k, v in got.items()}


def sign_in(server: Server, api_key: str = DEFAULT_API_KEY, **extra: str) -> tuple[int, Any]:
    body = {
        "platform": "testCRM",
        "apiKey": api_key,
        "hostname": HOSTNAME,
        "additionalInfo": {"apiKey": api_key, **extra},
    }
    status, answer, _ = call(server, "POST", "/apiKeyLogin", body)
    return status, answer


def session(server: Server) -> str:
    status, answer = sign_in(server)
    assert status == 200, answer
    return answer["jwtToken"]


def find(server: Server, token: str, number: str, formats: str = "") -> tuple[int, Any]:
    path = f"/contact?phoneNumber={quote(number)}&overridingFormat={quote(formats)}"
    status, body, _ = call(server, "GET", path, token=token)
    return status, body


def test_sign_in_answers_a_token_a_name_and_a_return_message(server):
    status, body = sign_in(server)
    assert status == 200
    assert set(body) == {"jwtToken", "name", "returnMessage"}
    assert body["name"] == "Demo user"
    assert body["returnMessage"]["messageType"] == "success" and body["returnMessage"]["message"]


def test_a_wrong_api_key_is_400_with_a_return_message(server):
    status, body = sign_in(server, api_key="wrong")
    assert status == 400
    assert set(body) == {"returnMessage"}
    assert body["returnMessage"]["messageType"] == "warning"
    assert body["returnMessage"]["message"] == "Invalid API key."


def test_an_unknown_platform_is_400(server):
    status, body, _ = call(server, "POST", "/apiKeyLogin", {"platform": "nope", "apiKey": "x"})
    assert status == 400 and "nope" in body["error"]


@pytest.mark.parametrize(
    ("number", "formats", "ids"),
    [
        ("+16505550100", "", ["42"]),  # stored as E.164
        ("+16505550123", "", ["43"]),  # stored as (650) 555-0123: the default formats
        ("+16505550147", "", ["44"]),  # stored as 650-555-0147
        ("+16505550147", "(***) ***-****", []),  # only the given format is tried
        ("+16505550123", "(###) ###-####", ["43"]),  # "#" is a digit too
        ("+16505550188", "", ["45", "46"]),  # two contacts share a number
    ],
)
def test_contacts_match_by_number_and_format(server, number, formats, ids):
    status, body = find(server, session(server), number, formats)
    assert status == 200 and body["successful"] is True
    assert [c["id"] for c in body["contact"]] == ids
    assert {"id", "name", "phone", "type"} <= set(body["contact"][0]) if ids else True
    assert body["returnMessage"]["message"]


def test_no_match_is_successful_with_an_empty_list_and_a_warning(server):
    status, body = find(server, session(server), "+16505550999")
    assert status == 200 and body["successful"] is True and body["contact"] == []
    assert body["returnMessage"]["messageType"] == "warning"


def test_the_token_is_accepted_in_the_query_as_older_clients_send_it(server):
    token = session(server)
    status, body, _ = call(server, "GET", f"/contact?jwtToken={token}&phoneNumber=%2B16505550100")
    assert status == 200 and [c["id"] for c in body["contact"]] == ["42"]


def test_an_unencoded_plus_in_the_number_still_matches(server):
    token = session(server)
    status, body, _ = call(server, "GET", "/contact?phoneNumber=+16505550100", token=token)
    assert status == 200 and [c["id"] for c in body["contact"]] == ["42"]


def test_call_logs_answer_matched_and_unmatched_sessions(server):
    path = "/callLog?sessionIds=214705503020,none"
    status, body, _ = call(server, "GET", path, token=session(server))
    assert status == 200 and body["successful"] is True
    assert body["logs"] == [
        {"sessionId": "214705503020", "matched": True, "logId": "9001"},
        {"sessionId": "none", "matched": False},
    ]


def test_call_logs_answer_the_first_five_session_ids_only(server):
    ids = ["214705503055", "a", "b", "c", "d", "214705503020"]
    path = f"/callLog?sessionIds={','.join(ids)}"
    status, body, _ = call(server, "GET", path, token=session(server))
    assert status == 200
    assert [log["sessionId"] for log in body["logs"]] == ids[:5]
    assert body["logs"][0] == {"sessionId": "214705503055", "matched": True, "logId": "9002"}


@pytest.mark.parametrize("token", ["", "abc", "a.b.c"])
def test_a_missing_or_bad_token_is_400_text(server, token):
    for path in ("/contact?phoneNumber=%2B16505550100", "/callLog?sessionIds=1"):
        status, body, _ = call(server, "GET", f"{path}&jwtToken={token}")
        assert (status, body) == (400, NOT_AUTHORIZED)
        if token:
            status, body, _ = call(server, "GET", path, token=token)
            assert (status, body) == (400, NOT_AUTHORIZED)


def test_a_token_signed_by_another_server_is_400(server):
    forged = tokens.issue(b"another secret", {"id": "x", "platform": "testCRM"})
    status, body = find(server, forged, "+16505550100")
    assert (status, body) == (400, NOT_AUTHORIZED)


def test_after_sign_out_a_lookup_is_200_unsuccessful(server):
    token = session(server)
    status, body, _ = call(server, "POST", "/unAuthorize", token=token)
    assert status == 200 and body["messageType"] == "success" and body["message"]
    status, body = find(server, token, "+16505550100")
    assert status == 200 and body["successful"] is False
    assert body["returnMessage"] == {
        "message": "Contact not found",
        "messageType": "warning",
        "ttl": 5000,
    }
    status, body, _ = call(server, "GET", "/callLog?sessionIds=214705503020", token=token)
    assert (status, body) == (200, {"successful": False})
    assert call(server, "POST", "/unAuthorize", token=token)[:2] == (400, "User not found")


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_token_with_a_week_or_less_left_is_renewed_in_a_header(server):
    fresh = session(server)
    assert (
        "x-refreshed-jwt-token" not in call(server, "GET", "/callLog?sessionIds=1", token=fresh)[2]
    )
    claims = {k: v for k, v in _claims(fresh).items() if k not in ("iat", "exp", "jti")}
    ageing = tokens.issue(server.secret, claims, lifetime_s=3 * 24 * 3600)
    status, body, headers = call(server, "GET", "/callLog?sessionIds=1", token=ageing)
    assert status == 200 and body["successful"] is True
    renewed = headers["x-refreshed-jwt-token"]
    assert renewed != ageing and _claims(renewed)["exp"] - _claims(ageing)["exp"] > 24 * 3600
    assert find(server, renewed, "+16505550100")[1]["contact"][0]["id"] == "42"
