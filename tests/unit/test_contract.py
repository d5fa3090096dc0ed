"""The version-1 contract: shape of every answer, and a stable code for every bad request."""

from __future__ import annotations

import json

import pytest

from crm_callbacks import ErrorCode, dispatch, dispatch_json
from tests.conftest import make_request, our_ring

JANE = {"+16505550100": [{"id": "42", "name": "Jane Doe"}]}


def codes(response: dict) -> list[str]:
    return [error["code"] for error in response["errors"]]


def assert_contract_shape(response: dict, *, state_read: bool = True) -> None:
    """`state_read` False: text that is not JSON, answered without ``state`` (keep yours)."""
    keys = {"v", "actions", "state", "errors"} if state_read else {"v", "actions", "errors"}
    assert set(response) == keys
    assert response["v"] == 1
    assert isinstance(response["actions"], list)
    assert not state_read or isinstance(response["state"], dict)
    for error in response["errors"]:
        assert set(error) == {"code", "message"}
        assert error["code"] in ErrorCode.__members__
        assert error["message"]


def test_ring_answers_with_an_open_tab(ring):
    response = dispatch(make_request(ring, contacts=JANE))
    assert_contract_shape(response)
    assert response["errors"] == []
    assert response["actions"] == [
        {
            "type": "openTab",
            "url": "https://acme.pipedrive.com/person/42",
            "active": True,
            "popup": False,
        }
    ]


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        ("not an object", ErrorCode.BAD_REQUEST),
        ([1, 2], ErrorCode.BAD_REQUEST),
        (None, ErrorCode.BAD_REQUEST),
        ({"message": {"type": "rc-call-ring-notify"}}, ErrorCode.UNSUPPORTED_VERSION),
        ({"v": 2, "message": {"type": "x"}}, ErrorCode.UNSUPPORTED_VERSION),
        ({"v": True, "message": {"type": "x"}}, ErrorCode.UNSUPPORTED_VERSION),
        ({"v": "1", "message": {"type": "x"}}, ErrorCode.UNSUPPORTED_VERSION),
        ({"v": 1}, ErrorCode.BAD_MESSAGE),
        ({"v": 1, "message": "rc-call-ring-notify"}, ErrorCode.BAD_MESSAGE),
        ({"v": 1, "message": {"type": 7}}, ErrorCode.BAD_MESSAGE),
        ({"v": 1, "message": {"type": "x"}, "context": []}, ErrorCode.BAD_REQUEST),
        ({"v": 1, "message": {"type": "x"}, "context": {"page": "p"}}, ErrorCode.BAD_REQUEST),
        ({"v": 1, "message": {"type": "x"}, "context": {"platform": 3}}, ErrorCode.BAD_REQUEST),
        ({"v": 1, "message": {"type": "x"}, "context": {"settings": []}}, ErrorCode.BAD_REQUEST),
        ({"v": 1, "message": {"type": "x"}, "context": {"contacts": 1}}, ErrorCode.BAD_REQUEST),
        (
            {"v": 1, "message": {"type": "x"}, "context": {"page": {"url": 5}}},
            ErrorCode.BAD_REQUEST,
        ),
    ],
)
def test_malformed_requests_get_a_stable_code_and_open_nothing(request_, code):
    response = dispatch(request_)
    assert_contract_shape(response)
    assert response["actions"] == []
    assert codes(response) == [code]


@pytest.mark.parametrize(
    ("hostname", "platform", "code"),
    [
        ("example.com", None, ErrorCode.UNKNOWN_PLATFORM),
        ("acme.pipedrive.com", "salesforce", ErrorCode.UNKNOWN_PLATFORM),
        (None, None, ErrorCode.BAD_HOSTNAME),
        ("evil.com/path", None, ErrorCode.BAD_HOSTNAME),
        ("", None, ErrorCode.BAD_HOSTNAME),
        (42, None, ErrorCode.BAD_HOSTNAME),
    ],
)
def test_unknown_platform_or_bad_host_opens_nothing(ring, hostname, platform, code):
    request = make_request(ring, contacts=JANE)
    request["context"]["page"]["hostname"] = hostname
    if platform:
        request["context"]["platform"] = platform
    response = dispatch(request)
    assert response["actions"] == []
    assert codes(response) == [code]


def test_platform_named_explicitly_wins_over_the_host(ring):
    request = make_request(ring, hostname="acme.pipedrive.com", contacts=JANE)
    request["context"]["platform"] = "TESTCRM"
    [action] = dispatch(request)["actions"]
    assert action["url"] == "https://acme.pipedrive.com/contacts/42"


def test_an_error_keeps_the_incoming_state():
    kept = {"v": 1, "popped": ["callpop:1"], "matches": {}}
    response = dispatch({"v": 9, "message": {"type": "x"}, "state": kept})
    assert response["state"] == kept


def test_unhandled_widget_messages_are_answered_with_nothing():
    message = {"type": "rc-route-changed-notify", "path": "/dialer"}
    response = dispatch(make_request(message, hostname="unknown.example"))
    assert response == {"v": 1, "actions": [], "state": {}, "errors": []}


def test_dispatch_json_round_trips(ring):
    text = dispatch_json(json.dumps(make_request(ring, contacts=JANE)))
    response = json.loads(text)
    assert response["actions"][0]["url"] == "https://acme.pipedrive.com/person/42"


@pytest.mark.parametrize("text", ["", "{", "nope", "[" * 100_000 + "]" * 100_000, None, b"{}"])
def test_dispatch_json_reports_bad_json(text):
    response = json.loads(dispatch_json(text))  # type: ignore[arg-type]
    assert_contract_shape(response, state_read=False)
    assert codes(response) == [ErrorCode.BAD_JSON]
    assert response["actions"] == []


def test_dispatch_json_of_a_json_non_object_is_a_bad_request():
    assert codes(json.loads(dispatch_json("[1]"))) == [ErrorCode.BAD_REQUEST]


def test_an_internal_bug_is_reported_not_raised(monkeypatch, ring):
    from crm_callbacks.rules import callpop

    def broken(context, event):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(callpop, "pop", broken)
    response = dispatch(make_request(ring, contacts=JANE))
    assert response["actions"] == []
    assert codes(response) == [ErrorCode.INTERNAL_ERROR]
    assert "ZeroDivisionError" in response["errors"][0]["message"]


def test_web_phone_message_shape_is_accepted():
    response = dispatch(make_request(our_ring()))
    assert [a["url"] for a in response["actions"]] == ["https://acme.pipedrive.com/person/42"]
