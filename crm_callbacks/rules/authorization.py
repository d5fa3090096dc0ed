"""Deauthorize: logging out of the CRM from the widget cleans up what it stored."""

from __future__ import annotations

from ..actions import notify, post, remove_storage
from ..router import Context
from ..service import (
    AUTHORIZATION_PATH,
    COMMON_SESSION_KEYS,
    authorization_status_message,
    is_authorized,
)
from .requests import DEFAULT_REPLY, WidgetRequest, handles_request


@handles_request(AUTHORIZATION_PATH)
def on_authorize(context: Context, request: WidgetRequest) -> str:
    adapter = context.adapter
    if not is_authorized(context.storage):
        context.actions.append(
            notify(
                "warning",
                f"Connecting to {adapter.display_name} needs an App Connect "
                "server; set one in the extension's options.",
            )
        )
        return DEFAULT_REPLY
    context.actions.extend(adapter.unauthorize(context.storage))
    context.actions.append(remove_storage(list(COMMON_SESSION_KEYS)))
    context.actions.append(post(authorization_status_message(authorized=False)))
    context.actions.append(notify("info", f"Logged out of {adapter.display_name}."))
    context.state.forget_crm_data()
    return DEFAULT_REPLY
