"""Open log page, deauthorize, service registration, matching and prompt-to-select."""

from __future__ import annotations

from typing import Any

import pytest

from crm_callbacks import ErrorCode, dispatch
from tests.conftest import WIDGET_MESSAGES, make_request, widget_message
from tests.unit.test_adapters import BULLHORN_STORAGE, EXPECTED_URLS

JWT = {"rcUnifiedCrmExtJwt": "jwt-1"}
JANE = {"+16505550100": [{"id": "42", "name": "Jane Doe", "type": "Contact"}]}
LOGGED_IN = WIDGET_MESSAGES["widget_to_parent"]["login_status"]


def request(name: str, **body: Any) -> dict[str, Any]:
    message = widget_message(name)
    message["body"].update(body)
    return message


def bare_view_log() -> dict[str, Any]:
    """ "View log details" carrying neither activity matches nor a chosen contact: what
    the router then knows comes from state and ``context.contacts`` only."""
    message = widget_message("request_view_log")
    del message["body"]["contact"], message["body"]["call"]["activityMatches"]
    return message


def by_type(response: dict[str, Any], action_type: str) -> list[dict[str, Any]]:
    return [a for a in response["actions"] if a["type"] == action_type]


def replies(response: dict[str, Any]) -> list[Any]:
    return [(a["requestId"], a["data"]) for a in by_type(response, "reply")]


def codes(response: dict[str, Any]) -> list[str]:
    return [e["code"] for e in response["errors"]]


# --- service registration ----------------------------------------------------------


@pytest.mark.parametrize(("storage", "authorized"), [(JWT, True), ({}, False)])
def test_login_registers_the_crm_as_the_widget_service(storage, authorized):
    response = dispatch(make_request(LOGGED_IN, storage=storage))
    [action] = response["actions"]
    service = action["message"]["service"]
    assert action["message"]["type"] == "rc-adapter-register-third-party-service"
    assert service == {
        **WIDGET_MESSAGES["parent_to_widget"]["register_service"]["service"],
        "authorized": authorized,
        "buttonEventPath": "/crm-callbacks/button-click",
        "viewMatchedContactPath": "/contacts/view",
        "callLoggerAutoLogSettingHidden": True,
        "callLoggerAutoSettingReadOnly": True,
        "callLoggerAutoSettingReadOnlyValue": False,
        "callLoggerHideEditLogButton": True,
    }


def test_logging_out_of_ringcentral_registers_nothing():
    response = dispatch(make_request({**LOGGED_IN, "loggedIn": False}))
    assert response["actions"] == []


# --- open log page -----------------------------------------------------------------


VIEW_LOG_ROWS = [(p, h, c, cu, lu) for p, h, c, cu, lu in EXPECTED_URLS]


@pytest.mark.parametrize(("platform", "host", "contact", "contact_url", "log_url"), VIEW_LOG_ROWS)
def test_view_log_opens_the_log_page_or_else_the_contact_page(
    platform, host, contact, contact_url, log_url
):
    contacts = {"+16505550100": [{"id": contact.id, "type": contact.type}]}
    message = request("request_view_log", logId="9001")
    response = dispatch(
        make_request(message, hostname=host, contacts=contacts, storage=BULLHORN_STORAGE)
    )
    assert codes(response) == []
    [tab] = by_type(response, "openTab")
    assert tab["url"] == (log_url or contact_url)
    assert replies(response) == [("6f1c2a90-0003", "ok")]


def test_view_log_finds_the_log_id_the_entity_matcher_reported():
    state = {"v": 1, "popped": [], "matches": {}, "logs": {"214705503020": "77"}}
    message = bare_view_log()
    response = dispatch(make_request(message, hostname="crm.testcrm.localhost", state=state))
    assert [t["url"] for t in by_type(response, "openTab")] == [
        "https://crm.testcrm.localhost/logs/77"
    ]


def test_view_log_without_a_known_log_opens_the_contact_and_says_so():
    message = bare_view_log()
    response = dispatch(make_request(message, hostname="crm.testcrm.localhost", contacts=JANE))
    assert [t["url"] for t in by_type(response, "openTab")] == [
        "https://crm.testcrm.localhost/contacts/42"
    ]
    [notice] = by_type(response, "notify")
    assert "No log record" in notice["message"]


def test_view_log_of_an_outbound_call_uses_the_callee():
    message = bare_view_log()
    message["body"]["call"].update(direction="Outbound", to={"phoneNumber": "+16505550177"})
    contacts = {"+16505550177": [{"id": "5"}]}
    response = dispatch(make_request(message, contacts=contacts))
    assert [t["url"] for t in by_type(response, "openTab")] == [
        "https://acme.pipedrive.com/person/5"
    ]


def test_view_log_with_no_contact_replies_and_tells_the_user():
    response = dispatch(make_request(bare_view_log()))
    assert by_type(response, "openTab") == []
    assert codes(response) == [ErrorCode.NO_CONTACT_MATCH]
    assert replies(response) == [("6f1c2a90-0003", "ok")]
    assert by_type(response, "notify")[0]["level"] == "error"


def test_other_logger_triggers_are_answered_and_explained():
    message = request("request_view_log", triggerType="createLog")
    response = dispatch(make_request(message, contacts=JANE))
    assert by_type(response, "openTab") == []
    assert replies(response) == [("6f1c2a90-0003", "ok")]
    assert "not supported yet" in by_type(response, "notify")[0]["message"]


# --- deauthorize -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "crm_keys"),
    [
        ("acme.pipedrive.com", []),
        ("crm.testcrm.localhost", []),
        (
            "app.bullhornstaffing.com",
            ["crm_extension_bullhornUsername", "crm_extension_bullhorn_user_urls"],
        ),
    ],
)
def test_logout_removes_the_crm_and_session_keys_and_tells_the_widget(host, crm_keys):
    storage = {**JWT, **BULLHORN_STORAGE}
    state = {"v": 1, "popped": ["callpop:1"], "matches": {"+1": [{"id": "1"}]}, "logs": {"s": "l"}}
    response = dispatch(
        make_request(
            widget_message("request_authorize_toggle"), hostname=host, storage=storage, state=state
        )
    )
    removed = [key for a in by_type(response, "removeStorage") for key in a["keys"]]
    assert removed == [*crm_keys, "rcUnifiedCrmExtJwt"]
    assert [a["message"] for a in by_type(response, "post")] == [
        WIDGET_MESSAGES["parent_to_widget"]["authorization_status"]
    ]
    assert replies(response) == [("6f1c2a90-0004", "ok")]
    assert response["state"]["matches"] == {} and response["state"]["logs"] == {}
    assert response["state"]["popped"] == ["callpop:1"]


def test_authorize_while_not_connected_removes_nothing():
    response = dispatch(make_request(widget_message("request_authorize_toggle")))
    assert by_type(response, "removeStorage") == []
    assert replies(response) == [("6f1c2a90-0004", "ok")]
    assert by_type(response, "notify")


# --- matching ----------------------------------------------------------------------


def test_contact_match_replies_with_known_contacts_in_the_widget_shape():
    message = request("request_contact_match", phoneNumbers=["+16505550100", "+16505550111"])
    response = dispatch(make_request(message, contacts=JANE))
    [jane] = WIDGET_MESSAGES["parent_to_widget"]["response_contact_match"]["response"]["data"][
        "+16505550100"
    ]
    # ``type`` is the registered service name; the CRM record type goes in entityType.
    ours = {**jane, "type": "Pipedrive", "entityType": "Contact"}
    assert replies(response) == [("6f1c2a90-0001", {"+16505550100": [ours]})]
    assert "+16505550100" in response["state"]["matches"]


def test_entity_match_replies_with_logs_kept_in_state():
    state = {"v": 1, "popped": [], "matches": {}, "logs": {"214705503020": "9001"}}
    response = dispatch(make_request(widget_message("request_call_log_entity_match"), state=state))
    assert replies(response) == [("6f1c2a90-0002", {"214705503020": [{"id": "9001", "note": ""}]})]


@pytest.mark.parametrize(
    ("name", "body", "answer"),
    [
        ("request_contact_match", {"phoneNumbers": "+1650"}, {}),
        ("request_call_log_entity_match", {"sessionIds": [1]}, {}),
        ("request_view_log", {"call": None}, "ok"),
    ],
)
def test_a_bad_request_body_still_gets_a_neutral_reply(name, body, answer):
    response = dispatch(make_request(request(name, **body)))
    assert codes(response) == [ErrorCode.BAD_MESSAGE]
    assert [data for _, data in replies(response)] == [answer]
    assert by_type(response, "openTab") == []


def test_an_unknown_path_gets_a_reply_and_an_error():
    message = {"type": "rc-post-message-request", "requestId": "r1", "path": "/nope", "body": {}}
    response = dispatch(make_request(message))
    assert codes(response) == [ErrorCode.BAD_MESSAGE]
    assert replies(response) == [("r1", "ok")]


def test_a_request_on_an_unknown_crm_page_is_still_answered():
    response = dispatch(make_request(widget_message("request_contact_match"), hostname="x.org"))
    assert codes(response) == [ErrorCode.UNKNOWN_PLATFORM]
    assert replies(response) == [("6f1c2a90-0001", {})]


def test_a_malformed_request_envelope_is_still_answered():
    raw = make_request(widget_message("request_view_log"))
    raw["context"]["settings"] = "not an object"
    response = dispatch(raw)
    assert codes(response) == [ErrorCode.BAD_REQUEST]
    assert replies(response) == [("6f1c2a90-0003", "ok")]


def test_a_request_without_a_request_id_cannot_be_answered():
    message = {"type": "rc-post-message-request", "path": "/authorize"}
    response = dispatch(make_request(message, storage=JWT))
    assert response["actions"] == []
    assert codes(response) == [ErrorCode.BAD_MESSAGE]


# --- prompt to select --------------------------------------------------------------

TWO = {
    "+16505550100": [
        {"id": "1", "name": "Ann", "type": "Contact"},
        {"id": "2", "name": "Bob", "type": "Contact"},
    ]
}


def ring(host: str = "acme.pipedrive.com", **context: Any) -> dict[str, Any]:
    return dispatch(
        make_request(widget_message("active_call_ringing_inbound"), hostname=host, **context)
    )


def pick(
    index: str, state: dict[str, Any], host: str = "acme.pipedrive.com", **context: Any
) -> dict[str, Any]:
    message = {
        "type": "rc-post-message-request",
        "requestId": "b1",
        "path": "/crm-callbacks/button-click",
        "body": {"button": {"id": "crmCallbacksChooseContact", "formData": {"contact": index}}},
    }
    return dispatch(make_request(message, hostname=host, state=state, **context))


def test_prompt_to_select_shows_a_chooser_and_opens_the_pick():
    settings = {"multiContactMatchBehavior": "promptToSelect"}
    offered = ring(contacts=TWO, settings=settings)
    assert by_type(offered, "openTab") == []
    register, navigate = (a["message"] for a in by_type(offered, "post"))
    assert register["type"] == "rc-adapter-register-customized-page"
    options = register["page"]["schema"]["properties"]["contact"]["oneOf"]
    assert [o["title"] for o in options] == ["Ann (Contact, #1)", "Bob (Contact, #2)"]
    assert navigate == {
        "type": "rc-adapter-navigate-to",
        "path": "/customized/crmCallbacksChooseContact",
    }
    picked = pick("1", offered["state"])
    assert [t["url"] for t in by_type(picked, "openTab")] == ["https://acme.pipedrive.com/person/2"]
    assert replies(picked) == [("b1", "ok")]
    again = pick("1", picked["state"])
    assert by_type(again, "openTab") == []
    assert codes(again) == [ErrorCode.CHOICE_EXPIRED]
    assert replies(again) == [("b1", "ok")]


def test_bullhorn_prompts_even_when_set_to_open_all():
    offered = ring("app.bullhornstaffing.com", contacts=TWO, storage=BULLHORN_STORAGE)
    assert by_type(offered, "openTab") == []
    assert by_type(offered, "post")[0]["message"]["type"] == "rc-adapter-register-customized-page"
    picked = pick("0", offered["state"], "app.bullhornstaffing.com", storage=BULLHORN_STORAGE)
    [tab] = by_type(picked, "openTab")
    assert tab["popup"] is True and tab["active"] is False
    assert "Entity=Contact&id=1" in tab["url"]


@pytest.mark.parametrize("index", ["2", "-1", "x", None])
def test_a_pick_outside_the_chooser_opens_nothing(index):
    offered = ring(contacts=TWO, settings={"multiContactMatchBehavior": "promptToSelect"})
    response = pick(index, offered["state"])
    assert by_type(response, "openTab") == []
    assert codes(response) == [ErrorCode.BAD_MESSAGE]


def test_a_pick_from_another_crm_page_opens_nothing():
    offered = ring(contacts=TWO, settings={"multiContactMatchBehavior": "promptToSelect"})
    response = pick("0", offered["state"], "crm.testcrm.localhost")
    assert by_type(response, "openTab") == []
    assert codes(response) == [ErrorCode.CHOICE_EXPIRED]


# --- no-match fallback -------------------------------------------------------------


def test_no_match_opens_the_fallback_only_when_enabled():
    assert by_type(ring("crm.testcrm.localhost"), "openTab") == []
    response = ring("crm.testcrm.localhost", settings={"openFallbackOnNoMatch": True})
    assert [t["url"] for t in by_type(response, "openTab")] == [
        "https://crm.testcrm.localhost/contacts?phone=%2B16505550100"
    ]
    assert codes(response) == [ErrorCode.NO_CONTACT_MATCH]


def test_a_user_fallback_url_overrides_the_adapters():
    settings = {
        "openFallbackOnNoMatch": True,
        "fallbackContactPageUrls": {"pipedrive": "https://{hostname}/search?q={phoneNumber}"},
    }
    response = ring(settings=settings)
    assert [t["url"] for t in by_type(response, "openTab")] == [
        "https://acme.pipedrive.com/search?q=%2B16505550100"
    ]


def test_a_fallback_url_off_the_crm_host_is_refused():
    settings = {
        "openFallbackOnNoMatch": True,
        "fallbackContactPageUrls": {"pipedrive": "https://evil.com/?q={phoneNumber}"},
    }
    response = ring(settings=settings)
    assert by_type(response, "openTab") == []
    assert codes(response) == [ErrorCode.NO_CONTACT_MATCH, ErrorCode.UNSAFE_URL]


def test_a_crm_without_a_fallback_opens_nothing():
    response = ring(settings={"openFallbackOnNoMatch": True})
    assert by_type(response, "openTab") == []
