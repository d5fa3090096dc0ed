"""Call-pop rules (docs/events.md, Call-pop): when a call pops, what opens, and only once."""

from __future__ import annotations

from typing import Any

import pytest

from crm_callbacks import ErrorCode, dispatch
from crm_callbacks.state import MAX_POPPED, State
from tests.conftest import make_request, our_ring, widget_message

JANE = {"+16505550100": [{"id": "42", "name": "Jane Doe"}]}
JANE_URL = "https://acme.pipedrive.com/person/42"


class Phone:
    """Feeds events through `dispatch` the way the shim does, carrying `state` along."""

    def __init__(self, **context: Any) -> None:
        self.context = context
        self.state: dict[str, Any] = {}
        self.errors: list[str] = []

    def send(self, message: dict[str, Any]) -> list[str]:
        response = dispatch(make_request(message, state=self.state, **self.context))
        self.state = response["state"]
        self.errors += [error["code"] for error in response["errors"]]
        return [a["url"] for a in response["actions"] if a["type"] == "openTab"]


def active(status: str, way: str = "Inbound", **changes: Any) -> dict[str, Any]:
    """A real active-call message of direction `way`, now in `status`."""
    name = "active_call_ringing_outbound" if way == "Outbound" else "active_call_ringing_inbound"
    return widget_message(name, telephonyStatus=status, **changes)


INBOUND = "openContactPageFromIncomingCall"
OUTBOUND = "openContactPageFromOutgoingCall"


@pytest.mark.parametrize(
    ("settings", "direction", "pops_on"),
    [
        ({}, "Inbound", "Ringing"),
        ({INBOUND: "onFirstRing"}, "Inbound", "Ringing"),
        ({INBOUND: "onAnswer"}, "Inbound", "CallConnected"),
        ({INBOUND: "disabled"}, "Inbound", None),
        ({}, "Outbound", None),
        ({OUTBOUND: "onFirstRing"}, "Outbound", "Ringing"),
        ({OUTBOUND: "onAnswer"}, "Outbound", "CallConnected"),
        ({OUTBOUND: "disabled", INBOUND: "onFirstRing"}, "Outbound", None),
        ({INBOUND: None}, "Inbound", "Ringing"),
    ],
)
def test_timing_settings_choose_the_event_that_pops(settings, direction, pops_on):
    for status in ("Ringing", "CallConnected", "NoCall"):
        phone = Phone(contacts=JANE, settings=settings)
        expected = [JANE_URL] if status == pops_on else []
        assert phone.send(active(status, direction)) == expected, status


def test_outbound_pops_the_called_number():
    contacts = {"+16505550100": [{"id": "7"}], "+16505550199": [{"id": "99"}]}
    phone = Phone(contacts=contacts, settings={OUTBOUND: "onFirstRing"})
    assert phone.send(active("Ringing", "Outbound")) == ["https://acme.pipedrive.com/person/7"]


def test_a_repeated_ring_pops_once():
    phone = Phone(contacts=JANE)
    assert phone.send(active("Ringing")) == [JANE_URL]
    assert phone.send(active("Ringing")) == []
    assert phone.send(active("CallConnected")) == []


def test_flapping_ringing_nocall_ringing_pops_once():
    phone = Phone(contacts=JANE)
    opened = [
        url
        for status in ["Ringing", "NoCall", "Ringing", "NoCall", "Ringing"]
        for url in phone.send(active(status))
    ]
    assert opened == [JANE_URL]


def test_a_new_call_session_pops_again():
    phone = Phone(contacts=JANE)
    assert phone.send(active("Ringing", telephonySessionId="1")) == [JANE_URL]
    assert phone.send(active("Ringing", telephonySessionId="2")) == [JANE_URL]


def test_web_phone_and_active_call_events_of_one_call_pop_once():
    phone = Phone(contacts=JANE)
    ring = widget_message("webphone_ring")
    assert phone.send(ring) == [JANE_URL]
    ringing = active("Ringing")  # the same call: its telephony id is the ring's partyData one
    assert ringing["call"]["telephonySessionId"] == ring["call"]["partyData"]["sessionId"]
    assert ringing["call"]["sessionId"] != ring["call"]["partyData"]["sessionId"]
    assert phone.send(ringing) == []


def test_web_phone_answer_pops_on_answer():
    phone = Phone(contacts=JANE, settings={INBOUND: "onAnswer"})
    assert phone.send(widget_message("webphone_ring")) == []
    assert phone.send(widget_message("webphone_answered")) == [JANE_URL]


def test_contact_match_carried_by_the_web_phone_event_is_used():
    assert Phone().send(our_ring()) == [JANE_URL]


def test_web_phone_contact_match_is_remembered_for_the_active_call_event():
    phone = Phone(settings={INBOUND: "onAnswer"})
    assert phone.send(our_ring()) == []  # remembered, not popped
    assert phone.send(active("CallConnected", telephonySessionId="other")) == [JANE_URL]


def test_contacts_seen_earlier_for_the_number_are_recalled_from_state():
    phone = Phone(contacts=JANE)
    phone.send(active("Ringing", telephonySessionId="1"))
    phone.context.pop("contacts")
    assert phone.send(active("Ringing", telephonySessionId="2")) == [JANE_URL]


def test_context_contacts_match_other_spellings_of_the_number():
    phone = Phone(contacts={"+1 (650) 555-0100": [{"id": 42}]})
    assert phone.send(active("Ringing")) == [JANE_URL]


def test_several_matches_open_all_with_the_first_in_front():
    contacts = {"+16505550100": [{"id": "1"}, {"id": "2"}, {"id": "1"}]}
    response = dispatch(make_request(active("Ringing"), contacts=contacts))
    assert [(a["url"], a["active"]) for a in response["actions"]] == [
        ("https://acme.pipedrive.com/person/1", True),
        ("https://acme.pipedrive.com/person/2", False),
    ]


def test_several_matches_with_multiple_matches_disabled_open_nothing_and_say_so():
    contacts = {"+16505550100": [{"id": "1"}, {"id": "2"}]}
    settings = {"multiContactMatchBehavior": "disabled"}
    response = dispatch(make_request(active("Ringing"), contacts=contacts, settings=settings))
    [notice] = response["actions"]
    assert notice["type"] == "notify"
    assert "2 Pipedrive contacts match" in notice["message"]


def test_one_match_opens_even_with_multiple_matches_disabled():
    settings = {"multiContactMatchBehavior": "disabled"}
    assert Phone(contacts=JANE, settings=settings).send(active("Ringing")) == [JANE_URL]


def test_no_match_reports_no_contact_match_and_opens_nothing():
    phone = Phone()
    assert phone.send(active("Ringing")) == []
    assert phone.errors == [ErrorCode.NO_CONTACT_MATCH]


def test_a_later_event_with_a_match_still_pops_after_no_match():
    phone = Phone()
    assert phone.send(active("Ringing")) == []
    assert phone.send(our_ring()) == [JANE_URL]  # the same call, now with our match


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({INBOUND: "always"}, ErrorCode.BAD_SETTING),
        ({INBOUND: 1}, ErrorCode.BAD_SETTING),
        ({"multiContactMatchBehavior": "pickOne"}, ErrorCode.BAD_SETTING),
    ],
)
def test_bad_settings_open_nothing(settings, code):
    contacts = {"+16505550100": [{"id": "1"}, {"id": "2"}]}
    response = dispatch(make_request(active("Ringing"), contacts=contacts, settings=settings))
    assert response["actions"] == []
    assert [e["code"] for e in response["errors"]] == [code]


@pytest.mark.parametrize(
    "call_changes",
    [
        {"sessionId": None, "telephonySessionId": None},
        {"sessionId": "", "telephonySessionId": ""},
        {"sessionId": True, "telephonySessionId": False},
        {"direction": "Sideways"},
        {"direction": None},
        {"from": {"phoneNumber": ""}},
        {"from": "+16505550100"},
        {"from": None},
    ],
)
def test_calls_missing_what_call_pop_needs_are_bad_messages(call_changes):
    response = dispatch(make_request(active("Ringing", **call_changes), contacts=JANE))
    assert response["actions"] == []
    assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_MESSAGE]


@pytest.mark.parametrize("call", [None, "call", [1]])
def test_a_message_without_a_call_object_is_a_bad_message(call):
    message = {"type": "rc-active-call-notify", "call": call}
    assert dispatch(make_request(message))["errors"][0]["code"] == ErrorCode.BAD_MESSAGE


@pytest.mark.parametrize(
    "bad_contact", [{"name": "no id"}, {"id": ""}, {"id": None}, "42", {"id": True}, {"id": [1]}]
)
def test_bad_contacts_are_reported_and_the_good_ones_still_open(bad_contact):
    contacts = {"+16505550100": [bad_contact, {"id": "42"}]}
    response = dispatch(make_request(active("Ringing"), contacts=contacts))
    assert [a["url"] for a in response["actions"]] == [JANE_URL]
    assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_CONTACT]


def test_popped_sessions_are_bounded_oldest_first():
    phone = Phone(contacts=JANE)
    for session in range(MAX_POPPED + 10):
        phone.send(active("Ringing", telephonySessionId=str(session)))
    assert len(phone.state["popped"]) == MAX_POPPED
    assert "callpop:0" not in phone.state["popped"]
    assert phone.send(active("Ringing", telephonySessionId=str(MAX_POPPED + 9))) == []
    assert phone.send(active("Ringing", telephonySessionId="0")) == [JANE_URL]


def test_a_corrupt_state_is_reset_with_bad_state_and_the_call_still_pops():
    response = dispatch(make_request(active("Ringing"), contacts=JANE, state={"popped": 3}))
    assert [a["url"] for a in response["actions"]] == [JANE_URL]
    assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_STATE]
    fresh = State()
    fresh.mark_popped(f"callpop:{active('Ringing')['call']['telephonySessionId']}")
    assert response["state"]["popped"] == fresh.to_json()["popped"]
