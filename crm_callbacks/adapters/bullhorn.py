"""Bullhorn: records open on the user's own ATS cluster, whose URL the extension stored.

The CRM page is ``app.bullhornstaffing.com`` but records live on a per-user cluster
(e.g. ``cls5.bullhornstaffing.com``), read from ``crm_extension_bullhorn_user_urls``.
Records open in a background popup, as Bullhorn users expect; Bullhorn has no
"open all matches" behaviour, so several matches always prompt.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CallbackError, ErrorCode
from ..urls import normalize_origin
from .base import Adapter, Storage

USER_URLS_KEY = "crm_extension_bullhorn_user_urls"
USERNAME_KEY = "crm_extension_bullhornUsername"
ATS_DOMAIN = "bullhornstaffing.com"
"""Every Bullhorn ATS cluster is under this domain: a stored origin elsewhere opens nothing."""


@dataclass(frozen=True)
class BullhornAdapter(Adapter):
    def template_values(self, hostname: str, storage: Storage) -> dict[str, object]:
        return {"hostname": hostname, "atsUrl": self._ats_url(storage)}

    def allowed_hosts(self, page_hostname: str, storage: Storage) -> set[str]:
        hosts = super().allowed_hosts(page_hostname, storage)
        ats_url = self._ats_url(storage, required=False)
        if ats_url:
            hosts.add(ats_url.removeprefix("https://").split(":", 1)[0])
        return hosts

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
)
