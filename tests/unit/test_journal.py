"""Persisting a session's state costs O(change): a checkpoint, then numbered changes.

`Store` plays the service worker's chrome.storage.session exactly as
extension/worker/state_store.js keeps it: a checkpoint replaces the base and clears the
old change slots; a change goes into its slot. A fresh runtime is given the base and
the contiguous changes of the same checkpoint, and must hold exactly the state the
live one holds (entry order included: eviction takes the oldest first).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_callbacks.session import MAX_JOURNAL_ENTRIES, Session
from crm_callbacks.state import MAX_POPPED
from crm_callbacks.testing import fetch_result, ring, widget_message
from tests.conftest import make_request
from tests.unit.test_session import EVENTS, OURS

SERVER = "http://127.0.0.1:6066"
CONNECTED = {
    "storage": {"rcUnifiedCrmExtJwt": "jwt-1", "crmCallbacksSessionServer": SERVER},
    "settings": {"serverUrl": SERVER},
}


class Store:
    """chrome.storage.session as the worker keeps the state in it."""

    def __init__(self) -> None:
        self.base: dict[str, Any] | None = None
        self.slots: dict[int, dict[str, Any]] = {}

    def keep(self, persist: str) -> dict[str, Any] | None:
        if not persist:
            return None
        written = json.loads(persist)
        if "state" in written:
            self.base = {"id": written["id"], "state": written["state"]}
            for n in range(1, written["clear"] + 1):
                self.slots.pop(n, None)
        else:
            self.slots[written["n"]] = {"id": written["id"], "change": written["change"]}
        return written

    def resumed(self) -> Session:
        """A fresh runtime given what is stored."""
        base = self.base or {"id": None, "state": {}}
        journal = []
        n = 1
        while n in self.slots and self.slots[n]["id"] == base["id"]:
            journal.append(self.slots[n]["change"])
            n += 1
        session = Session()
        session.resume(base["state"], journal)
        return session


def send(session: Session, store: Store, message: dict[str, Any], **context: Any) -> dict[str, Any]:
    request = make_request(message, **context)
    del request["state"]
    response = session.dispatch(request)
    store.keep(session.persist_json())
    return response


def new_call(n: int) -> dict[str, Any]:
    return ring(f"+1650{n:07d}", contact=str(n), **OURS, session_id=f"s{n}")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(EVENTS)), st.integers(0, 3)), max_size=30))
def test_a_fresh_runtime_resumes_exactly_the_live_state(steps: list[tuple[str, int]]) -> None:
    live, store = Session(), Store()
    for name, n in steps:
        send(live, store, EVENTS[name](n))
        assert store.resumed().state_json() == live.state_json(), name


def test_a_change_at_the_state_bound_is_as_small_as_at_an_empty_state() -> None:
    live, store = Session(), Store()
    changes = []
    for n in range(MAX_POPPED + 40):
        request = make_request(new_call(n))
        del request["state"]
        live.dispatch(request)
        persist = live.persist_json()
        if store.keep(persist) and '"change"' in persist[:80]:
            changes.append(len(persist))
    # Each change is the call popped and its contact remembered (at the bound, the oldest
    # of each evicted): the same few hundred bytes whatever the state holds.
    assert max(changes) < 400
    assert max(changes[-20:]) - min(changes[:20]) < 80  # two ["d", key] ops
    assert store.resumed().state_json() == live.state_json()


def test_every_max_entries_changes_a_checkpoint_clears_the_slots() -> None:
    live, store = Session(), Store()
    kinds = []
    for n in range(2 * MAX_JOURNAL_ENTRIES + 5):
        request = make_request(new_call(n))
        del request["state"]
        live.dispatch(request)
        written = store.keep(live.persist_json())
        kinds.append("state" if "state" in written else written["n"])
    assert kinds[0] == "state" and kinds[1:3] == [1, 2]
    assert kinds.count("state") == 3
    assert kinds[MAX_JOURNAL_ENTRIES + 1] == "state"
    assert len(store.slots) == 2  # what the last checkpoint's successors wrote
    assert store.resumed().state_json() == live.state_json()


def test_a_change_not_handed_out_becomes_a_checkpoint() -> None:
    live, store = Session(), Store()
    send(live, store, new_call(1))
    for n in (2, 3):  # the caller never asked for the first of these
        request = make_request(new_call(n))
        del request["state"]
        live.dispatch(request)
    written = store.keep(live.persist_json())
    assert written is not None and "state" in written
    assert store.resumed().state_json() == live.state_json()


def test_a_pending_lookup_changed_in_place_survives_a_fresh_runtime() -> None:
    """The contact lookup's answered parts change inside its pending entry."""
    live, store = Session(), Store()
    message = widget_message("request_contact_match")
    message["body"]["phoneNumbers"] = ["+16505550123", "+16505550999"]
    asked = send(live, store, message, **CONNECTED)
    first, second = [a for a in asked["actions"] if a["type"] == "fetch"]
    send(live, store, fetch_result(second["id"], 0, error="timeout"), **CONNECTED)
    resumed = store.resumed()
    assert resumed.state_json() == live.state_json()
    found = {"successful": True, "contact": [{"id": "7", "name": "Sam", "phone": "+16505550123"}]}
    request = make_request(fetch_result(first["id"], 200, found), **CONNECTED)
    del request["state"]
    [reply] = [a for a in resumed.dispatch(request)["actions"] if a["type"] == "reply"]
    assert list(reply["data"]) == ["+16505550123"]


def test_a_change_that_does_not_replay_stops_the_replay_with_bad_state() -> None:
    live, store = Session(), Store()
    send(live, store, new_call(1))
    send(live, store, new_call(2))
    send(live, store, new_call(3))
    store.slots[2]["change"] = {"popped": [["x", "s3"]]}
    resumed = store.resumed()
    popped = json.loads(resumed.state_json())["popped"]
    assert popped == ["callpop:s1", "callpop:s2"]
    request = make_request(new_call(4))
    del request["state"]
    errors = resumed.dispatch(request)["errors"]
    assert [e["code"] for e in errors] == ["BAD_STATE"]
    assert "from 2 on were dropped" in errors[0]["message"]


def test_the_summary_says_how_big_the_held_state_is() -> None:
    live, store = Session(), Store()
    assert live.summary()["popped"] == 0
    for n in range(3):
        send(live, store, new_call(n))
    summary = live.summary()
    assert (summary["popped"], summary["numbers"], summary["changesSinceCheckpoint"]) == (3, 3, 2)
    assert summary["bytes"] == len(live.state_json())
