"""The RingCentral Embeddable widget URL, built from the app's Client ID and servers."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from .errors import CallbackError, ErrorCode

EMBEDDABLE_APP_URL = (
    "https://apps.ringcentral.com/integration/ringcentral-embeddable/latest/app.html"
)
DEFAULT_APP_SERVER = "https://platform.ringcentral.com"
DEFAULT_REDIRECT_URI = "https://ringcentral.github.io/ringcentral-embeddable/redirect.html"


def widget_url(
    client_id: str,
    app_server: str = DEFAULT_APP_SERVER,
    redirect_uri: str = DEFAULT_REDIRECT_URI,
) -> str:
    """The hosted Embeddable ``app.html`` for this RingCentral app."""
    query = urlencode({"clientId": client_id, "appServer": app_server, "redirectUri": redirect_uri})
    return f"{EMBEDDABLE_APP_URL}?{query}"


def widget_origin(url: str) -> str:
    """``scheme://host[:port]`` of a widget URL: the only origin whose messages are relayed."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def check_widget_url(url: object, *, setting: str) -> str:
    """An absolute https URL (http only on loopback, for tests), else BAD_SETTING."""
    from .urls import is_loopback

    if not isinstance(url, str) or any(ord(ch) < 0x21 for ch in url):
        raise CallbackError(ErrorCode.BAD_SETTING, f"{setting} must be a URL without spaces")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(host)):
        raise CallbackError(ErrorCode.BAD_SETTING, f"{setting} must be an https URL, got {url!r}")
    if not host or "@" in parts.netloc:
        raise CallbackError(ErrorCode.BAD_SETTING, f"{setting} needs a host and no user info")
    return url
