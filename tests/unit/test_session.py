"""The session fast path answers exactly as contract v1 with the state carried by hand.

A `Session` keeps the parsed state between events instead of receiving it in every
request; everything else (actions, errors, the state it would persist) must match
`dispatch` fed the state it returned the time before.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_callbacks import dispatch
from crm_callbacks.session import Session
from crm_callbacks.state import MAX_POPPED, State
from crm_callbacks.testing import (
    answer,
    contact_match_request,
    end,
    login_status,
    logout,
    ring,
    view_log,
)
from tests.conftest import WIDGET_MESSAGES, make_request

OURS = {"service": "Pipedrive"}  # the contactMatch is one of our CRM's contacts

EVENTS = {
    "ring": lambda n: ring(f"+1650555{n:04d}", contact=str(n), **OURS, session_id=f"s{n}"),
    "ring again": lambda n: ring(f"+1650555{n:04d}", contact=str(n), **OURS, session_id=f"s{n}"),
    "active ring": lambda n: ring(f"+1650555{n:04d}", session_id=f"a{n}", web_phone=False),
    "answer": lambda n: answer(f"+1650555{n:04d}", contact=str(n), **OURS, session_id=f"s{n}"),
    "end": lambda n: end(f"+1650555{n:04d}", session_id=f"s{n}"),
    "view log": lambda n: view_log(session_id=f"s{n}"),
    "match request": lambda n: contact_match_request(f"+1650555{n:04d}"),
    "login": lambda n: login_status(True),
    "logout": lambda n: logout(),
    **{f"widget {name}": (lambda n, m=m: copy.deepcopy(m)) for name, m in WIDGET_MESSAGES.items()},
}


def both(events: list[dict[str, Any]], **context: Any) -> None:
    """Run `events` through a session and through v1 dispatch; assert they agree."""
    session = Session()
    state: dict[str, Any] = {}
    for message in events:
        request = make_request(message, state=state, **context)
        expected = dispatch(request)
        state = expected["state"]
        del request["state"]
        got = json.loads(session.dispatch_json(json.dumps(request)))
        assert got["actions"] == expected["actions"], message
        assert got["errors"] == expected["errors"], message
        assert "state" not in got
        # v1 echoes an empty state as {} where the session holds a fresh State: the same.
        assert json.loads(session.state_json()) == State.from_json(expected["state"]).to_json()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(EVENTS)), st.integers(0, 3)), max_size=25))
def test_a_session_answers_as_v1_with_the_state_carried(steps: list[tuple[str, int]]) -> None:
    both([EVENTS[name](n) for name, n in steps])


def test_a_call_pops_once_and_a_repeat_ring_opens_nothing() -> None:
    session = Session()
    request = make_request(ring("+16505550100", contact="42", **OURS, session_id="s1"))
    del request["state"]
    first = session.dispatch(request)
    again = session.dispatch(copy.deepcopy(request))
    assert [a["url"] for a in first["actions"] if a["type"] == "openTab"] == [
        "https://acme.pipedrive.com/person/42"
    ]
    assert not [a for a in again["actions"] if a["type"] == "openTab"]
    assert again["stateRevision"] > first["stateRevision"] > 0


def test_state_in_a_request_replaces_the_held_state_so_a_fresh_runtime_resumes() -> None:
    old = Session()
    request = make_request(ring("+16505550100", contact="42", **OURS, session_id="s1"))
    del request["state"]
    old.dispatch(request)
    fresh = Session()
    assert not fresh.loaded
    resumed = fresh.dispatch({**request, "state": json.loads(old.state_json())})
    assert fresh.loaded
    assert resumed["actions"] == [] and resumed["errors"] == []  # popped already: not twice


def test_a_bad_persisted_state_is_reset_with_bad_state_as_in_v1() -> None:
    session = Session()
    request = make_request(ring("+16505550100", contact="42", **OURS, session_id="s1"))
    request["state"] = {"v": 99}
    got = session.dispatch(copy.deepcopy(request))
    expected = dispatch(request)
    assert got["errors"] == expected["errors"] and got["errors"][0]["code"] == "BAD_STATE"
    assert json.loads(session.state_json()) == expected["state"]


def test_bad_json_and_a_bad_request_answer_errors_and_keep_the_state() -> None:
    session = Session()
    request = make_request(ring("+16505550100", contact="42", **OURS, session_id="s1"))
    del request["state"]
    session.dispatch(request)
    kept = session.state_json()
    assert json.loads(session.dispatch_json("{"))["errors"][0]["code"] == "BAD_JSON"
    assert session.dispatch({"v": 2})["errors"][0]["code"] == "UNSUPPORTED_VERSION"
    assert session.state_json() == kept


def test_a_failing_rule_changes_nothing() -> None:
    session = Session()
    request = make_request(ring("+16505550100", contact="42", **OURS, session_id="s1"))
    del request["state"]
    session.dispatch(request)
    kept = session.state_json()
    # An unknown CRM host fails the rule before it opens anything.
    other = make_request(ring("+16505550101", contact="43", session_id="s2"), hostname="x.test")
    del other["state"]
    assert session.dispatch(other)["errors"][0]["code"] == "UNKNOWN_PLATFORM"
    assert session.state_json() == kept


def test_the_held_state_stays_bounded() -> None:
    session = Session()
    for n in range(MAX_POPPED + 50):
        request = make_request(ring(f"+1650{n:07d}", contact=str(n), **OURS, session_id=f"s{n}"))
        del request["state"]
        session.dispatch(request)
    assert len(json.loads(session.state_json())["popped"]) == MAX_POPPED
