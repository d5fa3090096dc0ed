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
SESSION = {"rcUnifiedCrmExtJwt": "jwt-1", "crmCallbacksSessionServer": SERVER}
CONNECTED = {"storage": SESSION, "settings": {"serverUrl": SERVER}}
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
    assert query(lookup) == {"phoneNumber": ["+16505550123"]}  # overridingFormat: empty
    assert "overridingFormat=" in lookup["request"]["url"]
    assert lookup["request"]["headers"] == {"Authorization": "Bearer jwt-1"}
    assert "jwt-1" not in lookup["request"]["url"]
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
        (200, "not json"),
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
    [
        {},
        {"storage": SESSION},
        {"settings": {"serverUrl": SERVER}},
        # a token issued by another server is never sent to this one
        {
            "storage": {**SESSION, "crmCallbacksSessionServer": "https://a.example"},
            "settings": {"serverUrl": SERVER},
        },
        {"storage": {"rcUnifiedCrmExtJwt": "jwt-1"}, "settings": {"serverUrl": SERVER}},
    ],
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
    assert end["request"]["method"] == "POST" and end["request"]["url"] == f"{SERVER}/unAuthorize"
    assert end["request"]["headers"] == {"Authorization": "Bearer jwt-1"}
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
        "additionalInfo": {"apiKey": "key-1"},
        "rcUserNumber": "+16505550199*101",
    }
    assert [a["data"] for a in of(asked, "reply")] == ["ok"]
    welcome = {"messageType": "success", "message": "Welcome, Demo user", "ttl": 1000}
    done = shim.answer(login, 200, {"jwtToken": "jwt-9", "name": "D", "returnMessage": welcome})
    assert of(done, "setStorage") == [
        {
            "type": "setStorage",
            "items": {"rcUnifiedCrmExtJwt": "jwt-9", "crmCallbacksSessionServer": SERVER},
        }
    ]
    assert [n["message"] for n in of(done, "notify")] == ["Welcome, Demo user"]
    assert all("jwt-9" not in n["message"] for n in of(done, "notify"))
    assert {"type": "rc-adapter-update-authorization-status", "authorized": True} in [
        a["message"] for a in of(done, "post")
    ]


def test_a_refused_api_key_is_reported_and_stores_nothing():
    shim = Shim(settings={"serverUrl": SERVER})
    [login] = of(connect(shim, "wrong"), "fetch")
    message = {"messageType": "warning", "message": "Invalid API key", "ttl": 3000}
    refused = shim.answer(login, 400, {"returnMessage": message})
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


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"successful": False, "returnMessage": {"message": "Contact not found"}}),
        (401, {"successful": False, "errorCode": "CRM_SESSION_REVOKED"}),
        (400, "Please go to Settings and authorize CRM platform"),
    ],
)
def test_an_ended_session_signs_out_here_with_one_notice(status, body):
    shim = Shim(**CONNECTED)
    message = widget_message("request_contact_match")
    message["body"]["phoneNumbers"] = ["+16505550123", "+16505550999"]
    first, second = of(shim.send(message), "fetch")
    ended = shim.answer(first, status, body)
    assert [a["keys"] for a in of(ended, "removeStorage")] == [["rcUnifiedCrmExtJwt"]]
    assert {"type": "rc-adapter-update-authorization-status", "authorized": False} in [
        a["message"] for a in of(ended, "post")
    ]
    [notice] = of(ended, "notify")
    assert "session ended" in notice["message"]
    shim.context = {"settings": {"serverUrl": SERVER}, "storage": {}}  # the shim removed it
    again = shim.answer(second, status, body)
    assert of(again, "notify") == [] and of(again, "removeStorage") == []
    [reply] = of(again, "reply")
    assert reply["data"] == {}
    assert of(shim.send(ring("later")), "fetch") == []  # no lookups without a session


def test_a_renewed_token_in_the_answer_headers_is_kept():
    shim = Shim(**CONNECTED)
    [lookup] = of(shim.send(ring()), "fetch")
    assert lookup["responseHeaders"] == ["x-refreshed-jwt-token"]
    result = {
        "type": "crm-callbacks-fetch-result",
        "id": lookup["id"],
        "status": 200,
        "body": FOUND,
        "headers": {"x-refreshed-jwt-token": "a.b.c"},
    }
    answered = shim.send(result)
    assert {"type": "setStorage", "items": {"rcUnifiedCrmExtJwt": "a.b.c"}} in answered["actions"]
    assert of(answered, "openTab")


def test_call_logs_are_asked_five_sessions_at_a_time():
    shim = Shim(**CONNECTED)
    message = widget_message("request_call_log_entity_match")
    ids = [f"s{i}" for i in range(7)]
    message["body"]["sessionIds"] = ids
    first, second = of(shim.send(message), "fetch")
    assert query(first)["sessionIds"] == [",".join(ids[:5])]
    assert query(second)["sessionIds"] == [",".join(ids[5:])]
    logs = {"successful": True, "logs": [{"sessionId": "s6", "matched": True, "logId": "L6"}]}
    assert of(shim.answer(second, 200, logs), "reply") == []
    [reply] = of(shim.answer(first, 200, {"successful": True, "logs": []}), "reply")
    assert reply["data"] == {"s6": [{"id": "L6", "note": ""}]}


def test_a_manifest_sign_in_page_asks_its_fields_and_sends_them_as_additional_info():
    from crm_callbacks.rules.authorization import sign_in_page

    manifest_page = {
        "title": "Redtail",
        "content": [
            {"const": "note", "type": "string", "uiSchema": {"ui:field": "typography"}},
            {"const": "username", "title": "username", "type": "string", "required": True},
            {
                "const": "password",
                "title": "password",
                "type": "string",
                "required": True,
                "uiSchema": {"ui:widget": "password"},
            },
        ],
    }
    page = sign_in_page("Redtail", manifest_page)
    assert page["schema"]["required"] == ["username", "password"]
    assert page["uiSchema"]["password"] == {"ui:widget": "password"}
    assert page["title"] == "Redtail"


def test_a_manifests_auth_oauth_makes_an_oauth_platform():
    from crm_callbacks.adapters import Registry, default_registry
    from crm_callbacks.adapters.app_connect import load_manifest

    registry = Registry([default_registry().get("testCRM")])
    oauth = {"authUrl": "https://auth.example/authorize", "clientId": "c1", "scope": "scope=a b"}
    load_manifest(registry, {"platforms": {"testCRM": {"auth": {"type": "oauth", "oauth": oauth}}}})
    adapter = registry.get("testCRM")
    assert adapter is not None and adapter.auth_type == "oauth" and adapter.oauth == oauth


def test_oauth_flow_through_the_contract():
    from dataclasses import replace

    from crm_callbacks.adapters import default_registry

    registry = default_registry()
    oauth = {"authUrl": "https://auth.example/authorize", "clientId": "c1"}
    testcrm = registry.get("testCRM")
    registry.register(replace(testcrm, auth_type="oauth", oauth=oauth), replace=True)
    redirect = "https://abc.chromiumapp.org/"
    shim = Shim(settings={"serverUrl": SERVER}, identity={"redirectUrl": redirect})
    try:
        [flow] = of(shim.send(widget_message("request_authorize_toggle")), "authFlow")
        query = parse_qs(urlsplit(flow["url"]).query)
        assert flow["url"].startswith("https://auth.example/authorize?")
        assert query == {
            "response_type": ["code"],
            "client_id": ["c1"],
            "state": ["platform=testCRM"],
            "redirect_uri": [redirect],
        }
        back = shim.send(
            {
                "type": "crm-callbacks-auth-result",
                "id": flow["id"],
                "url": f"{redirect}?code=xyz&state=platform%3DtestCRM",
            }
        )
        [exchange] = of(back, "fetch")
        assert exchange["request"]["url"].startswith(f"{SERVER}/oauth-callback?")
        assert query_of(exchange)["callbackUri"] == [
            f"{redirect}?code=xyz&state=platform%3DtestCRM"
        ]
        done = shim.answer(exchange, 200, {"jwtToken": "a.b.c", "name": "D", "returnMessage": None})
        assert {"rcUnifiedCrmExtJwt": "a.b.c", "crmCallbacksSessionServer": SERVER} in [
            a["items"] for a in of(done, "setStorage")
        ]
        refused = shim.send({"type": "crm-callbacks-auth-result", "id": flow["id"], "url": None})
        assert [e["code"] for e in refused["errors"]] == [ErrorCode.UNKNOWN_FETCH]
    finally:
        registry.register(testcrm, replace=True)


def query_of(fetch: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(urlsplit(fetch["request"]["url"]).query)


@pytest.mark.parametrize(
    ("host", "form", "additional"),
    [
        (
            "acme.insightly.com",
            {"apiKey": "k", "apiUrl": "https://api.na1.insightly.com"},
            {"apiKey": "k", "apiUrl": "https://api.na1.insightly.com"},
        ),
        ("acme.redtailtechnology.com", {"username": "u", "password": "p"}, None),
        ("acme.freshdesk.com", {"apiKey": "k", "fdDomain": "acme.freshdesk.com"}, None),
    ],
)
def test_api_key_crms_ask_for_their_fields_and_send_them_as_additional_info(host, form, additional):
    shim = Shim(host, settings={"serverUrl": SERVER})
    offered = shim.send(widget_message("request_authorize_toggle"))
    page = of(offered, "post")[0]["message"]["page"]
    assert page["schema"]["required"] == list(form)
    missing = {**form, list(form)[-1]: " "}
    refused = shim.send(
        {
            "type": "rc-post-message-request",
            "requestId": "b1",
            "path": "/crm-callbacks/button-click",
            "body": {"button": {"id": "crmCallbacksApiKeyLogin", "formData": missing}},
        }
    )
    assert of(refused, "fetch") == []
    assert [e["code"] for e in refused["errors"]] == [ErrorCode.BAD_MESSAGE]
    asked = shim.send(
        {
            "type": "rc-post-message-request",
            "requestId": "b2",
            "path": "/crm-callbacks/button-click",
            "body": {"button": {"id": "crmCallbacksApiKeyLogin", "formData": form}},
        }
    )
    [login] = of(asked, "fetch")
    assert login["request"]["body"]["additionalInfo"] == (additional or form)


BULLHORN = "app.bullhornstaffing.com"
LOGIN_INFO = {
    "atsUrl": "https://cls91.bullhornstaffing.com",
    "oauthUrl": "https://auth-west9.bullhornstaffing.com/oauth",
    "restUrl": "https://rest-west9.bullhornstaffing.com/rest-services/abc1/",
}


def bullhorn_oauth_registry() -> Any:
    from dataclasses import replace

    from crm_callbacks.adapters import default_registry

    registry = default_registry()
    original = registry.get("bullhorn")
    oauth = {"authUrl": "https://auth.bullhornstaffing.com/oauth/authorize", "clientId": "c1"}
    registry.register(replace(original, oauth=oauth), replace=True)
    return registry, original


def test_bullhorn_connect_looks_the_user_up_stores_the_ats_url_then_signs_in_at_their_oauth():
    registry, original = bullhorn_oauth_registry()
    redirect = "https://abc.chromiumapp.org/"
    shim = Shim(BULLHORN, settings={"serverUrl": SERVER}, identity={"redirectUrl": redirect})
    try:
        asked = shim.send(widget_message("request_authorize_toggle"))
        page = of(asked, "post")[0]["message"]["page"]
        assert page["id"] == "crmCallbacksUserLookup" and page["schema"]["required"] == ["username"]
        looked = shim.send(
            {
                "type": "rc-post-message-request",
                "requestId": "u1",
                "path": "/crm-callbacks/button-click",
                "body": {
                    "button": {"id": "crmCallbacksUserLookup", "formData": {"username": "jo"}}
                },
            }
        )
        [lookup] = of(looked, "fetch")
        assert lookup["request"]["url"] == (
            "https://rest.bullhornstaffing.com/rest-services/loginInfo?username=jo"
        )
        answered = shim.answer(lookup, 200, LOGIN_INFO)
        assert of(answered, "setStorage") == [
            {
                "type": "setStorage",
                "items": {
                    "crm_extension_bullhorn_user_urls": LOGIN_INFO,
                    "crm_extension_bullhornUsername": "jo",
                },
            }
        ]
        [flow] = of(answered, "authFlow")
        assert flow["url"].startswith("https://auth-west9.bullhornstaffing.com/oauth/authorize?")
        assert parse_qs(urlsplit(flow["url"]).query)["action"] == ["Login"]
        shim.context["storage"] = {
            "crm_extension_bullhorn_user_urls": LOGIN_INFO,
            "crm_extension_bullhornUsername": "jo",
        }
        back = shim.send(
            {"type": "crm-callbacks-auth-result", "id": flow["id"], "url": f"{redirect}?code=z"}
        )
        [exchange] = of(back, "fetch")
        sent = query_of(exchange)
        assert sent["tokenUrl"] == ["https://auth-west9.bullhornstaffing.com/oauth/token"]
        assert sent["apiUrl"] == ["https://rest-west9.bullhornstaffing.com/rest-services/abc1"]
        assert sent["username"] == ["jo"]
        # after the sign-in a Bullhorn pop opens on the stored ATS cluster
        ring_storage = {**shim.context["storage"], **SESSION}
        popped = Shim(
            BULLHORN,
            settings={"serverUrl": SERVER},
            storage=ring_storage,
            contacts={"+16505550123": [{"id": "5", "name": "Jo", "type": "Candidate"}]},
        ).send(ring())
        assert [t["url"] for t in of(popped, "openTab")] == [
            "https://cls91.bullhornstaffing.com/BullhornStaffing/OpenWindow.cfm"
            "?Entity=Candidate&id=5&view=Overview"
        ]
    finally:
        registry.register(original, replace=True)


@pytest.mark.parametrize(
    "bad",
    [
        {**LOGIN_INFO, "oauthUrl": "https://evil.com/oauth"},
        {**LOGIN_INFO, "restUrl": "https://rest.bullhornstaffing.com.evil.com/x"},
        {**LOGIN_INFO, "oauthUrl": "http://auth.bullhornstaffing.com/oauth"},
        {"atsUrl": "https://cls91.bullhornstaffing.com"},
    ],
)
def test_a_bullhorn_lookup_answer_off_bullhorn_hosts_is_refused_and_stores_nothing(bad):
    registry, original = bullhorn_oauth_registry()
    shim = Shim(BULLHORN, settings={"serverUrl": SERVER}, identity={"redirectUrl": "https://a/"})
    try:
        shim.send(widget_message("request_authorize_toggle"))
        looked = shim.send(
            {
                "type": "rc-post-message-request",
                "requestId": "u1",
                "path": "/crm-callbacks/button-click",
                "body": {
                    "button": {"id": "crmCallbacksUserLookup", "formData": {"username": "jo"}}
                },
            }
        )
        answered = shim.answer(of(looked, "fetch")[0], 200, bad)
        assert of(answered, "setStorage") == [] and of(answered, "authFlow") == []
        assert [e["code"] for e in answered["errors"]] == [ErrorCode.MISSING_STORAGE]
    finally:
        registry.register(original, replace=True)
