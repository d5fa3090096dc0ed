"""`check_adapter`: the conformance suite every adapter should pass, runnable with plain pytest.

It drives the adapter through the same `dispatch` the extension runs (a `CrmPhone`),
so it checks behaviour, not declarations: each of the three callbacks, a call whose
status flaps, Logout removing what the CRM stored, and hostile contact and log ids
that must never open a page off the CRM's hosts. A failure is an AssertionError whose
message names the check, what was sent and what came back::

    from crm_callbacks.testing import check_adapter
    from my_crm import ADAPTER

    def test_my_adapter_conforms():
        check_adapter(ADAPTER)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..adapters import Adapter
from ..contacts import contact_from_json
from ..service import JWT_KEY
from .messages import CALLER
from .simulation import CrmPhone, Result, example_hostname

__all__ = ["HOSTILE_IDS", "OVERRIDABLE", "check_adapter"]

OVERRIDABLE: tuple[str, ...] = (
    "template_values",
    "allowed_hosts",
    "contact_type",
    "contact_page",
    "log_page",
    "fallback_page",
    "unauthorize",
    "oauth_endpoints",
    "open_host_patterns",
)
"""The Adapter methods a subclass may override: what a template cannot say (values read
from storage, extra hosts, a page chosen by logic, what Logout removes, an OAuth server
that depends on the user, hosts a stored instance URL may name). Everything else
(validation, page and host matching, the connected CRM's host from `environment`, the
user's settings, the router) stays the package's."""

CONTACT_ID = "42"
LOG_ID = "9001"
HOSTILE_IDS: tuple[str, ...] = (
    "../../admin",
    "..",
    "javascript:alert(1)",
    "//evil.com",
    "https://evil.com/",
    "@evil.com",
    "42\r\nLocation: https://evil.com",
    "42\n",
    "%2e%2e%2fadmin",
    "42?next=https://evil.com#",
    "\\\\evil.com",
    "x" * 10_240,
)
"""Contact and log ids a compromised widget or CRM could send."""

_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def check_adapter(
    adapter: Adapter,
    *,
    hostname: str | None = None,
    storage: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    contact_type: str | None = None,
) -> None:
    """Raise AssertionError unless `adapter` behaves as every adapter must.

    `hostname` is a CRM page host the adapter runs on (default: one its urlIdentifier
    matches); `storage` is what the CRM stored in ``chrome.storage.local`` that its
    templates need (e.g. a per-customer origin), `settings` the user's options and
    `contact_type` the type the widget's matched contacts carry, where a template
    needs one the adapter does not declare (GoHighLevel's location); by default the
    first declared type where the contact page needs one and has no default.
    """
    host = hostname or example_hostname(adapter)
    check = _Checker(adapter, host, dict(storage or {}), dict(settings or {}))
    if contact_type is None and _needs_a_type(adapter):
        contact_type = adapter.contact_types[0]  # as App Connect's server always types them
    if contact_type is not None:
        check.contact = {"id": CONTACT_ID, "type": contact_type}
    check.declaration()
    check.call_pop()
    check.contact_types()
    check.log_page()
    check.flapping()
    check.deauthorize()
    check.hostile_ids()


def _needs_a_type(adapter: Adapter) -> bool:
    """The contact page names ``{contactType}``, with no default for an untyped contact
    (Bullhorn's entity): the widget's contacts then always carry a declared type."""
    return (
        "{contactType}" in adapter.contact_page_url
        and not adapter.default_contact_type
        and bool(adapter.contact_types)
    )


class _Checker:
    def __init__(
        self, adapter: Adapter, hostname: str, storage: dict[str, Any], settings: dict[str, Any]
    ) -> None:
        self.adapter = adapter
        self.hostname = hostname
        self.storage = storage
        self.settings = settings
        self.name = adapter.name
        self.contact: str | dict[str, str] = CONTACT_ID

    def phone(self) -> CrmPhone:
        try:
            return CrmPhone(
                adapter=self.adapter,
                hostname=self.hostname,
                storage=dict(self.storage),
                settings=dict(self.settings),
            )
        except ValueError as exc:
            raise AssertionError(
                f"{self.name}: cannot put a phone on {self.hostname}: {exc}"
            ) from None

    def send(self, what: str, act: Callable[[CrmPhone], Result], phone: CrmPhone) -> Result:
        """`act` on `phone`; an exception escaping dispatch fails the check."""
        try:
            result = act(phone)
        except AssertionError:
            raise
        except Exception as exc:
            raise AssertionError(
                f"{self.name}: {what} raised {type(exc).__name__}: {exc} "
                "(errors must come back as {code, message}, never as an exception)"
            ) from exc
        for url in result.opened:
            self.guard(url, what)
        return result

    # --- the checks ---------------------------------------------------------------

    def declaration(self) -> None:
        overridden = sorted(
            name
            for klass in type(self.adapter).__mro__
            if klass is not Adapter and issubclass(klass, Adapter)
            for name, value in vars(klass).items()
            if callable(value)
            and not name.startswith("__")
            and name in vars(Adapter)
            and name not in OVERRIDABLE
        )
        assert not overridden, (
            f"{self.name}: overrides {', '.join(overridden)}, which is not part of the "
            f"override API (only {', '.join(OVERRIDABLE)} may be overridden)"
        )
        try:
            self.adapter.validate()
        except ValueError as exc:
            raise AssertionError(f"{self.name}: invalid declaration: {exc}") from None
        assert self.adapter.matches_host(self.hostname), (
            f"{self.name}: urlIdentifier {self.adapter.url_identifier!r} does not match "
            f"the page host {self.hostname!r}"
        )

    def call_pop(self) -> str:
        result = self.send(
            f"call-pop (ring with contact {self.contact!r})",
            lambda p: p.ring(CALLER, contact=self.contact),
            self.phone(),
        )
        if "MISSING_STORAGE" in result.error_codes:
            raise AssertionError(
                f"{self.name}: call-pop needs stored values: {result.errors[0]['message']} "
                "— pass them as check_adapter(adapter, storage={...})"
            )
        assert result.errors == [], f"{self.name}: call-pop gave errors {result.errors}"
        assert len(result.opened) == 1, (
            f"{self.name}: call-pop must open exactly one page, opened {result.opened}"
        )
        [url] = result.opened
        assert CONTACT_ID in url, f"{self.name}: call-pop opened {url}, which lacks the contact id"
        return url

    def contact_types(self) -> None:
        for contact_type in self.adapter.contact_types:
            contact = {"id": CONTACT_ID, "type": contact_type}
            result = self.send(
                f"call-pop of a {contact_type!r} contact",
                lambda p, c=contact: p.ring(CALLER, contact=c),
                self.phone(),
            )
            assert result.errors == [] and len(result.opened) == 1, (
                f"{self.name}: call-pop of a contact of declared type {contact_type!r} "
                f"opened {result.opened} with errors {result.errors}"
            )

    def log_page(self) -> None:
        phone = self.phone()
        contact_url = self.send("call-pop", lambda p: p.ring(CALLER, contact=self.contact), phone)
        result = self.send(f"View log details ({LOG_ID!r})", lambda p: p.view_log(LOG_ID), phone)
        assert result.errors == [], f"{self.name}: View log details gave errors {result.errors}"
        assert len(result.opened) == 1, (
            f"{self.name}: View log details must open exactly one page, opened {result.opened}"
        )
        [url] = result.opened
        if self.adapter.can_open_log_page:
            raw = self.contact if isinstance(self.contact, dict) else {"id": self.contact}
            contact = contact_from_json(raw)
            expected = self.adapter.log_page(self.hostname, LOG_ID, contact, self.storage)
            assert url == expected, (
                f"{self.name}: canOpenLogPage is true, so View log details must open the "
                f"call's log page {expected}, not {url}"
            )
            if "{logId}" in (self.adapter.log_page_url or ""):
                assert LOG_ID in url, f"{self.name}: the log page {url} lacks the log id {LOG_ID!r}"
        else:
            assert url == contact_url.opened[0], (
                f"{self.name}: canOpenLogPage is false, so View log details must open the "
                f"call's contact page {contact_url.opened[0]}, not {url}"
            )
        assert list(result.replies.values()) == ["ok"], (
            f"{self.name}: View log details must answer the widget's request with 'ok', "
            f"replied {result.replies}"
        )

    def flapping(self) -> None:
        phone = self.phone().knows(CALLER, self.contact)
        result = self.send(
            "a flapping call (Ringing, NoCall, Ringing …)", lambda p: p.flap(CALLER), phone
        )
        assert len(result.opened) == 1, (
            f"{self.name}: a call whose status flaps must pop once, opened {result.opened}"
        )

    def deauthorize(self) -> None:
        phone = self.phone()
        keys = {key: "stored" for key in self.adapter.unauthorize_keys}
        phone.connect_crm(**keys)
        result = self.send("Logout (deauthorize)", lambda p: p.logout(), phone)
        assert result.errors == [], f"{self.name}: Logout gave errors {result.errors}"
        expected = {JWT_KEY, *self.adapter.unauthorize_keys}
        missing = sorted(expected - set(result.removed))
        assert not missing, (
            f"{self.name}: Logout must remove {sorted(expected)} from chrome.storage.local; "
            f"{missing} stayed (removed: {result.removed})"
        )
        left = sorted(expected & set(phone.storage))
        assert not left, f"{self.name}: after Logout the storage still holds {left}"
        status = {"type": "rc-adapter-update-authorization-status", "authorized": False}
        assert status in result.posted, (
            f"{self.name}: Logout must tell the widget it is no longer authorized; "
            f"posted {result.posted}"
        )
        assert result.opened == [], f"{self.name}: Logout opened {result.opened}"

    def hostile_ids(self) -> None:
        for hostile in HOSTILE_IDS:
            shown = _preview(hostile)
            self.send(
                f"call-pop with hostile contact id {shown}",
                lambda p, h=hostile: p.ring(CALLER, contact=h),
                self.phone(),
            )
            self.send(
                f"call-pop with hostile contact type {shown}",
                lambda p, h=hostile: p.ring(CALLER, contact={"id": CONTACT_ID, "type": h}),
                self.phone(),
            )
            phone = self.phone()
            self.send("call-pop", lambda p: p.ring(CALLER, contact=self.contact), phone)
            self.send(
                f"View log details with hostile log id {shown}",
                lambda p, h=hostile: p.view_log(h),
                phone,
            )

    # --- the URL guard -------------------------------------------------------------

    def guard(self, url: str, what: str) -> None:
        """Every opened URL is https on one of the CRM's hosts, one page of the CRM.

        The CRM's hosts are the page's, the urlIdentifier's and those of the origins in
        the storage given to the check: not what an override of `allowed_hosts` says,
        since a too-wide override is what this guard is for.
        """
        allowed = Adapter.allowed_hosts(self.adapter, self.hostname, self.storage)
        allowed |= set(_stored_hosts(self.storage))
        problem = _url_problem(url, allowed)
        if problem:
            raise AssertionError(
                f"{self.name}: {what} opened {_preview(url)}: {problem} "
                f"(the CRM's hosts: {sorted(allowed)})"
            )


def _stored_hosts(value: Any) -> Iterator[str]:
    """Hosts of the https origins anywhere in stored `value`."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _stored_hosts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _stored_hosts(item)
    elif isinstance(value, str) and value.startswith("https://"):
        host = urlsplit(value).hostname
        if host:
            yield host


def _url_problem(url: str, allowed: Iterable[str]) -> str | None:
    if _CONTROL.search(url):
        return "it contains control or space characters"
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_localhost(parts.hostname)):
        return f"scheme {parts.scheme!r} is not https"
    if "@" in parts.netloc or "\\" in url:
        return "it carries userinfo or a backslash"
    if parts.hostname not in set(allowed):
        return f"host {parts.hostname!r} is not one of the CRM's"
    # Browsers read ".", "..", "%2e" and "%2e%2e" as dot segments (WHATWG URL).
    segments = parts.path.lower().replace("%2e", ".").split("/")
    if any(segment in {"..", "."} for segment in segments):
        return "its path climbs out of the page it names (a '..' segment)"
    if "//" in parts.path:
        return "its path has an empty segment ('//'), a sign of an unescaped id"
    return None


def _is_localhost(host: str | None) -> bool:
    return bool(host) and (host == "localhost" or host.endswith(".localhost"))


def _preview(value: str, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"
