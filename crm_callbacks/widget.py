"""The RingCentral Embeddable widget URL, built from the app's Client ID and servers."""

from __future__ import annotations

from urllib.parse import urlencode

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
