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
from .configuration import configure
from .contract import CONTRACT_VERSION, make_response, parse_request
from .errors import CallbackError, ErrorCode
from .manifest import build_info, content_script_matches
from .router import failure_actions, route

MAX_JSON_DEPTH = 64
"""Deeper request JSON is refused before parsing: in Pyodide, parsing very deep
nesting overflows the JavaScript stack and kills the runtime instead of raising."""


def dispatch(request: Any, *, registry: Registry | None = None) -> dict[str, Any]:
    """Turn one widget event (contract v1 request) into actions; never raises.

    `registry` replaces the default adapters (tests of an adapter not registered yet).
    """
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


def _owed(message: object, error: CallbackError) -> list[Any]:
    """The reply a widget request is owed even when its handling failed."""
    try:
        return failure_actions(message, error)
    except Exception:
        return []


def dispatch_json(request_json: str, *, registry: Registry | None = None) -> str:
    """`dispatch` for the JS shim: JSON text in, JSON text out; never raises."""
    try:
        if not isinstance(request_json, str):
            raise TypeError(f"expected str, got {type(request_json).__name__}")
        _check_depth(request_json)
        request = json.loads(request_json)
    except (TypeError, ValueError, RecursionError) as exc:
        error = CallbackError(ErrorCode.BAD_JSON, f"the request is not JSON: {exc}"[:500])
        return json.dumps(make_response([], {}, [error]))
    response = dispatch(request, registry=registry)
    try:
        return json.dumps(response)
    except (TypeError, ValueError, RecursionError) as exc:
        error = CallbackError(ErrorCode.INTERNAL_ERROR, f"response not serialisable: {exc}")
        return json.dumps(make_response([], {}, [error]))


__all__ = [
    "CONTRACT_VERSION",
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
