"""The local testCRM server over real HTTP on loopback: App Connect's API and its pages."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from crm_callbacks.phone import format_number, spellings
from crm_callbacks.server import DEFAULT_API_KEY, RunningServer, Store, running, tokens


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with running(port=0) as started:
        yield started


def call(server: RunningServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        server.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:  # errors about the session are text, as the real core's
            return error.code, raw.decode()


def login(server: RunningServer, api_key: str = DEFAULT_API_KEY) -> tuple[int, Any]:
    return call(
        server,
        "POST",
        "/apiKeyLogin",
        {
            "platform": "testCRM",
            "apiKey": api_key,
            "hostname": "demo.testcrm.localhost",
            "rcUserNumber": "+16505550199",
        },
    )


def token(server: RunningServer) -> str:
    return login(server)[1]["jwtToken"]


def test_login_with_the_api_key_gives_a_session_token(server):
    status, body = login(server)
    assert status == 200 and body["returnMessage"]["messageType"] == "success"
    claims = tokens.verify(server.config.secret, body["jwtToken"])
    assert claims["platform"] == "testCRM" and claims["rcUserNumber"] == "+16505550199"


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "testCRM", "apiKey": "wrong"},
        {"platform": "pipedrive", "apiKey": DEFAULT_API_KEY},
        {"apiKey": DEFAULT_API_KEY},
    ],
)
def test_login_refuses_a_wrong_key_or_platform(server, body):
    status, answer = call(server, "POST", "/apiKeyLogin", body)
    assert status == 400 and "jwtToken" not in answer and answer


@pytest.mark.parametrize(
    ("number", "formats", "ids"),
    [
        ("+16505550100", None, ["42"]),  # stored as E.164
        ("+16505550123", None, ["43"]),  # stored as (650) 555-0123, default formats
        ("+16505550147", None, ["44"]),  # stored as 650-555-0147
        ("+16505550147", "(***) ***-****", []),  # only the given format is tried
        ("+16505550188", None, ["45", "46"]),  # two contacts share a number
        ("+16505550999", None, []),
    ],
)
def test_contacts_match_e164_and_national_formats(server, number, formats, ids):
    query = f"/contact?jwtToken={token(server)}&phoneNumber={quote(number)}"
    if formats:
        query += f"&overridingFormat={quote(formats)}"
    status, body = call(server, "GET", query)
    assert status == 200 and body["successful"] is True
    assert [c["id"] for c in body["contact"]] == ids


def test_call_logs_report_matched_sessions(server):
    status, body = call(
        server, "GET", f"/callLog?jwtToken={token(server)}&sessionIds=214705503020,none"
    )
    assert status == 200
    assert body["logs"] == [
        {"sessionId": "214705503020", "matched": True, "logId": "9001"},
        {"sessionId": "none", "matched": False},
    ]


@pytest.mark.parametrize("jwt", ["", "abc", "a.b.c"])
def test_api_calls_without_a_valid_session_are_refused(server, jwt):
    for path in (
        f"/contact?jwtToken={jwt}&phoneNumber=%2B16505550100",
        f"/callLog?jwtToken={jwt}&sessionIds=1",
    ):
        status, body = call(server, "GET", path)
        assert status == 400 and body == "Please go to Settings and authorize CRM platform"


def test_a_forged_or_expired_token_is_refused(server):
    forged = tokens.issue(b"another secret", {"platform": "testCRM"})
    expired = tokens.issue(server.config.secret, {"platform": "testCRM"}, lifetime_s=-1)
    for jwt in (forged, expired):
        status, _ = call(server, "GET", f"/contact?jwtToken={jwt}&phoneNumber=1")
        assert status == 400


def test_unauthorize_ends_the_session(server):
    jwt = token(server)
    assert call(server, "POST", f"/unAuthorize?jwtToken={jwt}")[0] == 200
    status, body = call(server, "GET", f"/contact?jwtToken={jwt}&phoneNumber=%2B16505550100")
    assert status == 200 and body["successful"] is False
    assert body["returnMessage"]["message"] == "Contact not found"


def test_bad_requests_get_json_errors(server):
    assert call(server, "GET", f"/contact?jwtToken={token(server)}")[0] == 400
    bad_format = f"/contact?jwtToken={token(server)}&phoneNumber=1&overridingFormat=abc"
    assert call(server, "GET", bad_format)[0] == 400
    request = urllib.request.Request(server.url + "/apiKeyLogin", data=b"{nope", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400


def test_the_demo_crm_pages_show_contacts_and_logs(server):
    def page(path: str) -> str:
        with urllib.request.urlopen(server.url + path, timeout=5) as answer:
            return answer.read().decode()

    assert "Sam Carter" in page("/contacts/43") and 'data-contact-id="43"' in page("/contacts/43")
    assert "Discussed renewal" in page("/logs/9001")
    assert "Jane Doe" in page("/contacts?phone=%2B16505550100")
    assert "window.phone" in page("/phone.js")
    with pytest.raises(urllib.error.HTTPError) as caught:
        page("/contacts/999")
    assert caught.value.code == 404


def test_a_file_database_is_seeded_once_and_kept(tmp_path):
    path = str(tmp_path / "crm.sqlite")
    Store(path)
    store = Store(path)
    assert len(store.all_contacts()) == 5


@pytest.mark.parametrize(
    ("number", "pattern", "written"),
    [
        ("+16505550100", "(***) ***-****", "(650) 555-0100"),
        ("+16505550100", "***-***-****", "650-555-0100"),
        ("+442071838750", "0** **** ****", "020 7183 8750"),
        ("123", "(***) ***-****", None),
    ],
)
def test_numbers_are_written_in_a_crms_format(number, pattern, written):
    assert format_number(number, pattern) == written


def test_spellings_start_with_e164():
    assert spellings("+1 650 555 0100", ["(***) ***-****"]) == [
        "+1 650 555 0100",
        "+16505550100",
        "(650) 555-0100",
    ]


def test_the_console_command_listens_on_loopback_only():
    refused = subprocess.run(
        [sys.executable, "-m", "crm_callbacks.server", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2 and "not a loopback address" in refused.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_callbacks.server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("testCRM server on http://127.0.0.1:")
    finally:
        process.terminate()
        process.wait(timeout=10)
