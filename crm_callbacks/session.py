"""The fast path for a long-lived runtime: Python keeps its state between events.

Contract v1 carries the whole `state` through every request and response, so an
event costs time in proportion to the state (a JSON parse, a validation pass and a
copy each way). A `Session` holds the parsed `State` instead: a request is contract v1
without ``state``, and the response is contract v1 without ``state`` plus
``stateRevision``, a number that grows each time the state may have changed. Whoever
runs the session persists `state_json` behind the answers (the extension: the
offscreen document hands it to the service worker, which keeps it in
``chrome.storage.session``) and, on a fresh runtime, sends it back once as the
request's ``state``, which replaces the held state before the event is handled.

The rules, their order and their answers are those of `dispatch`; only the transport
of the state differs, so an event costs the same at an empty state and at its bound.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from . import _json_text, _read_json, _too_deep, _unreadable_fetch_result
from .adapters import Registry
from .contract import CONTRACT_VERSION, parse_request
from .errors import CallbackError, ErrorCode
from .router import RULES, apply_rule, failure_actions
from .state import State


class Session:
    """One runtime's state, held between events; `dispatch_json` never raises."""

    def __init__(self, *, registry: Registry | None = None) -> None:
        self._registry = registry
        self._state: State | None = None  # None until loaded or first used
        self.revision = 0

    @property
    def loaded(self) -> bool:
        """False in a fresh runtime: the caller should send the persisted state once."""
        return self._state is not None

    def state_json(self) -> str:
        """The held state as contract v1 ``state`` JSON, for the caller to persist; bounded
        in bytes as `dispatch_json`'s state is (what does not fit is evicted here too)."""
        if self._state is None:
            self._state = State()
        return self._state.bounded_json()

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
            self._state = State.load(request.pop("state"))  # not ours: reset, and go on
        if self._state is None:
            self._state = State()
        try:
            parsed = parse_request(request)
            rule = RULES.get(parsed.message_type)
            if rule is None:
                return self._response([], self._take_problems())
            # The rule works on a shallow copy (every change replaces a top-level
            # entry), kept only if the rule succeeds: a failing rule changes nothing,
            # as in contract v1.
            working = _shallow_copy(self._state)
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
            self._state = working
            self.revision += 1
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


def _shallow_copy(state: State) -> State:
    return replace(
        state,
        popped=state.popped.copy(),
        matches=state.matches.copy(),
        logs=state.logs.copy(),
        pending=state.pending.copy(),
        asked_numbers=state.asked_numbers.copy(),
        asked_sessions=state.asked_sessions.copy(),
        problems=list(state.problems),
    )


def _owed(message: object, error: CallbackError) -> list[Any]:
    try:
        return failure_actions(message, error)
    except Exception:
        return []


__all__ = ["Session"]
