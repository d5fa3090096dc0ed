"""The version-1 request/response shapes of docs/contract.md, checked at the boundary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .actions import Action
from .errors import CallbackError, ErrorCode

CONTRACT_VERSION = 1


@dataclass(frozen=True)
class Request:
    """A checked request. `state` stays raw: the router reads it only when it needs it."""

    message: dict[str, Any]
    hostname: object
    page_url: str
    platform: str | None
    settings: Mapping[str, Any]
    storage: Mapping[str, Any]
    contacts: Mapping[str, Any]
    state: Any
    now: float | None = None
    """``context.now``: the shim's clock (ms since the epoch); Python has none of its own.
    Pending server lookups expire by it; without it they never expire."""
    identity: Mapping[str, Any] = field(default_factory=dict)
    """What the browser's sign-in support gives (``redirectUrl`` for OAuth), when it has it."""

    @property
    def message_type(self) -> str:
        return self.message["type"]


def parse_request(raw: object) -> Request:
    """Check `raw` against the contract; raise CallbackError naming the first problem."""
    if not isinstance(raw, dict):
        raise CallbackError(ErrorCode.BAD_REQUEST, "the request must be a JSON object")
    version = raw.get("v")
    if isinstance(version, bool) or version != CONTRACT_VERSION:
        raise CallbackError(
            ErrorCode.UNSUPPORTED_VERSION,
            f"contract version {version!r} is not supported; this package speaks v1",
        )
    message = raw.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise CallbackError(ErrorCode.BAD_MESSAGE, "message must be an object with a string type")
    context = _object(raw, "context", "request")
    page = _object(context, "page", "context")
    platform = context.get("platform")
    if platform is not None and not isinstance(platform, str):
        raise CallbackError(ErrorCode.BAD_REQUEST, "context.platform must be a string")
    page_url = page.get("url", "")
    if not isinstance(page_url, str):
        raise CallbackError(ErrorCode.BAD_REQUEST, "context.page.url must be a string")
    now = context.get("now")
    if now is not None and (
        isinstance(now, bool) or not isinstance(now, int | float) or not 0 <= now < 1e15
    ):
        raise CallbackError(ErrorCode.BAD_REQUEST, "context.now must be a time in ms")
    return Request(
        message=message,
        hostname=page.get("hostname"),
        page_url=page_url,
        platform=platform or None,
        settings=_object(context, "settings", "context"),
        storage=_object(context, "storage", "context"),
        contacts=_object(context, "contacts", "context"),
        state=raw.get("state"),
        now=now,
        identity=_object(context, "identity", "context"),
    )


def make_response(
    actions: list[Action], state: Mapping[str, Any], errors: list[CallbackError]
) -> dict[str, Any]:
    return {
        "v": CONTRACT_VERSION,
        "actions": actions,
        "state": dict(state),
        "errors": [error.as_dict() for error in errors],
    }


def _object(parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CallbackError(ErrorCode.BAD_REQUEST, f"{where}.{key} must be an object")
    return value
