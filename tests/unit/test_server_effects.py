"""The App Connect server through the contract: fetch actions out, fetch results back in.

No network: each test plays the shim, answering the `fetch` actions Python returns
with ``crm-callbacks-fetch-result`` messages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from crm_callbacks import ErrorCode, dispatch
from tests.conftest import make_request, widget_message

SERVER = "http://127.0.0.1:6066"
CONNECTED = {"storage": {"rcUnifiedCrmExtJwt": "jwt-1"}, "settings": {"serverUrl": SERVER}}
HOST = "demo.testcrm.localhost"


class Shim:
    """Carries state between dispatches and keeps what Python asked for."""

    def __init__(self, host: str = HOST, **context: Any) -> None:
        self.host, self.context, self.state = host, context, {}

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        response = dispatch(
            make_request(message, hostname=self.host, state=self.state, **self.context)
        )
        self.state = response["state"]
        return response

    def answer(
        self, fetch: dict[str, Any], status: int, body: Any = None, error: str | None = None
    ) -> dict[str, Any]:
        result = {
            "type": "crm-callbacks-fetch-result",
            "id": fetch["id"],
            "status": status,
            "body": body,
        }
        if error:
            result["error"] = error
        return self.send(result)


def of(response: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [a for a in response["actions"] if a["type"] == kind]


def query(fetch: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(urlsplit(fetch["request"]["url"]).query)


def ring(session: str = "s1", number: str = "+16505550123") -> dict[str, Any]:
    return widget_message(
        "active_call_ringing_inbound",
        sessionId=session,
        telephonySessionId=session,
        **{"from": {"phoneNumber": number}},
    )


FOUND = {
    "successful": True,
    "contact": [
        {"id": "7", "name": "Sam", "phone": "+16505550123"},
        {"id": "createNewContact", "isNewContact": True},
    ],
}


def test_a_ring_for_an_unknown_number_asks_the_server_once_and_pops_its_answer():
    shim = Shim(**CONNECTED)
    [lookup] = of(shim.send(ring()), "fetch")
    assert lookup["request"]["method"] == "GET"
    assert lookup["request"]["url"].startswith(f"{SERVER}/contact?")
    assert query(lookup) == {"jwtToken": ["jwt-1"], "phoneNumber": ["+16505550123"]}
    assert lookup["timeoutMs"] < 30_000
    assert shim.send(ring())["actions"] == []  # a repeat while the lookup is out
    opened = shim.answer(lookup, 200, FOUND)
    assert [t["url"] for t in of(opened, "openTab")] == [f"https://{HOST}/contacts/7"]
    assert shim.send(ring())["actions"] == []  # and never again for this call


def test_the_overriding_formats_go_to_the_server():
    context = {
        **CONNECTED,
        "settings": {"serverUrl": SERVER, "overridingPhoneNumberFormat": "(***) ***-****"},
    }
    [lookup] = of(Shim(**context).send(ring()), "fetch")
    assert query(lookup)["overridingFormat"] == ["(***) ***-****"]


def test_a_server_that_is_down_opens_nothing_says_so_and_later_calls_ask_again():
    shim = Shim(**CONNECTED)
    [lookup] = of(shim.send(ring("s1")), "fetch")
    failed = shim.answer(lookup, 0, error="Failed to fetch")
    assert of(failed, "openTab") == []
    assert [e["code"] for e in failed["errors"]] == [ErrorCode.SERVER_UNREACHABLE]
    [notice] = of(failed, "notify")
    assert notice["level"] == "error" and "did not answer" in notice["message"]
    assert shim.send(ring("s1"))["actions"] == []  # flapping of the failed call: no retry storm
    [again] = of(shim.send(ring("s2")), "fetch")
    opened = shim.answer(again, 200, FOUND)
    assert [t["url"] for t in of(opened, "openTab")] == [f"https://{HOST}/contacts/7"]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"successful": False, "message": "boom"}),
        (200, {"successful": False}),
        (200, "not json"),
        (401, {"successful": False, "message": "bad token"}),
        (200, {"successful": True, "contact": "x"}),
    ],
)
def test_server_errors_open_nothing(status, body):
    shim = Shim(**CONNECTED)
    [lookup] = of(shim.send(ring()), "fetch")
    failed = shim.answer(lookup, status, body)
    assert of(failed, "openTab") == []
    assert [e["code"] for e in failed["errors"]] == [ErrorCode.SERVER_ERROR]


def test_no_match_on_the_server_is_no_contact_match():
    shim = Shim(**CONNECTED)
    [lookup] = of(shim.send(ring()), "fetch")
    answered = shim.answer(lookup, 200, {"successful": True, "contact": []})
    assert [e["code"] for e in answered["errors"]] == [ErrorCode.NO_CONTACT_MATCH]
    assert shim.send(ring())["actions"] == []


@pytest.mark.parametrize(
    "context",
    [{}, {"storage": {"rcUnifiedCrmExtJwt": "jwt-1"}}, {"settings": {"serverUrl": SERVER}}],
)
def test_without_a_server_session_nothing_is_fetched(context):
    response = Shim(**context).send(ring())
    assert of(response, "fetch") == []
    assert [e["code"] for e in response["errors"]] == [ErrorCode.NO_CONTACT_MATCH]


def test_a_result_nobody_waits_for_is_reported():
    response = Shim(**CONNECTED).answer({"id": "callpop:nope"}, 200, FOUND)
    assert response["actions"] == []
    assert [e["code"] for e in response["errors"]] == [ErrorCode.UNKNOWN_FETCH]


def test_contact_match_replies_once_every_number_is_answered():
    shim = Shim(contacts={"+16505550100": [{"id": "42", "name": "Jane"}]}, **CONNECTED)
    message = widget_message("request_contact_match")
    message["body"]["phoneNumbers"] = ["+16505550100", "+16505550123", "+16505550999"]
    asked = shim.send(message)
    assert of(asked, "reply") == []
    first, second = of(asked, "fetch")
    assert of(shim.answer(second, 0, error="timeout"), "reply") == []
    [reply] = of(shim.answer(first, 200, FOUND), "reply")
    assert reply["requestId"] == "6f1c2a90-0001"
    assert sorted(reply["data"]) == ["+16505550100", "+16505550123"]
    assert reply["data"]["+16505550123"][0]["id"] == "7"


def test_entity_match_asks_the_server_and_view_log_then_opens_the_log():
    shim = Shim(**CONNECTED)
    [lookup] = of(shim.send(widget_message("request_call_log_entity_match")), "fetch")
    assert query(lookup)["sessionIds"] == ["214705503020"]
    logs = {
        "successful": True,
        "logs": [
            {"sessionId": "214705503020", "matched": True, "logId": "9001"},
            {"sessionId": "x", "matched": False},
        ],
    }
    [reply] = of(shim.answer(lookup, 200, logs), "reply")
    assert reply["data"] == {"214705503020": [{"id": "9001", "note": ""}]}
    view = widget_message("request_view_log")  # the widget sends back what we replied
    view["body"]["call"]["activityMatches"] = reply["data"]["214705503020"]
    viewed = shim.send(view)
    assert [t["url"] for t in of(viewed, "openTab")] == [f"https://{HOST}/logs/9001"]
    del view["body"]["call"]["activityMatches"]  # without them, state remembers the log
    again = shim.send(view)
    assert [t["url"] for t in of(again, "openTab")] == [f"https://{HOST}/logs/9001"]


def test_entity_match_with_the_server_down_still_replies():
    shim = Shim(**CONNECTED)
    [lookup] = of(shim.send(widget_message("request_call_log_entity_match")), "fetch")
    [reply] = of(shim.answer(lookup, 0, error="refused"), "reply")
    assert reply["data"] == {}


def test_logout_ends_the_server_session_and_warns_when_it_cannot():
    shim = Shim(**CONNECTED)
    out = shim.send(widget_message("request_authorize_toggle"))
    [end] = of(out, "fetch")
    assert end["request"]["method"] == "POST" and "/unAuthorize?" in end["request"]["url"]
    assert [a["keys"] for a in of(out, "removeStorage")] == [["rcUnifiedCrmExtJwt"]]
    assert of(shim.answer(end, 200, {"successful": True}), "notify") == []
    out = Shim(**CONNECTED).send(widget_message("request_authorize_toggle"))
    shim.state = out["state"]
    [warning] = of(shim.answer(of(out, "fetch")[0], 0, error="down"), "notify")
    assert warning["level"] == "warning"


def connect(shim: Shim, api_key: str) -> dict[str, Any]:
    return shim.send(
        {
            "type": "rc-post-message-request",
            "requestId": "b2",
            "path": "/crm-callbacks/button-click",
            "body": {"button": {"id": "crmCallbacksApiKeyLogin", "formData": {"apiKey": api_key}}},
        }
    )


def test_connect_shows_the_api_key_form_and_stores_the_servers_token():
    shim = Shim(settings={"serverUrl": SERVER})
    shim.send({**widget_message("login_status")})
    offered = shim.send(widget_message("request_authorize_toggle"))
    page, navigate = (a["message"] for a in of(offered, "post"))
    assert page["page"]["id"] == "crmCallbacksApiKeyLogin"
    assert navigate["path"] == "/customized/crmCallbacksApiKeyLogin"
    asked = connect(shim, " key-1 ")
    [login] = of(asked, "fetch")
    assert login["request"]["url"] == f"{SERVER}/apiKeyLogin"
    assert login["request"]["body"] == {
        "platform": "testCRM",
        "apiKey": "key-1",
        "hostname": HOST,
        "rcUserNumber": "+16505550199*101",
    }
    assert [a["data"] for a in of(asked, "reply")] == ["ok"]
    done = shim.answer(login, 200, {"successful": True, "jwtToken": "jwt-9"})
    assert of(done, "setStorage") == [
        {"type": "setStorage", "items": {"rcUnifiedCrmExtJwt": "jwt-9"}}
    ]
    assert {"type": "rc-adapter-update-authorization-status", "authorized": True} in [
        a["message"] for a in of(done, "post")
    ]


def test_a_refused_api_key_is_reported_and_stores_nothing():
    shim = Shim(settings={"serverUrl": SERVER})
    [login] = of(connect(shim, "wrong"), "fetch")
    refused = shim.answer(login, 401, {"successful": False, "message": "Invalid API key"})
    assert of(refused, "setStorage") == []
    assert "Invalid API key" in of(refused, "notify")[0]["message"]


def test_an_empty_api_key_is_answered_with_an_error():
    response = connect(Shim(settings={"serverUrl": SERVER}), "  ")
    assert of(response, "fetch") == []
    assert [a["data"] for a in of(response, "reply")] == ["ok"]
    assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_MESSAGE]


@pytest.mark.parametrize(
    ("host", "words"), [("acme.pipedrive.com", "OAuth"), (HOST, "needs an App Connect server")]
)
def test_connect_explains_what_it_cannot_do(host, words):
    response = Shim(host).send(widget_message("request_authorize_toggle"))
    assert words in of(response, "notify")[0]["message"]
