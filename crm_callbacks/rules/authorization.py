"""The widget's Connect/Logout control for the CRM.

Logout (deauthorize) cleans up what the CRM stored, tells the widget and, when a CRM
server holds the session, ends it there too. Connect, for API-key CRMs, shows the sign-in
form the platform's manifest declares (``auth.apiKey.page``: an API key, or e.g. Redtail's
username and password) and signs in at the App Connect server with its fields as
``additionalInfo``; the server answers with the session token, stored with the server
that issued it (it is never sent to another).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ..actions import auth_flow, fetch, notify, post, remove_storage, set_storage
from ..appconnect import (
    LOGIN_TIMEOUT_MS,
    api_key_login,
    checked_body,
    return_message,
    server_url,
    session_token,
    token_from,
    unauthorize,
)
from ..errors import CallbackError, ErrorCode
from ..router import Context, handles
from ..service import (
    AUTHORIZATION_PATH,
    COMMON_SESSION_KEYS,
    JWT_KEY,
    SESSION_SERVER_KEY,
    authorization_status_message,
    is_authorized,
)
from .effects import await_fetches, resumes
from .requests import DEFAULT_REPLY, WidgetRequest, handles_button, handles_request
from .service import refresh_widget_matches

API_KEY_PAGE_ID = "crmCallbacksApiKeyLogin"
AUTH_RESULT = "crm-callbacks-auth-result"
USER_LOOKUP_PAGE_ID = "crmCallbacksUserLookup"
# Fields a manifest's page shows but that hold no input (App Connect's own page has these).
DISPLAY_ONLY_FIELDS = frozenset({"typography", "button", "admonition"})


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
    if session_token(context.settings, context.storage, adapter):
        key = f"unauthorize:{adapter.name}"
        end_session = unauthorize(key, context.settings, context.storage, adapter)
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
    """Connect: the API-key form, the OAuth sign-in, or why this CRM cannot connect here."""
    adapter = context.adapter
    if adapter.auth_type == "oauth" and server_url(context.settings, adapter):
        start_oauth(context)
        return
    if adapter.auth_type != "apiKey":
        context.actions.append(
            notify(
                "warning",
                f"Connecting to {adapter.display_name} uses OAuth, which needs an App Connect "
                "server and the platform's OAuth settings (its manifest's auth.oauth).",
            )
        )
        return
    if not server_url(context.settings, adapter):
        context.actions.append(
            notify(
                "warning",
                f"Connecting to {adapter.display_name} needs an App Connect "
                "server; set one in the extension's options.",
            )
        )
        return
    page = sign_in_page(adapter.display_name, adapter.api_key_page)
    context.actions.append(post({"type": "rc-adapter-register-customized-page", "page": page}))
    context.actions.append(
        post({"type": "rc-adapter-navigate-to", "path": f"/customized/{API_KEY_PAGE_ID}"})
    )


def _fields(manifest_page: Any) -> list[dict[str, Any]]:
    content = manifest_page.get("content") if isinstance(manifest_page, dict) else None
    fields = [f for f in content or [] if isinstance(f, dict) and isinstance(f.get("const"), str)]
    return fields or [{"const": "apiKey", "title": "API key", "type": "string", "required": True}]


def _input_fields(manifest_page: Any) -> list[dict[str, Any]]:
    return [
        f
        for f in _fields(manifest_page)
        if not isinstance(f.get("uiSchema"), dict)
        or f["uiSchema"].get("ui:field") not in DISPLAY_ONLY_FIELDS
    ]


def sign_in_page(display_name: str, manifest_page: Any) -> dict[str, Any]:
    """The widget's customized page (JSON schema form) for the manifest's sign-in page.

    Without one, a single API-key field. A field's ``uiSchema`` is kept (a password stays
    hidden); an ``apiKey`` field is always a password field.
    """
    page = manifest_page if isinstance(manifest_page, dict) else {}
    fields = _fields(page)
    properties: dict[str, Any] = {}
    if isinstance(page.get("warning"), str):
        properties["warning"] = {"type": "string", "description": page["warning"]}
    ui_schema: dict[str, Any] = {
        "submitButtonOptions": {"submitText": "Connect"},
        "warning": {"ui:field": "admonition", "ui:severity": "warning"},
    }
    form_data: dict[str, Any] = {}
    for field in fields:
        name = field["const"]
        properties[name] = {
            key: field[key] for key in ("title", "type", "description") if key in field
        }
        properties[name].setdefault("type", "string")
        if isinstance(field.get("uiSchema"), dict):
            ui_schema[name] = field["uiSchema"]
        if name == "apiKey":
            ui_schema.setdefault(name, {"ui:widget": "password"})
        if isinstance(field.get("defaultValue"), str):
            form_data[name] = field["defaultValue"]
    return {
        "id": API_KEY_PAGE_ID,
        "title": str(page.get("title") or f"Connect to {display_name}"),
        "type": "page",
        "schema": {
            "type": "object",
            "required": [f["const"] for f in fields if f.get("required")],
            "properties": properties,
        },
        "uiSchema": ui_schema,
        "formData": form_data,
    }


@handles_button(API_KEY_PAGE_ID)
def sign_in(context: Context, button: dict[str, Any]) -> None:
    """The form's Connect button: sign in at the server with the form's fields.

    Every input field goes in ``additionalInfo`` (Insightly's ``apiUrl``, Redtail's
    ``username``/``password``, Freshdesk's ``fdDomain``), the API key also as ``apiKey``.
    """
    form = button.get("formData")
    form = form if isinstance(form, dict) else {}
    adapter = context.adapter
    additional: dict[str, str] = {}
    for field in _input_fields(adapter.api_key_page):
        name = field["const"]
        value = form.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if field.get("required") and not value:
            title = field.get("title") or name
            raise CallbackError(ErrorCode.BAD_MESSAGE, f"Enter {title} to connect.")
        if value:
            additional[name] = value
    key = f"login:{adapter.name}"
    body = {
        "platform": adapter.name,
        "apiKey": additional.get("apiKey", "apiKey"),  # App Connect's placeholder when none
        "hostname": context.hostname,
        "additionalInfo": additional,
        "rcUserNumber": context.state.rc_user_number,
    }
    continuation = {
        "kind": "login",
        "crm": adapter.display_name,
        "server": server_url(context.settings, adapter),
    }
    await_fetches(context, key, continuation, api_key_login(key, context.settings, body, adapter))


def start_oauth(context: Context) -> None:
    """OAuth: the CRM's authorize page in a browser sign-in window; the code it redirects
    with goes to the server's ``/oauth-callback``, which answers with the session token."""
    adapter = context.adapter
    oauth = adapter.oauth if isinstance(adapter.oauth, dict) else {}
    redirect = context.request.identity.get("redirectUrl")
    if not oauth.get("clientId") or not isinstance(redirect, str):
        raise CallbackError(
            ErrorCode.BAD_SETTING,
            f"Connecting to {adapter.display_name} needs its OAuth settings "
            "(auth.oauth authUrl and clientId) and the browser's sign-in support.",
        )
    try:
        auth_url, extra_authorize, extra_callback = adapter.oauth_endpoints(context.storage)
    except CallbackError as error:
        if adapter.user_lookup_url and error.code == ErrorCode.MISSING_STORAGE:
            offer_user_lookup(context)
            return
        raise
    if not auth_url:
        raise CallbackError(ErrorCode.BAD_SETTING, f"{adapter.display_name} has no authUrl")
    state = oauth.get("customState") or f"platform={adapter.name}"
    params = {"response_type": "code", **extra_authorize, "client_id": oauth["clientId"]}
    query = urlencode({**params, "state": state, "redirect_uri": redirect})
    scope = oauth.get("scope") if isinstance(oauth.get("scope"), str) else ""
    url = f"{auth_url}?{query}" + (f"&{scope}" if scope else "")
    key = f"oauth:{adapter.name}"
    context.state.await_result(
        key,
        {
            "kind": "oauth",
            "crm": adapter.display_name,
            "server": server_url(context.settings, adapter),
            "redirect": redirect,
            "callback": extra_callback,
        },
    )
    context.actions.append(auth_flow(key, url))


def offer_user_lookup(context: Context) -> None:
    """Ask the user's CRM user name (Bullhorn: to find their data centre) first."""
    adapter = context.adapter
    page = sign_in_page(
        adapter.display_name,
        {
            "title": f"Connect to {adapter.display_name}",
            "content": [
                {"const": "username", "title": "User name", "type": "string", "required": True}
            ],
        },
    )
    page["id"] = USER_LOOKUP_PAGE_ID
    context.actions.append(post({"type": "rc-adapter-register-customized-page", "page": page}))
    context.actions.append(
        post({"type": "rc-adapter-navigate-to", "path": f"/customized/{USER_LOOKUP_PAGE_ID}"})
    )


@handles_button(USER_LOOKUP_PAGE_ID)
def look_up_user(context: Context, button: dict[str, Any]) -> None:
    form = button.get("formData")
    name = form.get("username") if isinstance(form, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise CallbackError(ErrorCode.BAD_MESSAGE, "Enter your user name to connect.")
    adapter = context.adapter
    key = f"userLookup:{adapter.name}"
    url = f"{adapter.user_lookup_url}?{urlencode({'username': name.strip()})}"
    await_fetches(
        context,
        key,
        {"kind": "userLookup", "username": name.strip()},
        fetch(key, "GET", url, timeout_ms=LOGIN_TIMEOUT_MS),
    )


@resumes("userLookup")
def resume_user_lookup(
    context: Context, key: str, pending: dict[str, Any], result: dict[str, Any]
) -> None:
    """Store what the lookup answered (checked by the adapter), then start the OAuth."""
    context.state.pending.pop(key, None)
    body = result.get("body")
    if result.get("status") != 200 or not isinstance(body, dict):
        raise CallbackError(
            ErrorCode.SERVER_ERROR,
            f"Could not look up {pending.get('username')!r} (HTTP {result.get('status')})",
        )
    adapter = context.adapter
    stored = {adapter.storage_keys[0]: body}
    if adapter.username_key:
        stored[adapter.username_key] = pending["username"]
    adapter.oauth_endpoints(stored)  # refuses URLs off the CRM's own hosts before storing
    context.actions.append(set_storage(stored))
    lookup_storage = {**context.storage, **stored}
    context.request = replace(context.request, storage=lookup_storage)
    start_oauth(context)


@handles(AUTH_RESULT)
def on_auth_result(context: Context) -> None:
    """The sign-in window closed: exchange its redirect (with the code) at the server."""
    message = context.request.message
    key = message.get("id")
    pending = context.state.pending.get(key) if isinstance(key, str) else None
    if pending is None or pending.get("kind") != "oauth":
        raise CallbackError(ErrorCode.UNKNOWN_FETCH, f"no sign-in is waiting for {key!r}")
    context.state.pending.pop(key, None)
    callback = message.get("url")
    if not isinstance(callback, str) or not callback.startswith(str(pending["redirect"])):
        reason = message.get("error") or "the sign-in window gave no answer"
        raise CallbackError(ErrorCode.SERVER_ERROR, f"Signing in was not completed: {reason}")
    if "code" not in parse_qs(urlsplit(callback).query):
        raise CallbackError(ErrorCode.SERVER_ERROR, "The CRM refused the sign-in (no code).")
    query = urlencode(
        {"callbackUri": callback, "hostname": context.hostname, **pending.get("callback", {})}
    )
    url = f"{pending['server']}/oauth-callback?{query}"
    login_key = f"login:{context.adapter.name}"
    continuation = {"kind": "login", "crm": pending["crm"], "server": pending["server"]}
    await_fetches(
        context,
        login_key,
        continuation,
        fetch(login_key, "GET", url, timeout_ms=LOGIN_TIMEOUT_MS),
    )


@resumes("login")
def resume_sign_in(
    context: Context, key: str, pending: dict[str, Any], result: dict[str, Any]
) -> None:
    """Store the session token with its server and flip the widget to Logout."""
    token = token_from(result)  # a failure is reported by the effects handler
    context.state.pending.pop(key, None)
    server = pending.get("server") or server_url(context.settings, context.adapter)
    context.actions.append(set_storage({JWT_KEY: token, SESSION_SERVER_KEY: server}))
    context.actions.append(post(authorization_status_message(authorized=True)))
    context.actions.append(post({"type": "rc-adapter-navigate-to", "path": "/history"}))
    refresh_widget_matches(context)  # the widget re-asks past its cached "no match"
    message = return_message(result.get("body")) or f"Connected to {pending.get('crm')}."
    context.actions.append(notify("info", message))
