"""Bullhorn: records open on the user's own ATS cluster, whose URL the extension stored.

The CRM page is ``app.bullhornstaffing.com`` but records live on a per-user cluster
(e.g. ``cls5.bullhornstaffing.com``), read from ``crm_extension_bullhorn_user_urls``.
That value is what Bullhorn's ``loginInfo`` service answers for the user name
(``atsUrl``, ``oauthUrl``, ``restUrl``), as App Connect's extension stores it; connecting
asks for the user name, looks it up, stores the answer, then signs in with OAuth at the
user's own ``oauthUrl`` (App Connect reads the name from the Bullhorn page's cookie; we
ask, so no page script is involved).
Records open in a background popup, as Bullhorn users expect; Bullhorn has no
"open all matches" behaviour, so several matches always prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CallbackError, ErrorCode
from ..urls import normalize_origin
from .base import Adapter, Environment, Storage

USER_URLS_KEY = "crm_extension_bullhorn_user_urls"
USERNAME_KEY = "crm_extension_bullhornUsername"
LOGIN_INFO_URL = "https://rest.bullhornstaffing.com/rest-services/loginInfo"
BULLHORN_DOMAIN = "bullhornstaffing.com"
_SAFE_PATH = re.compile(r"[A-Za-z0-9._~/-]*")
ATS_DOMAIN = BULLHORN_DOMAIN
"""Every Bullhorn ATS cluster is under this domain: a stored origin elsewhere opens nothing."""


@dataclass(frozen=True)
class BullhornAdapter(Adapter):
    def template_values(self, hostname: str, storage: Storage) -> dict[str, object]:
        values = super().template_values(hostname, storage)
        values["atsUrl"] = self._ats_url(storage)
        return values

    def allowed_hosts(self, page_hostname: str, storage: Storage) -> set[str]:
        hosts = super().allowed_hosts(page_hostname, storage)
        ats_url = self._ats_url(storage, required=False)
        if ats_url:
            hosts.add(ats_url.removeprefix("https://").split(":", 1)[0])
        return hosts

    def oauth_endpoints(self, storage: Storage) -> tuple[str, dict[str, str], dict[str, str]]:
        """The user's own Bullhorn OAuth server, and the token/REST URLs and user name the
        App Connect server needs at ``/oauth-callback``."""
        urls = storage.get(USER_URLS_KEY)
        urls = urls if isinstance(urls, dict) else {}
        oauth_url = bullhorn_origin(urls.get("oauthUrl"), "oauthUrl", path_ok=True)
        rest_url = bullhorn_origin(urls.get("restUrl"), "restUrl", path_ok=True)
        username = storage.get(USERNAME_KEY)
        callback = {"tokenUrl": f"{oauth_url}/token", "apiUrl": rest_url}
        if isinstance(username, str) and username:
            callback["username"] = username
        return f"{oauth_url}/authorize", {"action": "Login"}, callback

    def open_host_patterns(self) -> list[str]:
        return [*super().open_host_patterns(), f"*.{ATS_DOMAIN}"]

    def _ats_url(self, storage: Storage, *, required: bool = True) -> str | None:
        """The stored ATS origin, on a Bullhorn host; MISSING_STORAGE / UNSAFE_URL if not."""
        user_urls = storage.get(USER_URLS_KEY)
        value = user_urls.get("atsUrl") if isinstance(user_urls, dict) else None
        try:
            origin = normalize_origin(value, source=f"{USER_URLS_KEY}.atsUrl (sign in to Bullhorn)")
            host = origin.removeprefix("https://").split(":", 1)[0]
            if host != ATS_DOMAIN and not host.endswith("." + ATS_DOMAIN):
                raise CallbackError(
                    ErrorCode.UNSAFE_URL,
                    f"{USER_URLS_KEY}.atsUrl {host!r} is not a Bullhorn host (*.{ATS_DOMAIN})",
                )
            return origin
        except CallbackError:
            if required:
                raise
            return None


def bullhorn_origin(value: object, name: str, *, path_ok: bool = False) -> str:
    """A Bullhorn URL from ``loginInfo``: https on a bullhornstaffing.com host, else
    MISSING_STORAGE (a stored value must not send the user or a token elsewhere)."""
    text = value.strip().rstrip("/") if isinstance(value, str) else ""
    origin_part, _, path = text.removeprefix("https://").partition("/")
    origin = normalize_origin(
        f"https://{origin_part}" if text.startswith("https://") else text,
        source=f"{USER_URLS_KEY}.{name} (connect to Bullhorn)",
    )
    host = origin.removeprefix("https://").split(":", 1)[0]
    if host != BULLHORN_DOMAIN and not host.endswith("." + BULLHORN_DOMAIN):
        raise CallbackError(
            ErrorCode.MISSING_STORAGE, f"{USER_URLS_KEY}.{name} is not a Bullhorn host: {host}"
        )
    if path and (not path_ok or ".." in path or not _SAFE_PATH.fullmatch(path)):
        raise CallbackError(ErrorCode.MISSING_STORAGE, f"{USER_URLS_KEY}.{name} has a bad path")
    return f"{origin}/{path}" if path else origin


ADAPTER = BullhornAdapter(
    name="bullhorn",
    display_name="Bullhorn",
    url_identifier="app.bullhornstaffing.com",
    contact_page_url="{atsUrl}/BullhornStaffing/OpenWindow.cfm?Entity={contactType}&id={contactId}&view=Overview",
    contact_types=("Candidate", "Contact", "Lead"),
    auth_type="oauth",
    storage_keys=(USER_URLS_KEY,),
    unauthorize_keys=(USERNAME_KEY, USER_URLS_KEY),
    open_in_popup=True,
    supports_open_all_matches=False,
    environment=Environment("fixed", host="app.bullhornstaffing.com"),
    user_lookup_url=LOGIN_INFO_URL,
    username_key=USERNAME_KEY,
)
