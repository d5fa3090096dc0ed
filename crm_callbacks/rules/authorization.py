"""The widget's Connect/Logout control for the CRM.

Logout (deauthorize) cleans up what the CRM stored, tells the widget and, when a CRM
server holds the session, ends it there too. Connect, for API-key CRMs, shows an
API-key form in the widget and signs in at the App Connect server, which answers
with the session token the extension stores.
"""

from __future__ import annotations

from typing import Any

from ..actions import notify, post, remove_storage, set_storage
from ..appconnect import api_key_login, checked_body, server_url, token_from, unauthorize
from ..errors import CallbackError, ErrorCode
from ..router import Context
from ..service import (
    AUTHORIZATION_PATH,
    COMMON_SESSION_KEYS,
    JWT_KEY,
    authorization_status_message,
    is_authorized,
)
from .effects import await_fetches, resumes
from .requests import DEFAULT_REPLY, WidgetRequest, handles_button, handles_request
from .service import refresh_widget_matches

API_KEY_PAGE_ID = "crmCallbacksApiKeyLogin"


@handles_request(AUTHORIZATION_PATH)
def on_authorize(context: Context, request: WidgetRequest) -> str:
    if is_authorized(context.storage):
        log_out(context)
    else:
        offer_sign_in(context)
    return DEFAULT_REPLY


def log_out(context: Context) -> None:
    """Deauthorize: the CRM's keys and the session keys go, every other key stays."""
    adapter = context.adapter
    if server_url(context.settings):
        key = f"unauthorize:{adapter.name}"
        end_session = unauthorize(key, context.settings, context.storage)
        await_fetches(
            context, key, {"kind": "unauthorize", "crm": adapter.display_name}, end_session
        )
    context.actions.extend(adapter.unauthorize(context.storage))
    context.actions.append(remove_storage(list(COMMON_SESSION_KEYS)))
    context.actions.append(post(authorization_status_message(authorized=False)))
    context.actions.append(notify("info", f"Logged out of {adapter.display_name}."))
    context.state.forget_crm_data()
    refresh_widget_matches(context)  # the widget drops the CRM's contacts it cached


@resumes("unauthorize")
def resume_log_out(
    context: Context, key: str, pending: dict[str, Any], result: dict[str, Any]
) -> None:
    context.state.pending.pop(key, None)
    try:
        if result.get("status") != 401:  # an already-expired session is logged out all the same
            checked_body(result, "logout")
    except CallbackError as error:
        context.errors.append(error)
        context.actions.append(
            notify("warning", f"Logged out of {pending.get('crm')} here; {error.message}")
        )


def offer_sign_in(context: Context) -> None:
    """Connect: the API-key form in the widget, or why this CRM cannot connect here."""
    adapter = context.adapter
    if adapter.auth_type != "apiKey":
        context.actions.append(
            notify(
                "warning",
                f"Connecting to {adapter.display_name} uses OAuth, which this "
                "extension does not support yet.",
            )
        )
        return
    if not server_url(context.settings):
        context.actions.append(
            notify(
                "warning",
                f"Connecting to {adapter.display_name} needs an App Connect "
                "server; set one in the extension's options.",
            )
        )
        return
    page = {
        "id": API_KEY_PAGE_ID,
        "title": f"Connect to {adapter.display_name}",
        "type": "page",
        "schema": {
            "type": "object",
            "required": ["apiKey"],
            "properties": {
                "apiKey": {"type": "string", "title": f"{adapter.display_name} API key"}
            },
        },
        "uiSchema": {
            "apiKey": {"ui:widget": "password"},
            "submitButtonOptions": {"submitText": "Connect"},
        },
        "formData": {"apiKey": ""},
    }
    context.actions.append(post({"type": "rc-adapter-register-customized-page", "page": page}))
    context.actions.append(
        post({"type": "rc-adapter-navigate-to", "path": f"/customized/{API_KEY_PAGE_ID}"})
    )


@handles_button(API_KEY_PAGE_ID)
def sign_in(context: Context, button: dict[str, Any]) -> None:
    """The form's Connect button: sign in at the server with the API key."""
    form = button.get("formData")
    api_key = form.get("apiKey") if isinstance(form, dict) else None
    if not isinstance(api_key, str) or not api_key.strip():
        raise CallbackError(ErrorCode.BAD_MESSAGE, "Enter an API key to connect.")
    adapter = context.adapter
    key = f"login:{adapter.name}"
    body = {
        "platform": adapter.name,
        "apiKey": api_key.strip(),
        "hostname": context.hostname,
        "rcUserNumber": context.state.rc_user_number,
    }
    await_fetches(
        context,
        key,
        {"kind": "login", "crm": adapter.display_name},
        api_key_login(key, context.settings, body),
    )


@resumes("login")
def resume_sign_in(
    context: Context, key: str, pending: dict[str, Any], result: dict[str, Any]
) -> None:
    """Store the session token and flip the widget to Logout."""
    token = token_from(result)  # a failure is reported by the effects handler
    context.state.pending.pop(key, None)
    context.actions.append(set_storage({JWT_KEY: token}))
    context.actions.append(post(authorization_status_message(authorized=True)))
    context.actions.append(post({"type": "rc-adapter-navigate-to", "path": "/history"}))
    refresh_widget_matches(context)  # the widget re-asks past its cached "no match"
    context.actions.append(notify("info", f"Connected to {pending.get('crm')}."))
