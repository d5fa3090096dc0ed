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

import json
from dataclasses import replace
from typing import Any

from . import _check_depth
from .adapters import Registry, default_registry
from .contract import CONTRACT_VERSION, parse_request
from .errors import CallbackError, ErrorCode
from .router import RULES, _context, failure_actions
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
        """The held state as contract v1 ``state`` JSON, for the caller to persist."""
        return json.dumps((self._state or State()).to_json())

    def dispatch_json(self, request_json: str) -> str:
        """Handle one event (JSON text in, JSON text out) against the held state."""
        try:
            if not isinstance(request_json, str):
                raise TypeError(f"expected str, got {type(request_json).__name__}")
            _check_depth(request_json)
            request = json.loads(request_json)
        except (TypeError, ValueError, RecursionError) as exc:
            error = CallbackError(ErrorCode.BAD_JSON, f"the request is not JSON: {exc}"[:500])
            return json.dumps(self._response([], [error]))
        try:
            return json.dumps(self.dispatch(request))
        except (TypeError, ValueError, RecursionError) as exc:
            error = CallbackError(ErrorCode.INTERNAL_ERROR, f"response not serialisable: {exc}")
            return json.dumps(self._response([], [error]))

    def dispatch(self, request: Any) -> dict[str, Any]:
        """`crm_callbacks.dispatch` with the held state; ``state`` in `request` replaces it."""
        message = request.get("message") if isinstance(request, dict) else None
        if isinstance(request, dict) and "state" in request:
            request = dict(request)
            self.revision += 1
            try:
                self._state = State.from_json(request.pop("state"))
            except CallbackError as error:  # as in contract v1: reset, and only what is owed
                self._state = State()
                return self._response(_owed(message, error), [error])
        if self._state is None:
            self._state = State()
        try:
            parsed = parse_request(request)
            rule = RULES.get(parsed.message_type)
            if rule is None:
                return self._response([], [])
            # The rule works on a shallow copy (every change replaces a top-level
            # entry), kept only if the rule succeeds: a failing rule changes nothing,
            # as in contract v1.
            working = _shallow_copy(self._state)
            context = _context(parsed, rule, working, self._registry or default_registry())
            rule.handler(context)
        except Exception as exc:  # a bug must still answer, and open nothing
            error = (
                exc
                if isinstance(exc, CallbackError)
                else CallbackError(ErrorCode.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"[:500])
            )
            return self._response(_owed(message, error), [error])
        self._state = context.state
        self.revision += 1
        return self._response(context.actions, context.errors)

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
    )


def _owed(message: object, error: CallbackError) -> list[Any]:
    try:
        return failure_actions(message, error)
    except Exception:
        return []


__all__ = ["Session"]
