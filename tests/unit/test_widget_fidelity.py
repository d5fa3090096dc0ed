"""The real widget's behaviour (ringcentral-embeddable 2.3.x, docs/widget.md), rule by rule.

One call seen through both kinds of event pops once; only our service's contacts
pop; our replies carry the service name; "View log details" and "View contact
details" work from what the widget sends; no dead auto-log control; the widget is
asked to match again after connecting.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_callbacks import ErrorCode, dispatch
from crm_callbacks.state import MAX_ASKED, MAX_POPPED
from tests.conftest import make_request, our_ring, widget_message
from tests.unit.test_server_effects import CONNECTED, HOST, SERVER, Shim, connect, of

JANE_URL = "https://acme.pipedrive.com/person/42"
JANE = {"+16505550100": [{"id": "42", "name": "Jane Doe"}]}
TSID = "s-a0d7e5b3c1"
OUTBOUND_NUMBER = "+16505550100"


class Phone:
    """Feeds events through `dispatch` as the shim does, carrying state along."""

    def __init__(self, hostname: str = "acme.pipedrive.com", **context: Any) -> None:
        self.hostname, self.context = hostname, context
        self.state: dict[str, Any] = {}
        self.errors: list[str] = []
        self.actions: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> list[str]:
        request = make_request(message, hostname=self.hostname, state=self.state, **self.context)
        response = dispatch(request)
        self.state = response["state"]
        self.errors += [error["code"] for error in response["errors"]]
        self.actions = response["actions"]
        return [a["url"] for a in response["actions"] if a["type"] == "openTab"]


def active(name: str = "active_call_ringing_inbound", **changes: Any) -> dict[str, Any]:
    return widget_message(name, **changes)


def web_phone(kind: str, direction: str = "Inbound", **changes: Any) -> dict[str, Any]:
    """A web-phone event of `kind` for the sample call (telephony id `TSID`)."""
    message = widget_message("webphone_ring")
    call = message["call"]
    message["type"] = kind
    call.pop("contactMatch")
    if direction == "Outbound":
        call.update(direction="Outbound", **{"from": "+16505550199", "to": OUTBOUND_NUMBER})
    call.update(changes)
    return message


def outbound_active(status: str) -> dict[str, Any]:
    return active("active_call_ringing_outbound", telephonyStatus=status, telephonySessionId=TSID)


# --- 1. one call, one pop, across event kinds ---------------------------------------

INBOUND_RING = [active(), web_phone("rc-call-ring-notify")]
INBOUND_ANSWER = [
    active("active_call_connected_inbound"),
    web_phone("rc-call-start-notify", callStatus="webphone-session-connected"),
]
OUTBOUND_RING = [outbound_active("Ringing"), web_phone("rc-call-init-notify", "Outbound")]
OUTBOUND_ANSWER = [
    outbound_active("CallConnected"),
    web_phone("rc-call-start-notify", "Outbound"),
]
CASES = {
    "inbound ring": ({}, INBOUND_RING),
    "inbound answer": ({"openContactPageFromIncomingCall": "onAnswer"}, INBOUND_ANSWER),
    "outbound ring": ({"openContactPageFromOutgoingCall": "onFirstRing"}, OUTBOUND_RING),
    "outbound answer": ({"openContactPageFromOutgoingCall": "onAnswer"}, OUTBOUND_ANSWER),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("order", ["active call first", "web phone first"])
def test_one_call_seen_through_both_kinds_of_event_pops_once(case, order):
    settings, events = CASES[case]
    first, second = events if order == "active call first" else events[::-1]
    phone = Phone(contacts=JANE, settings=settings)
    assert phone.send(copy.deepcopy(first)) == [JANE_URL]
    assert phone.send(copy.deepcopy(second)) == []
    assert phone.state["popped"] == [f"callpop:{TSID}"]


def test_a_no_match_call_opens_the_no_match_page_once_and_not_the_contact_after():
    phone = Phone("crm.testcrm.localhost", settings={"openFallbackOnNoMatch": True})
    [fallback] = phone.send(active())
    assert fallback.startswith("https://crm.testcrm.localhost/contacts?phone=")
    assert phone.send(our_ring("crm.testcrm.localhost")) == []  # the same call's web phone


def test_a_web_phone_event_before_the_call_has_its_telephony_id_waits_for_one_that_has():
    phone = Phone(contacts=JANE, settings={"openContactPageFromOutgoingCall": "onFirstRing"})
    assert phone.send(web_phone("rc-call-init-notify", "Outbound", partyData=None)) == []
    assert phone.errors == []
    assert phone.send(outbound_active("Ringing")) == [JANE_URL]
    assert phone.send(web_phone("rc-call-init-notify", "Outbound")) == []


def test_the_pop_memory_stays_bounded_over_calls_of_both_kinds():
    phone = Phone(contacts=JANE)
    for n in range(MAX_POPPED + 20):
        phone.send(active(telephonySessionId=f"t{n}"))
        phone.send(web_phone("rc-call-ring-notify", partyData={"sessionId": f"t{n}"}))
    assert len(phone.state["popped"]) == MAX_POPPED
    assert phone.send(active(telephonySessionId="t0")) == [JANE_URL]  # evicted: a new pop


# --- 2. only CRM records pop --------------------------------------------------------


@pytest.mark.parametrize("source", ["company", "personal", "Contact", "Bullhorn"])
def test_a_contact_match_from_another_source_opens_nothing(source):
    message = widget_message("webphone_ring_directory_match")
    message["call"]["contactMatch"]["type"] = source
    phone = Phone()
    assert phone.send(message) == []
    assert phone.errors == [ErrorCode.NO_CONTACT_MATCH]
    assert phone.state["matches"] == {}  # nor is it remembered as a CRM contact


def test_with_a_directory_contact_match_our_own_matches_open():
    message = widget_message("webphone_ring_directory_match")
    contacts = {"+16505550142": [{"id": "7"}]}
    assert Phone(contacts=contacts).send(message) == ["https://acme.pipedrive.com/person/7"]


def test_with_a_directory_contact_match_the_server_is_asked():
    shim = Shim(**CONNECTED)
    [lookup] = of(shim.send(widget_message("webphone_ring_directory_match")), "fetch")
    assert "+16505550142" in lookup["request"]["url"].replace("%2B", "+")


def test_only_our_entries_of_a_list_contact_match_count():
    message = our_ring(id="42")
    ours = message["call"]["contactMatch"]
    directory = {**ours, "id": "2298412004", "type": "company"}
    message["call"]["contactMatch"] = [directory, ours]
    assert Phone().send(message) == [JANE_URL]


# --- 3. replies the widget understands ----------------------------------------------


def test_contact_match_replies_name_our_service_and_the_record_type():
    message = widget_message("request_contact_match")
    phone = Phone("app.clio.com", contacts={"+16505550100": [{"id": "9", "type": "Company"}]})
    phone.send(message)
    [reply] = [a for a in phone.actions if a["type"] == "reply"]
    [contact] = reply["data"]["+16505550100"]
    assert (contact["type"], contact["entityType"]) == ("Clio", "Company")


def test_a_contact_without_a_record_type_is_replied_with_the_crm_default():
    phone = Phone("app.clio.com", contacts={"+16505550100": [{"id": "9"}]})
    phone.send(widget_message("request_contact_match"))
    [reply] = [a for a in phone.actions if a["type"] == "reply"]
    assert reply["data"]["+16505550100"][0]["entityType"] == "Person"


def test_our_replied_contact_read_back_keeps_its_record_type():
    contacts = {"+16505550100": [{"id": "9", "type": "Company"}]}
    replied = Phone("app.clio.com", contacts=contacts)
    replied.send(widget_message("request_contact_match"))
    [reply] = [a for a in replied.actions if a["type"] == "reply"]
    message = widget_message("webphone_ring")
    message["call"]["contactMatch"] = reply["data"]["+16505550100"][0]
    assert Phone("app.clio.com").send(message) == ["https://app.clio.com/nc/#/contacts/9"]


# --- 4. view log details from what the widget sends ---------------------------------


def test_view_log_opens_the_activity_match_the_widget_sent_over_state():
    state = {"v": 1, "popped": [], "matches": {}, "logs": {"214705503020": "77"}}
    phone = Phone("crm.testcrm.localhost")
    phone.state = state
    assert phone.send(widget_message("request_view_log")) == [
        "https://crm.testcrm.localhost/logs/log-9001"
    ]


def test_view_log_skips_status_entries():
    message = widget_message("request_view_log")
    message["body"]["call"]["activityMatches"] = [
        {"type": "status", "status": "pending", "id": "s"},
        {"id": "5", "note": ""},
    ]
    assert Phone("crm.testcrm.localhost").send(message) == ["https://crm.testcrm.localhost/logs/5"]


def test_view_log_without_a_log_page_opens_the_contact_the_user_chose():
    message = widget_message("request_view_log")  # Pipedrive cannot open log pages
    message["body"]["contact"]["id"] = "43"
    phone = Phone(contacts=JANE)  # state and context would say 42
    assert phone.send(message) == ["https://acme.pipedrive.com/person/43"]


def test_view_log_ignores_a_chosen_contact_that_is_not_ours():
    message = widget_message("request_view_log")
    message["body"]["contact"].update(id="2298412004", type="company")
    assert Phone(contacts=JANE).send(message) == [JANE_URL]


def test_log_match_replies_make_the_widget_show_view_log_details():
    state = {"v": 1, "popped": [], "matches": {}, "logs": {"214705503020": "9001"}}
    phone = Phone()
    phone.state = state
    phone.send(widget_message("request_call_log_entity_match"))
    [reply] = [a for a in phone.actions if a["type"] == "reply"]
    [entry] = reply["data"]["214705503020"]
    assert entry["id"] == "9001" and entry.get("type") != "status"


# --- 5. no dead controls ------------------------------------------------------------


def registration(hostname: str = "acme.pipedrive.com") -> dict[str, Any]:
    phone = Phone(hostname)
    phone.send(widget_message("login_status"))
    [post] = [a for a in phone.actions if a["type"] == "post"]
    return post["message"]["service"]


def test_the_auto_log_setting_is_hidden_and_locked_off():
    service = registration()
    assert service["callLoggerPath"] == "/callLogger"
    assert service["callLoggerAutoLogSettingHidden"] is True
    assert service["callLoggerAutoSettingReadOnly"] is True
    assert service["callLoggerAutoSettingReadOnlyValue"] is False
    assert service["callLoggerHideEditLogButton"] is True


@pytest.mark.parametrize("trigger", ["presenceUpdate", "callLogSync", "auto", None])
def test_call_updates_logged_by_the_widget_are_answered_without_a_notice(trigger):
    message = widget_message("request_view_log")
    message["body"]["triggerType"] = trigger
    phone = Phone(contacts=JANE)
    assert phone.send(message) == []
    assert [a["type"] for a in phone.actions] == ["reply"]


@pytest.mark.parametrize("trigger", ["createLog", "editLog", "logForm"])
def test_a_users_own_log_click_is_told_logging_is_not_supported(trigger):
    message = widget_message("request_view_log")
    message["body"]["triggerType"] = trigger
    phone = Phone(contacts=JANE)
    assert phone.send(message) == []
    assert [a["level"] for a in phone.actions if a["type"] == "notify"] == ["warning"]


# --- 6. view contact details --------------------------------------------------------


def view_contact(**changes: Any) -> dict[str, Any]:
    contact = {**widget_message("request_view_log")["body"]["contact"], **changes}
    return {
        "type": "rc-post-message-request",
        "requestId": "v1",
        "path": "/contacts/view",
        "body": contact,
    }


def test_view_matched_contact_path_is_registered():
    assert registration()["viewMatchedContactPath"] == "/contacts/view"


def test_view_contact_details_opens_the_record_and_replies():
    phone = Phone()
    assert phone.send(view_contact()) == [JANE_URL]
    assert [(a["requestId"], a["data"]) for a in phone.actions if a["type"] == "reply"] == [
        ("v1", "ok")
    ]


def test_view_contact_details_uses_the_record_type():
    message = view_contact(type="Clio", entityType="Company", id="9")
    assert Phone("app.clio.com").send(message) == ["https://app.clio.com/nc/#/contacts/9"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"type": "company"}, ErrorCode.BAD_CONTACT),
        ({"id": ".."}, ErrorCode.BAD_CONTACT),
        ({"id": None}, ErrorCode.BAD_CONTACT),
    ],
)
def test_view_contact_details_of_something_not_ours_opens_nothing(changes, code):
    phone = Phone()
    assert phone.send(view_contact(**changes)) == []
    assert phone.errors == [code]
    assert [a["data"] for a in phone.actions if a["type"] == "reply"] == ["ok"]


# --- 7. refresh after connect -------------------------------------------------------


def posted(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["message"] for a in of(response, "post")]


def test_connecting_asks_the_widget_to_match_again_what_it_asked_before():
    shim = Shim(settings={"serverUrl": SERVER})
    shim.send(widget_message("login_status"))
    shim.send(widget_message("request_contact_match"))  # no server session: no match
    shim.send(widget_message("request_call_log_entity_match"))
    [login] = of(connect(shim, "key-1"), "fetch")
    done = shim.answer(login, 200, {"successful": True, "jwtToken": "jwt-9"})
    messages = posted(done)
    assert {"type": "rc-adapter-trigger-contact-match", "phoneNumbers": ["+16505550100"]} in (
        messages
    )
    assert {"type": "rc-adapter-trigger-call-logger-match", "sessionIds": ["214705503020"]} in (
        messages
    )


def test_logging_out_asks_the_widget_to_match_again_too():
    shim = Shim(**CONNECTED)
    shim.send(widget_message("request_call_log_entity_match"))
    out = shim.send(widget_message("request_authorize_toggle"))
    assert {"type": "rc-adapter-trigger-call-logger-match", "sessionIds": ["214705503020"]} in (
        posted(out)
    )


def test_nothing_asked_means_no_refresh_message():
    shim = Shim(settings={"serverUrl": SERVER})
    [login] = of(connect(shim, "key-1"), "fetch")
    done = shim.answer(login, 200, {"successful": True, "jwtToken": "jwt-9"})
    assert not [m for m in posted(done) if m["type"].startswith("rc-adapter-trigger-")]


def test_what_the_widget_asked_is_bounded():
    phone = Phone(HOST)
    message = widget_message("request_contact_match")
    message["body"]["phoneNumbers"] = [f"+1650555{n:04d}" for n in range(MAX_ASKED + 30)]
    message["body"]["phoneNumbers"].append("+1" * 100)  # too long to keep
    phone.send(message)
    assert len(phone.state["askedNumbers"]) == MAX_ASKED
    assert phone.state["askedNumbers"][-1] == f"+1650555{MAX_ASKED + 29:04d}"


# --- property: any interleaving of one call's events pops exactly once ---------------

ONE_CALL_EVENTS = {
    "Ringing": active(),
    "CallConnected": active("active_call_connected_inbound"),
    "NoCall": active("active_call_ended", telephonySessionId=TSID),
    "ring": web_phone("rc-call-ring-notify"),
    "start": web_phone("rc-call-start-notify"),
}
TRIGGER_EVENTS = {"onFirstRing": {"Ringing", "ring"}, "onAnswer": {"CallConnected", "start"}}


@given(
    events=st.lists(st.sampled_from(sorted(ONE_CALL_EVENTS)), min_size=1, max_size=8),
    timing=st.sampled_from(sorted(TRIGGER_EVENTS)),
)
@settings(max_examples=60, deadline=None)
def test_any_interleaving_of_one_calls_events_pops_at_most_once(events, timing):
    phone = Phone(contacts=JANE, settings={"openContactPageFromIncomingCall": timing})
    opened = [url for name in events for url in phone.send(copy.deepcopy(ONE_CALL_EVENTS[name]))]
    expected = 1 if TRIGGER_EVENTS[timing] & set(events) else 0
    assert opened == [JANE_URL] * expected
