"""Requests the widget sends to the registered service (``rc-post-message-request``).

Each path has one handler returning the reply's data. Whatever happens, the widget
gets a reply, so it never waits out its timeout: a failing handler's reply carries a
neutral answer for its path and the user is told what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..actions import Action, notify, reply
from ..errors import CallbackError, ErrorCode
from ..router import Context, handles
from ..service import CONTACT_MATCH_PATH, ENTITY_MATCH_PATH

RequestHandler = Callable[[Context, "WidgetRequest"], Any]
REQUEST_HANDLERS: dict[str, RequestHandler] = {}
FAILURE_REPLIES: dict[str, Any] = {CONTACT_MATCH_PATH: {}, ENTITY_MATCH_PATH: {}}
DEFAULT_REPLY = "ok"


@dataclass(frozen=True)
class WidgetRequest:
    request_id: str
    path: str
    body: dict[str, Any]


def handles_request(path: str) -> Callable[[RequestHandler], RequestHandler]:
    """Register the handler for widget requests to `path`."""

    def register(handler: RequestHandler) -> RequestHandler:
        REQUEST_HANDLERS[path] = handler
        return handler

    return register


def reply_on_failure(message: dict[str, Any], error: CallbackError) -> list[Action]:
    """The neutral reply a failed request still owes the widget, and a notice why."""
    request_id = message.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        return []
    answer = FAILURE_REPLIES.get(message.get("path"), DEFAULT_REPLY)  # type: ignore[arg-type]
    quiet = error.code in (ErrorCode.UNKNOWN_PLATFORM, ErrorCode.BAD_HOSTNAME)
    notice = [] if quiet else [notify("error", error.message)]
    return [*notice, reply(request_id, answer)]


@handles("rc-post-message-request", on_failure=reply_on_failure)
def on_widget_request(context: Context) -> None:
    message = context.request.message
    request_id, path, body = message.get("requestId"), message.get("path"), message.get("body")
    if not isinstance(request_id, str) or not request_id:
        raise CallbackError(ErrorCode.BAD_MESSAGE, "a widget request needs a requestId")
    handler = REQUEST_HANDLERS.get(path)  # type: ignore[arg-type]
    if handler is None:
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"no handler for widget request path {path!r}")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"the body of {path} must be an object")
    data = handler(context, WidgetRequest(request_id, path, body))
    context.actions.append(reply(request_id, data))
