"""Requests the widget sends to the registered service (``rc-post-message-request``).

Each path has one handler returning the reply's data, or `DEFERRED` when the reply
waits for the CRM server (the fetch's continuation sends it). Whatever happens, the
widget gets a reply before its timeout: a failing handler's reply carries a neutral
answer for its path and the user is told what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..actions import Action, notify, reply
from ..errors import CallbackError, ErrorCode
from ..registry_table import RegistryTable, owner_of
from ..router import Context, handles
from ..service import BUTTON_EVENT_PATH, CONTACT_MATCH_PATH, ENTITY_MATCH_PATH
from ..state import check_key

RequestHandler = Callable[[Context, "WidgetRequest"], Any]
ButtonHandler = Callable[[Context, dict[str, Any]], None]
REQUEST_HANDLERS: RegistryTable[RequestHandler] = RegistryTable("widget request path")
BUTTON_HANDLERS: RegistryTable[ButtonHandler] = RegistryTable("customized page button")
FAILURE_REPLIES: dict[str, Any] = {CONTACT_MATCH_PATH: {}, ENTITY_MATCH_PATH: {}}
DEFAULT_REPLY = "ok"
DEFERRED = object()


@dataclass(frozen=True)
class WidgetRequest:
    request_id: str
    path: str
    body: dict[str, Any]


def handles_request(path: str) -> Callable[[RequestHandler], RequestHandler]:
    """Register the handler for widget requests to `path`."""

    def register(handler: RequestHandler) -> RequestHandler:
        REQUEST_HANDLERS.add(path, handler, owner=owner_of(handler))
        return handler

    return register


def handles_button(button_id: str) -> Callable[[ButtonHandler], ButtonHandler]:
    """Register the handler for a button of one of our customized widget pages."""

    def register(handler: ButtonHandler) -> ButtonHandler:
        BUTTON_HANDLERS.add(button_id, handler, owner=owner_of(handler))
        return handler

    return register


def neutral_reply(request_id: str, path: object, error: CallbackError) -> list[Action]:
    """The neutral answer for `path`, with a notice why (none for pages we do not serve)."""
    answer = FAILURE_REPLIES.get(path, DEFAULT_REPLY)  # type: ignore[arg-type]
    quiet = error.code in (ErrorCode.UNKNOWN_PLATFORM, ErrorCode.BAD_HOSTNAME)
    notice = [] if quiet else [notify("error", error.message)]
    return [*notice, reply(request_id, answer)]


def reply_on_failure(message: dict[str, Any], error: CallbackError) -> list[Action]:
    """The reply a failed request still owes the widget."""
    request_id = message.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        return []
    return neutral_reply(request_id, message.get("path"), error)


@handles("rc-post-message-request", on_failure=reply_on_failure)
def on_widget_request(context: Context) -> None:
    message = context.request.message
    request_id, path, body = message.get("requestId"), message.get("path"), message.get("body")
    if not isinstance(request_id, str) or not request_id:
        raise CallbackError(ErrorCode.BAD_MESSAGE, "a widget request needs a requestId")
    check_key(request_id, "the widget request's requestId")
    handler = REQUEST_HANDLERS.get(path)
    if handler is None:
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"no handler for widget request path {path!r}")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"the body of {path} must be an object")
    data = handler(context, WidgetRequest(request_id, path, body))
    if data is not DEFERRED:
        context.actions.append(reply(request_id, data))


@handles_request(BUTTON_EVENT_PATH)
def on_button(context: Context, request: WidgetRequest) -> str:
    """Buttons of our customized pages (the contact chooser, the API-key sign-in)."""
    button = request.body.get("button")
    handler = BUTTON_HANDLERS.get(button.get("id")) if isinstance(button, dict) else None
    if handler is None:
        raise CallbackError(ErrorCode.BAD_MESSAGE, "unknown button in a crm-callbacks page")
    handler(context, button)  # type: ignore[arg-type]
    return DEFAULT_REPLY
