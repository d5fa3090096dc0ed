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

from ..actions import Action, notify, post, remove_storage, set_storage
from ..appconnect import FETCH_RESULT, refreshed_token, session_ended, session_token
from ..errors import CallbackError, ErrorCode
from ..registry_table import RegistryTable, owner_of
from ..router import Context, handles
from ..service import (
    COMMON_SESSION_KEYS,
    JWT_KEY,
    authorization_status_message,
)
from .requests import neutral_reply

LOOKUP_KINDS = frozenset({"contactMatch", "callpop", "callLogs"})
"""Continuations that use the session: their answers can renew or end it."""
NO_MATCHES = {"successful": True, "contact": [], "logs": []}

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
    """Send `fetches` and remember `continuation` (it has a ``kind``) under `key`.

    The entry expires (by the request's ``context.now``) after the longest fetch's
    timeout and a grace period: a result lost with a stopped worker blocks nothing.
    """
    timeout_ms = max((int(f.get("timeoutMs") or 0) for f in fetches), default=0)
    context.state.await_result(key, continuation, now=context.request.now, timeout_ms=timeout_ms)
    context.actions.extend(fetches)


def pending_key(kind: str, identifier: str) -> str:
    """``kind:identifier`` with ``%`` and ``#`` escaped in `identifier`.

    ``#`` separates a key from a fetch's part number, so an id that carries one (a
    session id ``A#1``) must not read as another id's key (``A``) and resume its lookup.
    """
    return f"{kind}:{identifier.replace('%', '%25').replace('#', '%23')}"


@handles(FETCH_RESULT)
def on_fetch_result(context: Context) -> None:
    result = context.request.message
    fetch_id = result.get("id")
    if not isinstance(fetch_id, str) or not fetch_id:
        raise CallbackError(ErrorCode.BAD_MESSAGE, "a fetch result needs its id")
    key = fetch_id.partition("#")[0]  # keys escape "#" (`pending_key`)
    pending = context.state.pending.get(key)
    if pending is None:
        raise CallbackError(ErrorCode.UNKNOWN_FETCH, f"no request is waiting for {fetch_id!r}")
    resume = CONTINUATIONS.get(pending.get("kind"))
    if pending.get("kind") in LOOKUP_KINDS:
        result = _session_life(context, result)
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


def _session_life(context: Context, result: dict[str, Any]) -> dict[str, Any]:
    """Keep a renewed token; on an ended session sign out here, once, and let the waiting
    rule go on as if nothing matched (no error per call)."""
    token = session_token(context.settings, context.storage, context.adapter)
    renewed = refreshed_token(result)
    if renewed and token and renewed != token:
        context.actions.append(set_storage({JWT_KEY: renewed}))
    if not session_ended(result):
        return result
    if token:  # still signed in here: this is the first answer that says the session ended
        context.actions.append(remove_storage(list(COMMON_SESSION_KEYS)))
        context.actions.append(post(authorization_status_message(authorized=False)))
        context.actions.append(
            notify(
                "warning",
                f"Your {context.adapter.display_name} session ended; connect again to "
                "look up contacts and call logs.",
            )
        )
    context.errors.append(
        CallbackError(ErrorCode.SESSION_ENDED, "The CRM server no longer knows this sign-in")
    )
    return {**result, "status": 200, "body": NO_MATCHES}


def _owed(pending: dict[str, Any], error: CallbackError) -> list[Action]:
    """The widget's reply when the continuation answers a request, else a notice."""
    request_id = pending.get("requestId")
    if isinstance(request_id, str) and request_id:
        return neutral_reply(request_id, pending.get("path"), error)
    return [notify("error", error.message)]
