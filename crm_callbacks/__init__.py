"""crm-callbacks: RingCentral Embeddable CRM callbacks as pure Python.

The whole browser-facing API is `dispatch` (dict in, dict out) and its JSON twin
`dispatch_json`, which the extension's offscreen document calls through Pyodide.
Neither raises: every failure is an entry in the response's ``errors``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import rules  # noqa: F401 - registers the router's rules
from ._version import __version__
from .adapters import Adapter, Registry, default_registry
from .appconnect import FETCH_RESULT
from .configuration import configure
from .contract import CONTRACT_VERSION, make_response, parse_request
from .errors import CallbackError, ErrorCode
from .manifest import build_info, content_script_matches
from .router import failure_actions, route
from .state import MAX_STATE_BYTES, fit

MAX_JSON_DEPTH = 64
"""Deeper request JSON is refused before parsing: in Pyodide, parsing very deep
nesting overflows the JavaScript stack and kills the runtime instead of raising."""


def dispatch(request: Any, *, registry: Registry | None = None) -> dict[str, Any]:
    """Turn one widget event (contract v1 request) into actions; never raises.

    `registry` replaces the default adapters (tests of an adapter not registered yet).
    The response's ``state`` is bounded to `MAX_STATE_BYTES` of JSON text.
    """
    response = _answer(request, registry)
    text, changed = fit(response["state"])
    if changed:
        response["state"] = json.loads(text)
    return response


def _answer(request: Any, registry: Registry | None) -> dict[str, Any]:
    raw_state = request.get("state") if isinstance(request, dict) else None
    incoming_state = raw_state if isinstance(raw_state, dict) else {}
    try:
        outcome = route(parse_request(request), registry)
    except Exception as exc:  # a bug must still answer the shim, and open nothing
        error = (
            exc
            if isinstance(exc, CallbackError)
            else CallbackError(ErrorCode.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"[:500])
        )
        message = request.get("message") if isinstance(request, dict) else None
        return make_response(_owed(message, error), incoming_state, [error])
    return make_response(outcome.actions, outcome.state, outcome.errors)


_BRACKET = re.compile(r"[\[\]{}]")
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def _check_depth(text: str) -> None:
    """ValueError if `text` nests arrays/objects deeper than `MAX_JSON_DEPTH`.

    Strings are skipped by splitting on quotes once escaped quotes are gone; the
    remaining scan touches only brackets, so a large state costs well under 1 ms.
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return  # cannot be that deep: skip the scan
    outside = text.replace("\\\\", "").replace('\\"', "").split('"')[::2]
    depth = 0
    for bracket in _BRACKET.findall("".join(outside)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")


def _prune_depth(text: str) -> str | None:
    """`text` with every value nested past `MAX_JSON_DEPTH` replaced by ``null``, or
    None when nothing is that deep. Lets a refused request still be read (its state,
    the requestId a widget request is owed a reply to) without parsing the deep part."""
    try:
        _check_depth(text)
        return None
    except ValueError:
        pass
    parts, kept_to, cut_from, depth = [], 0, -1, 0
    for token in _STRING_OR_BRACKET.finditer(text):
        bracket = token.group()
        if bracket[0] == '"':
            continue
        if bracket in "[{":
            depth += 1
            if depth == MAX_JSON_DEPTH + 1:
                cut_from = token.start()
        else:
            if depth == MAX_JSON_DEPTH + 1:
                parts += [text[kept_to:cut_from], "null"]
                kept_to, cut_from = token.end(), -1
            depth -= 1
    if cut_from >= 0:  # never closed: what is left is not JSON, and json.loads says so
        parts += [text[kept_to:cut_from], "null"]
        kept_to = len(text)
    parts.append(text[kept_to:])
    return "".join(parts)


def _owed(message: object, error: CallbackError) -> list[Any]:
    """The reply a widget request is owed even when its handling failed."""
    try:
        return failure_actions(message, error)
    except Exception:
        return []


def _too_deep() -> CallbackError:
    return CallbackError(
        ErrorCode.BAD_JSON, f"the request is nested deeper than {MAX_JSON_DEPTH} levels"
    )


def _unreadable_fetch_result(message: object, error: CallbackError) -> dict[str, Any] | None:
    """A server answer that could not be read, as the fetch result that settles its
    pending lookup; None when `message` is not a fetch result."""
    if not isinstance(message, dict) or message.get("type") != FETCH_RESULT:
        return None
    status = message.get("status")
    return {
        "type": FETCH_RESULT,
        "id": message.get("id"),
        "status": status if isinstance(status, int) and not isinstance(status, bool) else 0,
        # Unreadable, not "successful: false": that would read as a session the server ended.
        "body": error.message,
        "error": error.message,
    }


def _refused_as_too_deep(request: Any, registry: Registry | None) -> dict[str, Any]:
    """A request nested too deep is not handled, but loses nothing: its state comes
    back as it was, a widget request still gets its reply, and a server answer still
    settles its pending lookup (as an unreadable answer)."""
    error = _too_deep()
    if not isinstance(request, dict):
        response = make_response([], {}, [error])
        del response["state"]  # none was sent: the shim keeps its own
        return response
    message = request.get("message")
    unreadable = _unreadable_fetch_result(message, error)
    if unreadable is not None:
        response = _answer({**request, "message": unreadable}, registry)
        response["errors"].insert(0, error.as_dict())
        return response
    state = request.get("state")
    return make_response(_owed(message, error), state if isinstance(state, dict) else {}, [error])


def _read_json(text: object) -> tuple[Any, bool]:
    """(the request, whether parts nested too deep were cut to null); BAD_JSON when
    `text` is not JSON text at all."""
    try:
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__}")
        pruned = _prune_depth(text)
        return json.loads(text if pruned is None else pruned), pruned is not None
    except (TypeError, ValueError, RecursionError) as exc:
        raise CallbackError(ErrorCode.BAD_JSON, f"the request is not JSON: {exc}"[:500]) from None


def dispatch_json(request_json: str, *, registry: Registry | None = None) -> str:
    """`dispatch` for the JS shim: JSON text in, JSON text out; never raises.

    Text that is not JSON is answered without a ``state`` key: the shim keeps the
    state it has (nothing was read from it, so nothing in it changed).
    """
    try:
        request, pruned = _read_json(request_json)
    except CallbackError as error:
        response = make_response([], {}, [error])
        del response["state"]
        return _response_text(response)
    answered = _refused_as_too_deep(request, registry) if pruned else _answer(request, registry)
    return _response_text(answered)


def _response_text(response: dict[str, Any]) -> str:
    """The response as JSON text: the state bounded by `fit` (which measures the text
    written anyway) and spliced in, so bounding it costs no second serialisation."""
    state = response.pop("state", None)
    head = _json_text(response)
    if state is None:
        return head
    state_text, _ = fit(state)
    return f'{head[:-1]}, "state": {state_text}}}'


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        error = CallbackError(ErrorCode.INTERNAL_ERROR, f"response not serialisable: {exc}")
        return json.dumps({"v": CONTRACT_VERSION, "actions": [], "errors": [error.as_dict()]})


__all__ = [
    "CONTRACT_VERSION",
    "MAX_STATE_BYTES",
    "Adapter",
    "CallbackError",
    "ErrorCode",
    "Registry",
    "__version__",
    "build_info",
    "configure",
    "content_script_matches",
    "default_registry",
    "dispatch",
    "dispatch_json",
]
