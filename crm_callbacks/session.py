"""The fast path for a long-lived runtime: Python keeps its state between events.

Contract v1 carries the whole `state` through every request and response, so an
event costs time in proportion to the state (a JSON parse, a validation pass and a
copy each way). A `Session` holds the parsed `State` instead: a request is contract v1
without ``state``, and the response is contract v1 without ``state`` plus
``stateRevision``, a number that grows each time the state may have changed.

Persisting costs O(change), not O(state): after each event `persist_json` says what
to write, either a *change* (`journal.py`: the ops that event made, numbered ``n``
since the last checkpoint) or, every `MAX_JOURNAL_ENTRIES` changes (or
`MAX_JOURNAL_BYTES`, or when the state nears `MAX_STATE_BYTES` and must evict), a
*checkpoint*: the whole state, bounded as v1's, naming how many old change slots to
clear. A fresh runtime is sent the last checkpoint's ``state`` and its changes
(``journal``) once, in the request; it replays them and checkpoints.

The rules, their order and their answers are those of `dispatch`; only the transport
of the state differs, so an event costs the same at an empty state and at its bound.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from . import _json_text, _read_json, _too_deep, _unreadable_fetch_result
from .adapters import Registry
from .contract import CONTRACT_VERSION, parse_request
from .errors import CallbackError, ErrorCode
from .journal import apply_change, change_of, tracked_copy
from .router import RULES, apply_rule, failure_actions
from .state import MAX_STATE_BYTES, State, dumps_json

MAX_JOURNAL_ENTRIES = 128
"""Changes kept after a checkpoint, at most; the next one is a checkpoint."""
MAX_CHANGE_BYTES = 16 * 1024
"""A change longer than this is persisted as a checkpoint instead."""
MAX_JOURNAL_BYTES = 64 * 1024
"""The changes since a checkpoint, at most, in JSON text (then a checkpoint)."""


class Session:
    """One runtime's state, held between events; `dispatch_json` never raises."""

    def __init__(self, *, registry: Registry | None = None, instance: str = "") -> None:
        self._registry = registry
        self._state: State | None = None  # None until loaded or first used
        self.revision = 0
        self._instance = instance or uuid.uuid4().hex  # names this runtime's checkpoints
        self._checkpoints = 0
        self._checkpoint_id = ""
        self._needs_checkpoint = True  # nothing persisted yet
        self._change = ""  # the last event's change, until `persist_json` hands it out
        self._entries = 0  # changes since the checkpoint
        self._slots = 0  # change slots that may hold something (to clear)
        self._base_bytes = 0
        self._journal_bytes = 0

    @property
    def loaded(self) -> bool:
        """False in a fresh runtime: the caller should send the persisted state once."""
        return self._state is not None

    def state_json(self) -> str:
        """The held state as contract v1 ``state`` JSON; bounded in bytes as
        `dispatch_json`'s state is (what does not fit is evicted here too)."""
        if self._state is None:
            self._state = State()
        text, evicted = self._state.bounded_json()
        if evicted:  # the changes since the checkpoint no longer add up to the state
            self._needs_checkpoint = True
        return text

    def summary(self) -> dict[str, int]:
        """How big the held state is (for status pages and the load script)."""
        state = self._state or State()
        return {
            "bytes": len(dumps_json(state.to_json())),
            "popped": len(state.popped),
            "numbers": len(state.matches),
            "changesSinceCheckpoint": self._entries,
        }

    def persist_json(self) -> str:
        """What to persist after the last event, as JSON text ("" for nothing):
        ``{"id", "n", "change"}`` (keep as change slot ``n`` of checkpoint ``id``) or
        ``{"id", "clear", "state"}`` (keep as the checkpoint; drop slots 1..clear)."""
        if self._needs_checkpoint:
            return self._checkpoint() if self._state is not None else ""
        change, self._change = self._change, ""
        return change

    def checkpoint_next(self) -> None:
        """Persist the whole state next time (whoever keeps the changes may have lost one:
        the extension's service worker was replaced)."""
        self._needs_checkpoint = True

    def _checkpoint(self) -> str:
        text = self.state_json()
        self._checkpoints += 1
        self._checkpoint_id = f"{self._instance}:{self._checkpoints}"
        clear = self._slots
        self._needs_checkpoint, self._change = False, ""
        self._entries = self._journal_bytes = self._slots = 0
        self._base_bytes = len(text)
        return f'{{"id": {json.dumps(self._checkpoint_id)}, "clear": {clear}, "state": {text}}}'

    def _note_change(self, change: dict[str, Any]) -> None:
        """Keep `change` for `persist_json`, or ask for a checkpoint when the journal is
        full, the change large, an earlier one was never handed out, or the state may
        have grown past its bound (a checkpoint evicts, as v1 does)."""
        if self._needs_checkpoint:
            return  # the checkpoint will hold it
        text = dumps_json(change)
        grown = self._journal_bytes + len(text)
        if (
            self._change
            or self._entries >= MAX_JOURNAL_ENTRIES
            or len(text) > MAX_CHANGE_BYTES
            or grown > MAX_JOURNAL_BYTES
            or self._base_bytes + grown > MAX_STATE_BYTES
        ):
            self._needs_checkpoint, self._change = True, ""
            return
        self._entries += 1
        self._journal_bytes = grown
        self._slots = max(self._slots, self._entries)
        self._change = (
            f'{{"id": {json.dumps(self._checkpoint_id)}, "n": {self._entries}, "change": {text}}}'
        )

    def resume(self, raw_state: Any, journal: Any = None) -> None:
        """Hold the persisted checkpoint's state with the changes after it replayed (a
        fresh runtime's start). A state that is not ours is reset, and a change that
        does not replay stops the replay there (BAD_STATE, reported with the next
        answer). The next `persist_json` is a checkpoint."""
        state = State.load(raw_state)
        changes = journal if isinstance(journal, list) else []
        for index, change in enumerate(changes):
            try:
                apply_change(state, change)
            except TypeError as exc:
                dropped = f"state changes from {index + 1} on were dropped: {exc}"
                state.problems.append(CallbackError(ErrorCode.BAD_STATE, dropped))
                break
        if changes:
            problems = state.problems
            state = State.load(state.to_json())  # the replayed state, checked as any
            state.problems[:0] = problems
        self._state = state
        self._slots = max(self._slots, len(changes))
        self._needs_checkpoint, self._change = True, ""

    def dispatch_json(self, request_json: str) -> str:
        """Handle one event (JSON text in, JSON text out) against the held state.

        As `crm_callbacks.dispatch_json`: JSON nested too deep is cut, the event refused
        but what it owes still sent (a widget request's reply, a lookup settled)."""
        try:
            request, pruned = _read_json(request_json)
        except CallbackError as error:
            return _json_text(self._response([], [error]))
        if not pruned:
            return _json_text(self.dispatch(request))
        error = _too_deep()
        message = request.get("message") if isinstance(request, dict) else None
        unreadable = _unreadable_fetch_result(message, error)
        if unreadable is None:
            return _json_text(self._response(_owed(message, error), [error]))
        response = self.dispatch({**request, "message": unreadable})
        response["errors"].insert(0, error.as_dict())
        return _json_text(response)

    def dispatch(self, request: Any) -> dict[str, Any]:
        """`crm_callbacks.dispatch` with the held state; ``state`` in `request` replaces it."""
        message = request.get("message") if isinstance(request, dict) else None
        if isinstance(request, dict) and "state" in request:
            request = dict(request)
            self.revision += 1
            self.resume(request.pop("state"), request.pop("journal", None))  # not ours: reset
        if self._state is None:
            self._state = State()
        try:
            parsed = parse_request(request)
            rule = RULES.get(parsed.message_type)
            if rule is None:
                return self._response([], self._take_problems())
            # The rule works on a copy whose tables note what it changes (journal.py),
            # kept only if the rule succeeds: a failing rule changes nothing, as in
            # contract v1.
            working = tracked_copy(self._state)
            if parsed.now is not None:
                working.expire_pending(parsed.now)
            actions, errors, succeeded = apply_rule(parsed, rule, working, self._registry)
        except Exception as exc:  # a bug must still answer, and open nothing
            error = (
                exc
                if isinstance(exc, CallbackError)
                else CallbackError(ErrorCode.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"[:500])
            )
            return self._response(_owed(message, error), [*self._take_problems(), error])
        self._state.problems.clear()
        if succeeded:
            working.problems = []
            change = change_of(self._state, working)
            self._state = working
            self.revision += 1
            if change:
                self._note_change(change)
        return self._response(actions, errors)

    def _take_problems(self) -> list[CallbackError]:
        """What loading the persisted state repaired, reported once."""
        assert self._state is not None
        problems, self._state.problems = self._state.problems, []
        return problems

    def _response(self, actions: list[Any], errors: list[CallbackError]) -> dict[str, Any]:
        return {
            "v": CONTRACT_VERSION,
            "actions": actions,
            "errors": [error.as_dict() for error in errors],
            "stateRevision": self.revision,
        }


def _owed(message: object, error: CallbackError) -> list[Any]:
    try:
        return failure_actions(message, error)
    except Exception:
        return []


__all__ = ["Session"]
