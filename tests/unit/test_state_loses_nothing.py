"""Issue 13, "bad state and bad answers lose nothing": each check of that section.

A refused or broken input never costs the state its memory (a popped call must not pop
again), a widget request always gets its reply, corrupted memory is repaired rather
than reported forever, and no carried value can grow the state past its byte bound.
"""

from __future__ import annotations

import json
from typing import Any

from crm_callbacks import MAX_STATE_BYTES, ErrorCode, dispatch, dispatch_json
from crm_callbacks.rules.callpop import MAX_PAGES_PER_CALL
from crm_callbacks.state import PENDING_GRACE_MS
from tests.conftest import make_request, widget_message

SERVER = "http://127.0.0.1:6066"
SESSION = {"rcUnifiedCrmExtJwt": "jwt-1", "crmCallbacksSessionServer": SERVER}
CONNECTED = {"storage": SESSION, "settings": {"serverUrl": SERVER}}
JANE = {"+16505550100": [{"id": "42", "name": "Jane Doe"}]}
JANE_URL = "https://acme.pipedrive.com/person/42"
NESTED: Any = "x"
for _ in range(200):
    NESTED = [NESTED]


class JsonShim:
    """Plays the worker: JSON text to `dispatch_json`, keeps ``state`` as the JS does
    (only when the response carries one), and passes its clock as ``context.now``."""

    def __init__(self, now: float | None = 1_000_000.0, **context: Any) -> None:
        self.context, self.state, self.now = context, {}, now
        self.errors: list[str] = []

    def send(self, message: dict[str, Any], **context: Any) -> dict[str, Any]:
        request = make_request(message, state=self.state, **{**self.context, **context})
        if self.now is not None:
            request["context"]["now"] = self.now
        response = json.loads(dispatch_json(json.dumps(request)))
        if "state" in response:
            self.state = response["state"]
        self.errors += [e["code"] for e in response["errors"]]
        return response

    def answer(self, fetch: dict[str, Any], status: int, body: Any = None) -> dict[str, Any]:
        result = {"type": "crm-callbacks-fetch-result", "id": fetch["id"], "status": status}
        return self.send({**result, "body": body})


def of(response: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [a for a in response["actions"] if a["type"] == kind]


def urls(response: dict[str, Any]) -> list[str]:
    return [a["url"] for a in of(response, "openTab")]


def ring(session: str = "s1", number: str = "+16505550100") -> dict[str, Any]:
    """A ringing call; `session` is its telephony session id, which keys active calls."""
    return widget_message(
        "active_call_ringing_inbound",
        sessionId=session,
        telephonySessionId=session,
        **{"from": {"phoneNumber": number}},
    )


# --- too deep: refused, state kept, reply still sent --------------------------------


def test_a_request_nested_too_deep_keeps_the_state_so_a_popped_call_does_not_pop_again():
    shim = JsonShim(contacts=JANE)
    assert urls(shim.send(ring())) == [JANE_URL]
    deep_event = {"type": "rc-call-ring-notify", "call": {"deep": NESTED}}
    refused = shim.send(deep_event)
    assert refused["actions"] == [] and shim.errors[-1] == ErrorCode.BAD_JSON
    assert refused["state"]["popped"] != []
    assert urls(shim.send(ring())) == []  # the repeat of the popped call stays quiet


def test_a_widget_request_nested_too_deep_still_gets_its_reply():
    shim = JsonShim()
    message = widget_message("request_contact_match")
    message["body"]["extra"] = NESTED
    response = shim.send(message)
    [reply] = of(response, "reply")
    assert reply["requestId"] == message["requestId"] and reply["data"] == {}
    assert ErrorCode.BAD_JSON in shim.errors


def test_a_server_answer_nested_too_deep_settles_its_lookup_and_keeps_the_state():
    shim = JsonShim(contacts=JANE, **CONNECTED)
    assert urls(shim.send(ring("popped-before"))) == [JANE_URL]
    [lookup] = of(shim.send(ring("s2", "+16505550123")), "fetch")
    answered = shim.answer(lookup, 200, {"successful": True, "contact": NESTED})
    assert urls(answered) == [] and of(answered, "notify")
    assert ErrorCode.BAD_JSON in shim.errors and ErrorCode.SERVER_ERROR in shim.errors
    assert urls(shim.send(ring("popped-before"))) == []


def test_text_that_is_not_json_is_answered_without_a_state_to_store():
    response = json.loads(dispatch_json('{"v": 1, "message": '))
    assert "state" not in response and response["errors"][0]["code"] == ErrorCode.BAD_JSON


# --- garbage state: reset, and the event is still handled --------------------------


def test_a_garbage_state_is_reset_and_the_event_still_handled():
    response = dispatch(make_request(ring(), contacts=JANE, state={"v": 1, "popped": "all"}))
    assert urls(response) == [JANE_URL]
    assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_STATE]
    assert response["state"]["v"] == 1 and len(response["state"]["popped"]) == 1


def test_a_garbage_state_still_answers_a_widget_request_with_its_data():
    message = widget_message("request_contact_match")
    message["body"]["phoneNumbers"] = ["+16505550100"]
    response = dispatch(make_request(message, contacts=JANE, state={"v": 99}))
    [reply] = of(response, "reply")
    assert reply["data"]["+16505550100"][0]["id"] == "42"


# --- a corrupted remembered contact is repaired ------------------------------------


def test_a_corrupted_remembered_contact_is_dropped_and_the_good_one_opens():
    shim = JsonShim()
    shim.send(ring("s0"), contacts=JANE)  # remembers Jane for the number
    shim.state["matches"]["+16505550100"].insert(0, {"id": {"not": "an id"}})
    assert urls(shim.send(ring("s1"))) == [JANE_URL]
    assert shim.errors.count(ErrorCode.BAD_STATE) == 1
    assert urls(shim.send(ring("s2"))) == [JANE_URL]
    assert shim.errors.count(ErrorCode.BAD_STATE) == 1  # repaired: said once


def test_a_wholly_corrupted_remembered_number_is_forgotten():
    shim = JsonShim()
    shim.send(ring("s0"), contacts=JANE)
    shim.state["matches"]["+16505550100"] = [{"id": None}]
    response = shim.send(ring("s1"))
    assert urls(response) == [] and ErrorCode.NO_CONTACT_MATCH in shim.errors
    assert "+16505550100" not in response["state"]["matches"]


# --- pending lookups expire --------------------------------------------------------


def test_a_lookup_that_died_with_the_worker_expires_and_the_next_ring_asks_again():
    shim = JsonShim(**CONNECTED)
    [first] = of(shim.send(ring("s1", "+16505550123")), "fetch")  # the worker dies here
    assert of(shim.send(ring("s1", "+16505550123")), "fetch") == []  # still waiting
    shim.now += first["timeoutMs"] + PENDING_GRACE_MS + 1
    [again] = of(shim.send(ring("s1", "+16505550123")), "fetch")
    found = {"successful": True, "contact": [{"id": "7", "phone": "+16505550123"}]}
    assert urls(shim.answer(again, 200, found)) == ["https://acme.pipedrive.com/person/7"]


def test_a_pending_entry_from_before_clocks_gets_a_time_and_expires():
    shim = JsonShim(now=None, **CONNECTED)
    of(shim.send(ring("s1", "+16505550123")), "fetch")
    assert "expiresAt" not in next(iter(shim.state["pending"].values()))
    shim.now = 5_000.0
    assert of(shim.send(ring("s1", "+16505550123")), "fetch") == []
    shim.now = 10_000_000.0
    assert len(of(shim.send(ring("s1", "+16505550123")), "fetch")) == 1


def test_a_bad_clock_is_a_bad_request():
    request = make_request(ring(), contacts=JANE)
    for now in ("soon", True, -1, 1e300):
        request["context"]["now"] = now
        codes = [e["code"] for e in dispatch(request)["errors"]]
        assert codes == [ErrorCode.BAD_REQUEST]


# --- bounded in bytes --------------------------------------------------------------


def test_large_carried_values_are_refused_where_they_enter():
    for message in (ring("s" * 50_000), ring("s1", "+1" + "5" * 200_000)):
        response = dispatch(make_request(message, contacts=JANE))
        assert urls(response) == []
        assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_MESSAGE]
        assert len(json.dumps(response["state"])) < 1_000


def test_the_state_stays_under_its_byte_bound_under_large_values():
    shim = JsonShim()
    big_name = "N" * 200
    for call in range(80):
        number = f"+1650555{call:04d}"
        contacts = [{"id": f"{call}-{i}-" + "7" * 1000, "name": big_name} for i in range(10)]
        shim.send(ring(f"session-{call}-" + "x" * 200, number), contacts={number: contacts})
        assert len(json.dumps(shim.state)) <= MAX_STATE_BYTES
    popped = shim.state["popped"]
    assert popped[-1].startswith("callpop:session-79-")  # the newest pops are kept
    assert urls(shim.send(ring("session-79-" + "x" * 200, "+16505550079"))) == []


# --- one bad contact does not sink the good one -----------------------------------


def test_a_contact_id_with_a_lone_surrogate_does_not_stop_the_good_contact():
    contacts = {"+16505550100": [{"id": "\ud800bad"}, {"id": "42"}]}
    text = dispatch_json(json.dumps(make_request(ring(), contacts=contacts)))
    response = json.loads(text)
    assert urls(response) == [JANE_URL]
    assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_CONTACT]
    text.encode("ascii")  # JSON any JS parser reads: the surrogate is escaped


def test_a_server_contact_with_a_lone_surrogate_does_not_stop_the_other():
    shim = JsonShim(**CONNECTED)
    [lookup] = of(shim.send(ring("s1", "+16505550123")), "fetch")
    found = {"successful": True, "contact": [{"id": "\udfffx"}, {"id": "7"}]}
    answered = shim.answer(lookup, 200, found)
    assert urls(answered) == ["https://acme.pipedrive.com/person/7"]
    assert ErrorCode.INTERNAL_ERROR not in shim.errors


def test_a_lone_surrogate_in_a_number_is_a_bad_message_not_an_internal_error():
    shim = JsonShim(**CONNECTED)
    response = shim.send(ring("s1", "+1650\ud800"))
    assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_MESSAGE]


def test_values_json_cannot_carry_never_break_the_answer():
    text = '{"v": 1, "message": {"type": "x"}, "context": {}, "state": {"a": NaN, "b": 1e999}}'
    response = json.loads(dispatch_json(text))
    assert "NaN" not in dispatch_json(text) and "Infinity" not in dispatch_json(text)
    assert response["errors"] == []


# --- a server answer cannot open a tab per match ----------------------------------


def test_a_server_answer_with_25_matches_opens_none_and_prompts():
    shim = JsonShim(**CONNECTED)
    [lookup] = of(shim.send(ring("s1", "+16505550123")), "fetch")
    found = {"successful": True, "contact": [{"id": str(i)} for i in range(25)]}
    answered = shim.answer(lookup, 200, found)
    assert urls(answered) == []
    paths = [a["message"].get("path") for a in of(answered, "post")]
    assert "/customized/crmCallbacksChooseContact" in paths


def test_up_to_the_cap_all_matches_still_open():
    contacts = {"+16505550100": [{"id": str(i)} for i in range(MAX_PAGES_PER_CALL)]}
    assert len(urls(dispatch(make_request(ring(), contacts=contacts)))) == MAX_PAGES_PER_CALL


# --- keys are unambiguous ----------------------------------------------------------


def test_a_session_id_with_a_hash_cannot_resume_another_calls_lookup():
    shim = JsonShim(**CONNECTED)
    [victim] = of(shim.send(ring("A", "+16505550123")), "fetch")
    [other] = of(shim.send(ring("A#1", "+16505550999")), "fetch")
    assert victim["id"] != other["id"].partition("#")[0]
    evil = {"successful": True, "contact": [{"id": "666-poison"}]}
    assert urls(shim.answer(other, 200, evil)) == ["https://acme.pipedrive.com/person/666-poison"]
    found = {"successful": True, "contact": [{"id": "7"}]}
    assert urls(shim.answer(victim, 200, found)) == ["https://acme.pipedrive.com/person/7"]


def test_a_request_id_with_a_hash_cannot_answer_another_request():
    shim = JsonShim(**CONNECTED)
    first = widget_message("request_contact_match")
    first["requestId"], first["body"]["phoneNumbers"] = "r", ["+16505550123"]
    second = widget_message("request_contact_match")
    second["requestId"], second["body"]["phoneNumbers"] = "r#0", ["+16505550999"]
    [lookup_first] = of(shim.send(first), "fetch")
    [lookup_second] = of(shim.send(second), "fetch")
    found = {"successful": True, "contact": [{"id": "7"}]}
    [reply] = of(shim.answer(lookup_second, 200, found), "reply")
    assert reply["requestId"] == "r#0"
    [reply] = of(shim.answer(lookup_first, 200, {"successful": True, "contact": []}), "reply")
    assert reply["requestId"] == "r" and reply["data"] == {}


def test_a_kept_state_object_is_bounded_the_same_way():
    """For a runtime that keeps its `State` between events: the same bound, in place."""
    from crm_callbacks.contacts import Contact
    from crm_callbacks.state import State

    state = State()
    for call in range(200):
        state.mark_popped(f"callpop:{call}")
        contacts = [Contact(id=f"{call}-{i}-" + "7" * 1000) for i in range(10)]
        state.remember(f"+1650555{call:04d}", contacts)
    text, _ = state.bounded_json(limit=100_000)
    assert len(text) <= 100_000 and json.loads(text) == state.to_json()
    assert len(state.popped) == 200 and "+16505550199" in state.matches  # newest kept
    assert "+16505550000" not in state.matches  # oldest contacts went first
