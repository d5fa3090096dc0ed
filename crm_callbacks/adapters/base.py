"""The adapter interface: declarative URL templates, methods only where logic is needed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..actions import Action, remove_storage
from ..contacts import Contact
from ..errors import CallbackError, ErrorCode
from ..urls import fill, normalize_hostname, placeholders

Storage = Mapping[str, Any]

_TEMPLATE_NAMES = {"hostname", "contactId", "contactType", "logId", "phoneNumber"}
_URL_IDENTIFIER_RE = re.compile(r"(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+|localhost)")


@dataclass(frozen=True)
class Adapter:
    """One CRM. Field names follow App Connect's manifest (``platforms.<name>``).

    Subclass and override `template_values`, `contact_page`, `log_page` or
    `unauthorize` only when a template cannot say it.
    """

    name: str
    display_name: str
    url_identifier: str
    contact_page_url: str
    log_page_url: str | None = None
    can_open_log_page: bool = False
    contact_types: tuple[str, ...] = ()
    auth_type: str = "apiKey"
    fallback_contact_page_url: str | None = None
    storage_keys: tuple[str, ...] = ()
    unauthorize_keys: tuple[str, ...] = ()
    open_in_popup: bool = False
    supports_open_all_matches: bool = True

    # --- host matching -------------------------------------------------------

    def matches_host(self, hostname: str) -> bool:
        """Chrome match-pattern semantics: ``*.x.com`` matches x.com and any subdomain."""
        wildcard, domain = self._split_identifier()
        if hostname == domain:
            return True
        return wildcard and hostname.endswith("." + domain)

    def allowed_hosts(self, page_hostname: str, storage: Storage) -> set[str]:
        """Hosts a URL of this adapter may open: the CRM page's and the declared one.

        Override to add a host read from declared storage (a CRM instance URL).
        """
        wildcard, domain = self._split_identifier()
        return {page_hostname} if wildcard else {page_hostname, domain}

    def host_match_patterns(self) -> list[str]:
        """Chrome match patterns for the manifest (content scripts, host permissions)."""
        wildcard, domain = self._split_identifier()
        host = f"*.{domain}" if wildcard else domain
        schemes = ["https", "http"] if domain.endswith("localhost") else ["https"]
        return [f"{scheme}://{host}/*" for scheme in schemes]

    def open_host_patterns(self) -> list[str]:
        """Hosts (``*.x.com`` or ``x.com``) the extension's worker lets this CRM's URLs open.

        The worker's second URL guard gets these from the build; override to add hosts
        a stored instance URL may name (they must also pass `allowed_hosts`).
        """
        wildcard, domain = self._split_identifier()
        return [f"*.{domain}" if wildcard else domain]

    # --- callbacks -----------------------------------------------------------

    def template_values(self, hostname: str, storage: Storage) -> dict[str, object]:
        """Values every template of this adapter may use; override to add stored ones."""
        return {"hostname": hostname}

    def contact_type(self, contact: Contact) -> str:
        """The contact's type in this CRM's spelling (first declared type by default)."""
        if not self.contact_types:
            return contact.type
        if not contact.type:
            return self.contact_types[0]
        for known in self.contact_types:
            if known.lower() == contact.type.lower():
                return known
        raise CallbackError(
            ErrorCode.BAD_CONTACT,
            f"{self.display_name} has no contact type {contact.type!r} "
            f"(known: {', '.join(self.contact_types)})",
        )

    def contact_page(self, hostname: str, contact: Contact, storage: Storage) -> str:
        """URL of the contact's record."""
        values = self.template_values(hostname, storage)
        values.update(contactId=contact.id, contactType=self.contact_type(contact))
        return fill(self.contact_page_url, values)

    def log_page(
        self, hostname: str, log_id: str, contact: Contact | None, storage: Storage
    ) -> str:
        """URL of a call's activity/log record (only used when `can_open_log_page`)."""
        if not self.log_page_url:
            raise CallbackError(ErrorCode.BAD_REQUEST, f"{self.display_name} has no log page")
        values = self.template_values(hostname, storage)
        values["logId"] = log_id
        if contact is not None:
            values.update(contactId=contact.id, contactType=self.contact_type(contact))
        elif placeholders(self.log_page_url) & {"contactId", "contactType"}:
            raise CallbackError(
                ErrorCode.NO_CONTACT_MATCH,
                f"{self.display_name}'s log page needs the call's contact, and none is known",
            )
        return fill(self.log_page_url, values)

    def fallback_page(self, template: str, hostname: str, phone: str, storage: Storage) -> str:
        """The no-match (search) URL for `phone`, from the user's or the adapter's template."""
        values = self.template_values(hostname, storage)
        values["phoneNumber"] = phone
        return fill(template, values)

    def unauthorize(self, storage: Storage) -> list[Action]:
        """Actions that remove what this CRM stored; common keys are added by the router."""
        return [remove_storage(list(self.unauthorize_keys))] if self.unauthorize_keys else []

    # --- registration --------------------------------------------------------

    def validate(self) -> None:
        """Raise ValueError when the declaration cannot work; called on registration."""
        problems = []
        if not self.name or not self.name.replace("_", "").isalnum():
            problems.append(f"name {self.name!r} must be alphanumeric")
        if not _URL_IDENTIFIER_RE.fullmatch(self.url_identifier):
            problems.append(f"urlIdentifier {self.url_identifier!r} must be host or *.domain")
        templates = {"contactPageUrl": self.contact_page_url}
        if self.log_page_url:
            templates["logPageUrl"] = self.log_page_url
        if self.fallback_contact_page_url:
            templates["fallbackContactPageUrl"] = self.fallback_contact_page_url
        for field, template in templates.items():
            problems.extend(self._template_problems(field, template))
        if self.can_open_log_page and not self.log_page_url:
            problems.append("canOpenLogPage needs a logPageUrl")
        if problems:
            raise ValueError(f"adapter {self.name!r}: " + "; ".join(problems))

    def _template_problems(self, field: str, template: str) -> list[str]:
        problems = []
        try:
            names = placeholders(template)
        except ValueError as exc:
            return [f"{field} is not a valid template: {exc}"]
        if not (template.startswith("https://{") or template.startswith("{")):
            problems.append(f"{field} must start with https://{{hostname}} or an origin value")
        unknown = {n for n in names if n not in _TEMPLATE_NAMES and not n.endswith("Url")}
        if unknown:
            problems.append(f"{field} uses unknown placeholders {sorted(unknown)}")
        return problems

    def _split_identifier(self) -> tuple[bool, str]:
        return _identifier_parts(self.url_identifier)


@lru_cache(maxsize=1024)
def _identifier_parts(url_identifier: str) -> tuple[bool, str]:
    """(is ``*.`` wildcard, domain), worked out once: every event matches hosts."""
    wildcard = url_identifier.startswith("*.")
    return wildcard, normalize_hostname(url_identifier.removeprefix("*."))
