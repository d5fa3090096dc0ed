"""Bullhorn: records open on the user's own ATS cluster, whose URL the extension stored.

The CRM page is ``app.bullhornstaffing.com`` but records live on a per-user cluster
(e.g. ``cls5.bullhornstaffing.com``), read from ``crm_extension_bullhorn_user_urls``.
Records open in a background popup, as Bullhorn users expect; Bullhorn has no
"open all matches" behaviour, so several matches always prompt.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CallbackError
from ..urls import normalize_origin
from .base import Adapter, Environment, Storage

USER_URLS_KEY = "crm_extension_bullhorn_user_urls"
USERNAME_KEY = "crm_extension_bullhornUsername"


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

    def _ats_url(self, storage: Storage, *, required: bool = True) -> str | None:
        """The stored ATS origin; MISSING_STORAGE when `required` and it is not there."""
        user_urls = storage.get(USER_URLS_KEY)
        value = user_urls.get("atsUrl") if isinstance(user_urls, dict) else None
        try:
            return normalize_origin(value, source=f"{USER_URLS_KEY}.atsUrl (sign in to Bullhorn)")
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
    environment=Environment("fixed", host="app.bullhornstaffing.com"),
)
