"""Constructors for the actions the JS shim carries out (docs/contract.md, Actions).

Actions are plain JSON dicts so they cross the Python↔JS boundary unchanged.
"""

from __future__ import annotations

from typing import Any, Literal

Action = dict[str, Any]
NoticeLevel = Literal["info", "warning", "error"]


def open_tab(url: str, *, active: bool = True, popup: bool = False) -> Action:
    """Open `url` in a new tab, or in a popup window when `popup`."""
    return {"type": "openTab", "url": url, "active": active, "popup": popup}


def remove_storage(keys: list[str]) -> Action:
    """Remove `keys` from `chrome.storage.local`."""
    return {"type": "removeStorage", "keys": list(keys)}


def set_storage(items: dict[str, Any]) -> Action:
    """Write `items` into `chrome.storage.local`."""
    return {"type": "setStorage", "items": dict(items)}


def reply(request_id: str, data: Any) -> Action:
    """Answer a widget `rc-post-message-request` with `data`."""
    return {"type": "reply", "requestId": request_id, "data": data}


def post(message: dict[str, Any]) -> Action:
    """Post `message` to the widget iframe as is."""
    return {"type": "post", "message": message}


def notify(level: NoticeLevel, message: str) -> Action:
    """Show `message` to the user."""
    return {"type": "notify", "level": level, "message": message}


def fetch(
    request_id: str,
    method: str,
    url: str,
    *,
    timeout_ms: int,
    headers: dict[str, str] | None = None,
    body: Any = None,
    response_headers: tuple[str, ...] = (),
) -> Action:
    """Ask the shim for HTTP; its result comes back as ``crm-callbacks-fetch-result``.

    The shim aborts after `timeout_ms` and reports status 0 with an ``error``. The result's
    ``headers`` carries the `response_headers` asked for (lower-case names) that came back.
    """
    request = {"method": method, "url": url, "headers": headers or {}, "body": body}
    action = {"type": "fetch", "id": request_id, "request": request, "timeoutMs": timeout_ms}
    if response_headers:
        action["responseHeaders"] = [name.lower() for name in response_headers]
    return action


def auth_flow(flow_id: str, url: str) -> Action:
    """Sign in through the browser (``chrome.identity.launchWebAuthFlow``) at `url`; the
    shim dispatches ``crm-callbacks-auth-result`` with the `flow_id` and the redirect URL."""
    return {"type": "authFlow", "id": flow_id, "url": url}
