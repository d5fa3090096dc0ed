"""User settings: their documented defaults, checks, and the options page's schema.

The options page renders itself from `settings_schema` and saves through Python
(`normalize_settings`), so choices, defaults and checks live only here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .adapters import Adapter, Registry
from .adapters.base import ENVIRONMENT_SETTING, setting_key
from .adapters.identifier import parse_identifier
from .errors import CallbackError, ErrorCode
from .names import IN_PAGE_SETTING
from .urls import check_setting_url
from .widget import DEFAULT_APP_SERVER

POP_TIMINGS = (
    ("disabled", "Never"),
    ("onFirstRing", "On first ring"),
    ("onAnswer", "When answered"),
)
MULTI_MATCH = (
    ("openAllMatches", "Open all of them"),
    ("promptToSelect", "Let me pick one in the phone"),
    ("disabled", "Open none"),
)


@dataclass(frozen=True)
class Setting:
    """One setting: its key, kind (choice, boolean, text, url, perPlatform) and default."""

    key: str
    kind: str
    label: str
    help: str
    default: Any
    choices: tuple[tuple[str, str], ...] = ()
    default_from_build: str | None = None
    group: str = "Call-pop"
    extra_check: Callable[[str], None] | None = None

    def check(self, value: Any, registry: Registry | None = None) -> Any:
        """`value` if it is valid for this setting, else BAD_SETTING naming the key."""
        try:
            return self._check(value, registry)
        except CallbackError as error:
            error.field = error.field or self.key
            raise

    def _check(self, value: Any, registry: Registry | None) -> Any:
        if self.kind == "choice" and (
            not isinstance(value, str) or value not in {v for v, _ in self.choices}
        ):
            allowed = ", ".join(v for v, _ in self.choices)
            raise CallbackError(
                ErrorCode.BAD_SETTING, f"setting {self.key} is {value!r}; expected one of {allowed}"
            )
        if self.kind == "boolean" and not isinstance(value, bool):
            raise CallbackError(ErrorCode.BAD_SETTING, f"setting {self.key} must be true or false")
        if self.kind in ("text", "url") and not isinstance(value, str):
            raise CallbackError(ErrorCode.BAD_SETTING, f"setting {self.key} must be text")
        if self.kind == "url" and value:
            check_setting_url(value, setting=self.key)
        if self.extra_check is not None and value:
            self.extra_check(value)
        if self.kind == "perPlatform":
            return _check_per_platform(self.key, value, registry)
        return value


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "openContactPageFromIncomingCall",
            "choice",
            "Open the caller's record",
            "When an incoming call opens the caller's CRM record.",
            "onFirstRing",
            POP_TIMINGS,
        ),
        Setting(
            "openContactPageFromOutgoingCall",
            "choice",
            "Open the callee's record",
            "When an outgoing call opens the called contact's CRM record.",
            "disabled",
            POP_TIMINGS,
        ),
        Setting(
            "multiContactMatchBehavior",
            "choice",
            "When several contacts match",
            "Bullhorn cannot open all matches: there it lets you pick one.",
            "openAllMatches",
            MULTI_MATCH,
        ),
        Setting(
            "openFallbackOnNoMatch",
            "boolean",
            "Open a search page when no contact matches",
            "Opens the CRM's no-match URL below, if it stays on the CRM's own host.",
            False,
        ),
        Setting(
            "fallbackContactPageUrls",
            "perPlatform",
            "No-match URL per CRM",
            "Placeholders: {hostname} (the CRM page's host) and {phoneNumber}.",
            {},
        ),
        Setting(
            IN_PAGE_SETTING,
            "boolean",
            "Show the phone inside CRM pages",
            "Off: the phone lives in the side panel (toolbar button) or its own window, "
            "one for the whole browser. On: also embedded in every CRM tab, sharing one "
            "web phone (multipleTabsSupport).",
            False,
            group="Phone",
        ),
        Setting(
            "clientId",
            "text",
            "RingCentral Client ID",
            "The Client ID of your RingCentral app (client-side web app).",
            "",
            default_from_build="clientId",
            group="RingCentral widget",
        ),
        Setting(
            "appServer",
            "url",
            "RingCentral server",
            "https://platform.ringcentral.com, or https://platform.devtest.ringcentral.com "
            "for a sandbox.",
            DEFAULT_APP_SERVER,
            default_from_build="appServer",
            group="RingCentral widget",
        ),
        Setting(
            "customWidgetUrl",
            "url",
            "Custom widget URL (advanced)",
            "Replaces the whole widget URL built from the two fields above.",
            "",
            group="RingCentral widget",
        ),
        Setting(
            "serverUrl",
            "url",
            "App Connect server",
            "Finds contacts and call logs, and signs you in to API-key CRMs. The "
            "bundled testCRM server (crm-callbacks-server) listens on http://127.0.0.1:6066.",
            "",
            default_from_build="serverUrl",
            group="CRM server",
        ),
        Setting(
            "overridingPhoneNumberFormat",
            "text",
            "Extra phone number formats",
            "How your CRM writes numbers, * or # for each digit, comma-separated (at most 3), "
            "e.g. (***) ***-****, ***-***-****. E.164 (+16505550100) is always tried.",
            "",
            group="CRM server",
            extra_check=lambda value: check_phone_formats(value),
        ),
    )
}


MAX_PHONE_FORMATS = 3
_FORMAT_CHARS = set("*#0123456789()+-. ")


def check_phone_formats(value: str) -> list[str]:
    """Comma-separated patterns, ``*`` or ``#`` per digit (App Connect takes both), at most
    `MAX_PHONE_FORMATS`, else BAD_SETTING."""
    formats = [f.strip() for f in value.split(",") if f.strip()]
    if len(formats) > MAX_PHONE_FORMATS:
        raise CallbackError(ErrorCode.BAD_SETTING, f"at most {MAX_PHONE_FORMATS} phone formats")
    for pattern in formats:
        if not set(pattern) & {"*", "#"} or not set(pattern) <= _FORMAT_CHARS:
            raise CallbackError(
                ErrorCode.BAD_SETTING,
                f"phone format {pattern!r} may hold only * or # (a digit), digits and ()+-. spaces",
            )
    return formats


def read_setting(settings: Mapping[str, object], key: str) -> Any:
    """The setting's value, its default when absent, null or empty, or BAD_SETTING."""
    setting = SETTINGS[key]
    value = settings.get(key)
    if value is None or value == "":
        return setting.default
    return setting.check(value)


def fallback_enabled(settings: Mapping[str, object], adapter: Adapter) -> bool:
    """Open a no-match page: the user turned it on, or the CRM's manifest does
    (App Connect's ``enableFallbackContactPageUrl``)."""
    return bool(read_setting(settings, "openFallbackOnNoMatch")) or (
        adapter.enable_fallback_contact_page
    )


def platform_settings(registry: Registry) -> list[Setting]:
    """Each CRM's own settings, keyed ``crm.<platform>.<id>``, grouped under its name.

    Its ``{hostname}`` where the manifest lets the user choose it (``environment``
    ``selectable``: the region, asked once and kept; ``dynamic``: the account URL),
    and the manifest settings its URL templates use (``{contactBoardId}``).
    """
    found: list[Setting] = []
    for adapter in registry:
        env = adapter.environment
        group = f"{adapter.display_name} (CRM)"
        key = setting_key(adapter.name, ENVIRONMENT_SETTING)
        if env is not None and env.kind == "selectable":
            regions = [(f"https://{host}", f"{label} ({host})") for label, host in env.selections]
            choices = (("", "The region of the CRM page I am on"), *regions)
            found.append(
                Setting(
                    key,
                    "choice",
                    f"{adapter.display_name} region",
                    f"Where your {adapter.display_name} account lives: records open there.",
                    "",
                    choices,
                    group=group,
                )
            )
        elif env is not None and env.kind == "dynamic":
            found.append(
                Setting(
                    key,
                    "url",
                    f"Your {adapter.display_name} URL",
                    f"The address of your {adapter.display_name} account (copy it from the "
                    "browser); empty: the account page you are on.",
                    "",
                    group=group,
                    extra_check=_account_url_check(adapter, key),
                )
            )
        for own in adapter.settings:
            found.append(
                Setting(
                    setting_key(adapter.name, own.id),
                    own.kind,
                    own.label,
                    own.help or f"Used in {adapter.display_name}'s page addresses.",
                    own.default,
                    own.choices,
                    group=group,
                )
            )
    return found


def _account_url_check(adapter: Adapter, key: str) -> Callable[[str], None]:
    """A dynamic CRM URL must be one of that CRM's pages (never another site)."""

    def check(value: str) -> None:
        host = (urlsplit(value).hostname or "").lower()
        identifier = adapter.environment.url_identifier if adapter.environment else ""
        try:
            allowed = parse_identifier(identifier or adapter.url_identifier).matches(host)
        except ValueError:
            allowed = adapter.matches_host(host)
        if not allowed:
            raise CallbackError(
                ErrorCode.BAD_SETTING,
                f"{value!r} is not a {adapter.display_name} address",
                field=key,
            )

    return check


def fallback_url_template(
    settings: Mapping[str, object], platform: str, default: str | None
) -> str:
    """The user's no-match URL for `platform`, else the adapter's own ("" when none)."""
    urls = read_setting(settings, "fallbackContactPageUrls")
    return urls.get(platform) or default or ""


def _schema_field(setting: Any) -> dict[str, Any]:
    """One field of the options page: what every setting, general or a CRM's, shows."""
    entry: dict[str, Any] = {
        "key": setting.key,
        "type": setting.kind,
        "label": setting.label,
        "help": setting.help,
        "default": setting.default,
    }
    if setting.choices:
        entry["choices"] = [{"value": v, "label": label} for v, label in setting.choices]
    return entry


def settings_schema(registry: Registry) -> dict[str, Any]:
    """What the options page renders: groups of fields with labels, help and defaults."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for setting in SETTINGS.values():
        entry = _schema_field(setting)
        if setting.default_from_build:
            entry["defaultFromBuild"] = setting.default_from_build
        if setting.kind == "perPlatform":
            entry["platforms"] = [
                {
                    "name": a.name,
                    "displayName": a.display_name,
                    "default": a.fallback_contact_page_url or "",
                }
                for a in registry
            ]
        groups.setdefault(setting.group, []).append(entry)
    for setting in platform_settings(registry):
        groups.setdefault(setting.group, []).append(_schema_field(setting))
    return {"version": 1, "groups": [{"title": t, "fields": f} for t, f in groups.items()]}


def normalize_settings(
    raw: Mapping[str, Any], registry: Registry, build: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[CallbackError]]:
    """Check every known setting of `raw`; drop unknown keys and defaults.

    A value equal to its default (or to the build's, for build-time settings) is not
    stored, so a later build or release can still change it.
    """
    normalized: dict[str, Any] = {}
    errors: list[CallbackError] = []
    every = {**SETTINGS, **{s.key: s for s in platform_settings(registry)}}
    for key, setting in every.items():
        value = raw.get(key)
        built = (build or {}).get(setting.default_from_build or "")
        if value is None or value in ("", {}, setting.default) or (built and value == built):
            continue
        try:
            normalized[key] = setting.check(value, registry)
        except CallbackError as error:
            errors.append(error)
    return normalized, errors


def _check_per_platform(key: str, value: Any, registry: Registry | None) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CallbackError(ErrorCode.BAD_SETTING, f"setting {key} must map CRM names to text")
    cleaned = {name: url.strip() for name, url in value.items() if url.strip()}
    for name, url in cleaned.items():
        if registry is not None and registry.get(name) is None:
            raise CallbackError(ErrorCode.BAD_SETTING, f"setting {key}: unknown CRM {name!r}")
        if not url.startswith("https://"):
            raise CallbackError(
                ErrorCode.BAD_SETTING,
                f"{name}'s no-match URL must start with https://",
                field=f"{key}.{name}",
            )
    return cleaned
