"""HTTP through the contract: a rule asks for a `fetch`, the shim performs it, and the
result (``crm-callbacks-fetch-result``) resumes the rule from what state remembers.

A continuation is a plain dict in ``state.pending`` naming its `kind`; the kind's
resume function runs when the result for that fetch id arrives. Fetch ids may carry
a ``#part`` suffix when one continuation waits for several fetches. Whatever fails,
a widget request waiting on the fetch still gets its reply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..actions import Action, notify
from ..appconnect import FETCH_RESULT
from ..errors import CallbackError, ErrorCode
from ..registry_table import RegistryTable, owner_of
from ..router import Context, handles
from .requests import neutral_reply

Resume = Callable[[Context, str, dict[str, Any], dict[str, Any]], None]
CONTINUATIONS: RegistryTable[Resume] = RegistryTable("fetch continuation kind")


def resumes(kind: str) -> Callable[[Resume], Resume]:
    """Register what to do when a fetch of continuation `kind` has its result."""

    def register(resume: Resume) -> Resume:
        CONTINUATIONS.add(kind, resume, owner=owner_of(resume))
        return resume

    return register


def await_fetches(
    context: Context, key: str, continuation: dict[str, Any], *fetches: Action
) -> None:
    """Send `fetches` and remember `continuation` (it has a ``kind``) under `key`."""
    context.state.await_result(key, continuation)
    context.actions.extend(fetches)


@handles(FETCH_RESULT)
def on_fetch_result(context: Context) -> None:
    result = context.request.message
    fetch_id = result.get("id")
    if not isinstance(fetch_id, str) or not fetch_id:
        raise CallbackError(ErrorCode.BAD_MESSAGE, "a fetch result needs its id")
    key = fetch_id.split("#", 1)[0]
    pending = context.state.pending.get(key)
    if pending is None:
        raise CallbackError(ErrorCode.UNKNOWN_FETCH, f"no request is waiting for {fetch_id!r}")
    resume = CONTINUATIONS.get(pending.get("kind"))
    kept = len(context.actions)
    try:
        if resume is None:
            raise CallbackError(
                ErrorCode.BAD_STATE, f"unknown continuation {pending.get('kind')!r}"
            )
        resume(context, key, pending, result)
    except CallbackError as error:
        del context.actions[kept:]  # a failed continuation opens nothing
        context.state.pending.pop(key, None)
        context.errors.append(error)
        context.actions.extend(_owed(pending, error))


def _owed(pending: dict[str, Any], error: CallbackError) -> list[Action]:
    """The widget's reply when the continuation answers a request, else a notice."""
    request_id = pending.get("requestId")
    if isinstance(request_id, str) and request_id:
        return neutral_reply(request_id, pending.get("path"), error)
    return [notify("error", error.message)]
