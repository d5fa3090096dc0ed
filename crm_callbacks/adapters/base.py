"""The adapter interface: declarative URL templates, methods only where logic is needed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from ..actions import Action, remove_storage
from ..contacts import Contact
from ..errors import CallbackError, ErrorCode
from ..urls import fill, normalize_hostname, placeholders
from .errors import AdapterError
from .identifier import UrlIdentifier, parse_identifier

Storage = Mapping[str, Any]

BUILTIN_PLACEHOLDERS = frozenset(
    {"hostname", "contactId", "contactType", "logId", "phoneNumber", "thirdPartyAppointmentId"}
)
ENVIRONMENT_SETTING = "environment"
"""Per-CRM setting id: the user's CRM URL (dynamic) or region (selectable)."""
SETTING_PREFIX = "crm."
_TYPE_SEGMENT = re.compile(r"[A-Za-z0-9._~-]{1,256}")
NON_APP_LABELS = frozenset(
    [
        "www",
        "developers",
        "developer",
        "docs",
        "doc",
        "help",
        "support",
        "status",
        "blog",
        "community",
        "api",
        "oauth",
        "auth",
        "login",
        "signin",
        "accounts",
        "marketplace",
        "academy",
        "learn",
        "careers",
        "partners",
        "ideas",
        "investors",
        "news",
        "press",
        "shop",
        "store",
        "cdn",
        "static",
        "assets",
        "mail",
    ]
)
"""First labels of a CRM vendor's own sites (``www.clio.com``, ``developers.pipedrive.com``):
such a page matches the CRM's identifier but is not a CRM account, so its host is never
taken as the CRM's ``{hostname}``."""


def setting_key(platform: str, setting_id: str) -> str:
    """The options key of a per-CRM setting (``crm.clio.environment``)."""
    return f"{SETTING_PREFIX}{platform}.{setting_id}"


@dataclass(frozen=True)
class Environment:
    """App Connect's ``environment``: where the connected CRM lives (its ``{hostname}``).

    `kind` is ``fixed`` (`host`), ``dynamic`` (the user's CRM URL, by default the CRM
    page's host) or ``selectable`` (one of `selections`, ``(name, host)`` pairs).
    """

    kind: str
    host: str = ""
    selections: tuple[tuple[str, str], ...] = ()
    url_identifier: str = ""


@dataclass(frozen=True)
class PlatformSetting:
    """A setting of one CRM that its URL templates use (``{contactBoardId}``).

    `kind` is one of the options page's: ``text``, ``choice`` or ``boolean``.
    """

    id: str
    label: str
    kind: str = "text"
    default: Any = ""
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Adapter:
    """One CRM. Field names follow App Connect's manifest (``platforms.<name>``).

    Most CRMs are only data: `url_identifier` (App Connect's ``urlIdentifier``, a
    ``*`` wildcard over the page URL), `contact_page_url` / `log_page_url` templates,
    and where a CRM has a different page per record type, `contact_page_urls`
    (``{type value: template}``, falling back to `contact_page_url`).

    Where a template cannot say it, subclass and override only these (the public
    override API; each is called with the CRM page's host and the adapter's declared
    storage):

    * `template_values` — add values for your templates (call ``super()`` first);
    * `allowed_hosts` — hosts an opened URL may have (add a host read from storage);
    * `crm_hostname` — the CRM's ``{hostname}`` for a page;
    * `contact_type` — how a contact's type becomes ``{contactType}``;
    * `contact_page`, `log_page`, `fallback_page` — build a URL yourself;
    * `unauthorize` — what to remove on logout.

    Example, a CRM whose records live on a per-user instance stored at sign-in::

        @dataclass(frozen=True)
        class AcmeAdapter(Adapter):
            def template_values(self, hostname, storage):
                values = super().template_values(hostname, storage)
                values["instanceUrl"] = storage["acme_instance"]["url"]  # an origin
                return values

        ADAPTER = AcmeAdapter(
            name="acme", display_name="Acme", url_identifier="*.acme.example",
            contact_page_url="{instanceUrl}/people/{contactId}",
            storage_keys=("acme_instance",),
        )
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
    contact_page_urls: Mapping[str, str] = field(default_factory=dict, hash=False)
    default_contact_type: str | None = None
    enable_fallback_contact_page: bool = False
    environment: Environment | None = None
    settings: tuple[PlatformSetting, ...] = ()
    user_settings: Mapping[str, Any] = field(
        default_factory=dict, hash=False, compare=False, repr=False
    )
    """This user's values of the CRM's settings (`for_user`); empty until bound."""
    server_url: str = ""
    """The platform's own App Connect server (manifest ``serverUrl``); "" for the setting's."""
    # JSON objects: left out of ==/hash (a dict is unhashable; the adapter stays hashable)
    api_key_page: Any = field(default=None, compare=False)
    """App Connect's ``auth.apiKey.page`` (title, content fields): the sign-in form."""
    oauth: Any = field(default=None, compare=False)
    """App Connect's ``auth.oauth`` (``authUrl``, ``clientId``, ``scope``, ``customState``)."""
    user_lookup_url: str = ""
    """Where OAuth sign-in first looks the user's name up (``?username=``) when
    `oauth_endpoints` lacks stored values: the answer is stored under the first of
    `storage_keys`, the name under `username_key`."""
    username_key: str = ""

    # --- page matching -------------------------------------------------------

    @property
    def identifier(self) -> UrlIdentifier:
        """`url_identifier` parsed (cached): what pages it matches, its match patterns."""
        return parse_identifier(self.url_identifier)

    def matches_page(self, hostname: str, page_url: str = "") -> bool:
        """Is the page (its host, and its URL when known) one of this CRM's?"""
        return self.identifier.matches(hostname, page_url)

    def matches_host(self, hostname: str) -> bool:
        """`matches_page` for callers that only know the host."""
        return self.identifier.matches(hostname)

    def host_match_patterns(self) -> list[str]:
        """Chrome match patterns for the manifest (content scripts, host permissions)."""
        return list(self.identifier.patterns)

    # --- the connected CRM ---------------------------------------------------

    def for_user(self, settings: Mapping[str, Any]) -> Adapter:
        """This adapter with the user's settings for this CRM (``crm.<name>.<id>``)."""
        prefix = setting_key(self.name, "")
        own = {k[len(prefix) :]: v for k, v in settings.items() if k.startswith(prefix)}
        return replace(self, user_settings=own) if own or self.user_settings else self

    def crm_hostname(self, page_hostname: str) -> str:
        """The connected CRM's host, App Connect's ``{hostname}``, from `environment`.

        ``fixed``: its URL's host. ``selectable``: the user's choice, else the page's
        host when it is one of the choices. ``dynamic``: the user's CRM URL, else the
        page's host when it is a CRM account (not the vendor's www/developers site).
        No environment: the page's host. NOT_CRM_PAGE when none of these applies.
        """
        env = self.environment
        if env is None:
            return page_hostname
        if env.kind == "fixed":
            return env.host
        chosen = self.user_settings.get(ENVIRONMENT_SETTING)
        if env.kind == "selectable":
            hosts = [host for _, host in env.selections]
            if chosen:
                host = _url_host(chosen)
                if host in hosts:
                    return host
                raise CallbackError(
                    ErrorCode.BAD_SETTING,
                    f"{self.display_name} region {chosen!r} is not one of {', '.join(hosts)}",
                    field=setting_key(self.name, ENVIRONMENT_SETTING),
                )
            if page_hostname in hosts:
                return page_hostname
            raise CallbackError(
                ErrorCode.NOT_CRM_PAGE,
                f"{page_hostname} is not a {self.display_name} app page: choose your "
                f"{self.display_name} region in the extension's options",
            )
        if chosen:
            return _url_host(chosen)
        if self._is_account_page(page_hostname, env):
            return page_hostname
        raise CallbackError(
            ErrorCode.NOT_CRM_PAGE,
            f"{page_hostname} is not a {self.display_name} account page: open your "
            f"{self.display_name} account, or set your {self.display_name} URL in the "
            "extension's options",
        )

    def _is_account_page(self, page_hostname: str, env: Environment) -> bool:
        identifier = parse_identifier(env.url_identifier or self.url_identifier)
        domain = identifier.domain
        return (
            identifier.matches(page_hostname)
            and page_hostname != domain
            and page_hostname.split(".", 1)[0] not in NON_APP_LABELS
        )

    def allowed_hosts(self, page_hostname: str, storage: Storage) -> set[str]:
        """Hosts a URL of this adapter may open: the connected CRM's.

        Without an `environment`, the CRM page's host (and a ``*``-free identifier's
        host). Override to add a host read from declared storage (a CRM instance URL).
        """
        if self.environment is not None:
            return {self.crm_hostname(page_hostname)}
        identifier = self.identifier
        extra = {identifier.host} if "*" not in identifier.host else set()
        return {page_hostname} | extra

    # --- sign-in ---------------------------------------------------------------

    def oauth_endpoints(self, storage: Storage) -> tuple[str, dict[str, str], dict[str, str]]:
        """(authorize URL, extra authorize parameters, extra ``/oauth-callback`` parameters).

        The manifest's ``auth.oauth.authUrl`` by default; override where the CRM's OAuth
        server depends on the user (Bullhorn's data centre).
        """
        oauth = self.oauth if isinstance(self.oauth, dict) else {}
        return str(oauth.get("authUrl") or ""), {}, {}

    def open_host_patterns(self) -> list[str]:
        """Hosts (``*.x.com`` or ``x.com``) the extension's worker lets this CRM's URLs open.

        The worker's second URL guard gets these from the build; override to add hosts
        a stored instance URL may name (they must also pass `allowed_hosts`).
        """
        patterns = self.identifier.patterns
        hosts = [pattern.split("://", 1)[1].split("/", 1)[0] for pattern in patterns]
        env = self.environment
        if env is not None:
            hosts += [env.host] if env.host else []
            hosts += [host for _, host in env.selections]
        return list(dict.fromkeys(hosts))

    # --- callbacks -----------------------------------------------------------

    def template_values(self, hostname: str, storage: Storage) -> dict[str, object]:
        """Values every template of this adapter may use; override to add stored ones.

        ``{hostname}`` is `crm_hostname`; the CRM's own settings fill their placeholders
        (built-in names win over a setting of the same id, as in App Connect).
        """
        values: dict[str, object] = {}
        for setting in self.settings:
            value = self.user_settings.get(setting.id, setting.default)
            if value not in (None, ""):
                values[setting.id] = value
        values["hostname"] = self.crm_hostname(hostname)
        return values

    def contact_type(self, contact: Contact) -> str:
        """``{contactType}``: the type as the CRM server gave it, never re-spelled.

        A contact without a type takes `default_contact_type`. The type must be one
        plain path segment (letters, digits, ``-._~``): a GoHighLevel location id or
        Insightly's ``Contact`` pass; ``a/b`` or ``..`` are BAD_CONTACT.
        """
        kind = contact.type or self.default_contact_type
        if not kind:
            raise CallbackError(
                ErrorCode.BAD_CONTACT, f"a {self.display_name} contact needs a type for its page"
            )
        if not _TYPE_SEGMENT.fullmatch(kind) or kind in (".", ".."):
            raise CallbackError(
                ErrorCode.BAD_CONTACT, f"contact type {kind[:60]!r} is not one URL path segment"
            )
        return kind

    def contact_page_template(self, contact: Contact) -> str:
        """`contact_page_urls` for the contact's type (any case), else `contact_page_url`."""
        if self.contact_page_urls and contact.type:
            wanted = contact.type.lower()
            for kind, template in self.contact_page_urls.items():
                if kind.lower() == wanted:
                    return template
        return self.contact_page_url

    def contact_page(self, hostname: str, contact: Contact, storage: Storage) -> str:
        """URL of the contact's record."""
        template = self.contact_page_template(contact)
        values = self.template_values(hostname, storage)
        values["contactId"] = contact.id
        if "contactType" in placeholders(template):
            values["contactType"] = self.contact_type(contact)
        return self._fill(template, values)

    def log_page(
        self, hostname: str, log_id: str, contact: Contact | None, storage: Storage
    ) -> str:
        """URL of a call's activity/log record (only used when `can_open_log_page`)."""
        if not self.log_page_url:
            raise CallbackError(ErrorCode.BAD_REQUEST, f"{self.display_name} has no log page")
        names = placeholders(self.log_page_url)
        values = self.template_values(hostname, storage)
        values["logId"] = log_id
        if contact is not None:
            values["contactId"] = contact.id
            if "contactType" in names:
                values["contactType"] = self.contact_type(contact)
        elif names & {"contactId", "contactType"}:
            raise CallbackError(
                ErrorCode.NO_CONTACT_MATCH,
                f"{self.display_name}'s log page needs the call's contact, and none is known",
            )
        return self._fill(self.log_page_url, values)

    def fallback_page(self, template: str, hostname: str, phone: str, storage: Storage) -> str:
        """The no-match (search) URL for `phone`, from the user's or the adapter's template."""
        values = self.template_values(hostname, storage)
        values["phoneNumber"] = phone
        return self._fill(template, values)

    def unauthorize(self, storage: Storage) -> list[Action]:
        """Actions that remove what this CRM stored; common keys are added by the router."""
        return [remove_storage(list(self.unauthorize_keys))] if self.unauthorize_keys else []

    def _fill(self, template: str, values: dict[str, object]) -> str:
        """`fill`, naming the options setting when one of the CRM's settings is unset."""
        own = {s.id: s for s in self.settings}
        for name in placeholders(template):
            if name in own and name not in values:
                raise CallbackError(
                    ErrorCode.BAD_SETTING,
                    f"set {own[name].label!r} for {self.display_name} in the extension's options",
                    field=setting_key(self.name, name),
                )
        return fill(template, values)

    # --- registration --------------------------------------------------------

    def validate(self) -> None:
        """Raise AdapterError when the declaration cannot work; called on registration."""
        problems = []
        if not self.name or not self.name.replace("_", "").isalnum():
            problems.append(f"name {self.name!r} must be alphanumeric")
        try:
            self.identifier  # noqa: B018 - parses and checks it
        except AdapterError as exc:
            problems.append(str(exc))
        templates = {"contactPageUrl": self.contact_page_url}
        for kind, template in self.contact_page_urls.items():
            templates[f"contactPageUrls.{kind}"] = template
        if self.log_page_url:
            templates["logPageUrl"] = self.log_page_url
        if self.fallback_contact_page_url:
            templates["fallbackContactPageUrl"] = self.fallback_contact_page_url
        for name, template in templates.items():
            problems.extend(self._template_problems(name, template))
        if self.can_open_log_page and not self.log_page_url:
            problems.append("canOpenLogPage needs a logPageUrl")
        if problems:
            raise AdapterError(f"adapter {self.name!r}: " + "; ".join(problems))

    def _template_problems(self, field_name: str, template: str) -> list[str]:
        if not isinstance(template, str) or not template:
            return [f"{field_name} is missing"]
        problems = []
        try:
            names = placeholders(template)
        except ValueError as exc:
            return [f"{field_name} is not a valid template: {exc}"]
        if not (template.startswith("https://{") or template.startswith("{")):
            problems.append(f"{field_name} must start with https://{{hostname}} or an origin value")
        known = BUILTIN_PLACEHOLDERS | {s.id for s in self.settings}
        unknown = {n for n in names if n not in known and not n.endswith("Url")}
        if unknown:
            problems.append(f"{field_name} uses unknown placeholders {sorted(unknown)}")
        return problems


def _url_host(value: object) -> str:
    """The host of a CRM URL setting (``https://eu.app.clio.com``, or a bare host)."""
    text = str(value).strip()
    host = urlsplit(text if "//" in text else f"https://{text}").hostname or ""
    return normalize_hostname(host)
