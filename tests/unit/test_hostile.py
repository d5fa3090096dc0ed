"""A named corpus of hostile input at the boundary: each gets its stable error code and
opens nothing (or, for ids, stays inside one path segment)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from crm_callbacks import ErrorCode, dispatch, dispatch_json
from tests.conftest import make_request, our_ring, widget_message

DEEP: Any = "x"
for _ in range(5000):
    DEEP = [DEEP]


def ring_with_id(contact_id: Any) -> dict[str, Any]:
    message = our_ring(id=contact_id)
    return make_request(message)


def ring_on(hostname: Any) -> dict[str, Any]:
    request = ring_with_id("42")
    request["context"]["page"]["hostname"] = hostname
    return request


def with_setting(**settings: Any) -> dict[str, Any]:
    return make_request(
        widget_message("active_call_ringing_inbound"),
        settings=settings,
        contacts={"+16505550100": [{"id": "1"}, {"id": "2"}]},
    )


# (name, request, expected error code) — the request opens nothing.
REFUSED = [
    ("dot-dot id", ring_with_id(".."), ErrorCode.BAD_CONTACT),
    ("dot id", ring_with_id("."), ErrorCode.BAD_CONTACT),
    ("empty id", ring_with_id(""), ErrorCode.BAD_CONTACT),
    ("1 MB id", ring_with_id("7" * 1_000_000), ErrorCode.BAD_CONTACT),
    ("boolean id", ring_with_id(True), ErrorCode.BAD_CONTACT),
    ("object id", ring_with_id({"toString": "x"}), ErrorCode.BAD_CONTACT),
    ("host with path", ring_on("acme.pipedrive.com/evil"), ErrorCode.BAD_HOSTNAME),
    ("host with userinfo", ring_on("evil.com@acme.pipedrive.com"), ErrorCode.BAD_HOSTNAME),
    ("host with port", ring_on("acme.pipedrive.com:444"), ErrorCode.BAD_HOSTNAME),
    ("unicode look-alike host", ring_on("acme.pipedr\u0456ve.com"), ErrorCode.BAD_HOSTNAME),
    ("bidi control in host", ring_on("acme\u202e.pipedrive.com"), ErrorCode.BAD_HOSTNAME),
    ("CRLF in host", ring_on("acme.pipedrive.com\r\nX: y"), ErrorCode.BAD_HOSTNAME),
    ("1 MB host", ring_on("a" * 1_000_000 + ".pipedrive.com"), ErrorCode.BAD_HOSTNAME),
    ("host as list", ring_on(["acme.pipedrive.com"]), ErrorCode.BAD_HOSTNAME),
    ("look-alike CRM host", ring_on("acme.pipedrive.com.evil.com"), ErrorCode.UNKNOWN_PLATFORM),
    (
        "unknown platform",
        {**ring_with_id("42"), "context": {"page": {"hostname": "x.com"}, "platform": "evilcrm"}},
        ErrorCode.UNKNOWN_PLATFORM,
    ),
    ("unknown version", {**ring_with_id("42"), "v": 2}, ErrorCode.UNSUPPORTED_VERSION),
    (
        "missing version",
        {k: v for k, v in ring_with_id("42").items() if k != "v"},
        ErrorCode.UNSUPPORTED_VERSION,
    ),
    ("missing message", {"v": 1, "context": {}}, ErrorCode.BAD_MESSAGE),
    ("message as string", {"v": 1, "message": "rc-call-ring-notify"}, ErrorCode.BAD_MESSAGE),
    (
        "call as list",
        make_request({"type": "rc-call-ring-notify", "call": []}),
        ErrorCode.BAD_MESSAGE,
    ),
    (
        "deep nesting in call",
        make_request({"type": "rc-call-ring-notify", "call": DEEP}),
        ErrorCode.BAD_MESSAGE,
    ),
    ("context as list", {**ring_with_id("42"), "context": []}, ErrorCode.BAD_REQUEST),
    (
        "settings as string",
        {
            **ring_with_id("42"),
            "context": {"page": {"hostname": "acme.pipedrive.com"}, "settings": "x"},
        },
        ErrorCode.BAD_REQUEST,
    ),
    (
        "bad timing setting",
        with_setting(openContactPageFromIncomingCall="now"),
        ErrorCode.BAD_SETTING,
    ),
    (
        "bad multi-match setting",
        with_setting(multiContactMatchBehavior=["x"]),
        ErrorCode.BAD_SETTING,
    ),
]


@pytest.mark.parametrize(
    ("request_", "code"), [(r, c) for _, r, c in REFUSED], ids=[name for name, _, _ in REFUSED]
)
def test_hostile_input_gets_its_code_and_opens_nothing(request_, code):
    response = dispatch(request_)
    assert [a for a in response["actions"] if a["type"] == "openTab"] == []
    assert code in [e["code"] for e in response["errors"]]
    json.dumps(response)


# (name, contact id, the one path segment it becomes) — inert, on the page's host.
CONTAINED = [
    ("javascript scheme", "javascript:alert(1)", "javascript%3Aalert%281%29"),
    ("data scheme", "data:text/html,<script>", "data%3Atext%2Fhtml%2C%3Cscript%3E"),
    ("protocol-relative", "//evil.com", "%2F%2Fevil.com"),
    ("userinfo", "x@evil.com", "x%40evil.com"),
    ("CRLF", "1\r\nLocation: https://evil.com", "1%0D%0ALocation%3A%20https%3A%2F%2Fevil.com"),
    ("traversal", "../../admin", "..%2F..%2Fadmin"),
    ("encoded traversal", "%2e%2e%2fadmin", "%252e%252e%252fadmin"),
    ("backslash", "\\\\evil.com", "%5C%5Cevil.com"),
    ("bidi control", "42\u202e", "42%E2%80%AE"),
    ("look-alike", "\u0440aypal", "%D1%80aypal"),
    ("query and fragment", "1?a=b#c", "1%3Fa%3Db%23c"),
    ("NUL", "1\x002", "1%002"),
]


@pytest.mark.parametrize(
    ("contact_id", "segment"),
    [(i, s) for _, i, s in CONTAINED],
    ids=[name for name, _, _ in CONTAINED],
)
def test_hostile_ids_change_one_path_segment_at_most(contact_id, segment):
    [action] = dispatch(ring_with_id(contact_id))["actions"]
    parts = urlsplit(action["url"])
    assert (parts.scheme, parts.hostname) == ("https", "acme.pipedrive.com")
    assert action["url"] == f"https://acme.pipedrive.com/person/{segment}"


@pytest.mark.parametrize(
    "text", ["[" * 200_000, '{"v": 1, "message": ' * 50_000, "\ud800", "1e999999"]
)
def test_hostile_json_text_is_answered(text):
    response = json.loads(dispatch_json(text))
    assert response["actions"] == []
    assert response["errors"][0]["code"] in (ErrorCode.BAD_JSON, ErrorCode.BAD_REQUEST)
