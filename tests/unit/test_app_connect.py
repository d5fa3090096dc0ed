"""App Connect manifests as they are: added or overridden CRMs, pages as App Connect opens them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from crm_callbacks import ErrorCode, Registry, dispatch
from crm_callbacks.adapters import (
    BUILTIN_ADAPTERS,
    AdapterError,
    build_registry,
    load_manifest,
    load_manifest_file,
)
from crm_callbacks.adapters.bullhorn import BullhornAdapter
from crm_callbacks.contacts import Contact
from crm_callbacks.manifest import content_script_matches
from crm_callbacks.service import service_name
from crm_callbacks.settings import normalize_settings, settings_schema
from tests.conftest import make_request, our_ring, widget_message

ROOT = Path(__file__).resolve().parents[2]
REAL_MANIFEST = ROOT.parent / "shared" / "app-connect" / "manifest.json"
ATS = {"crm_extension_bullhorn_user_urls": {"atsUrl": "https://cls5.bullhornstaffing.com"}}

ACME = {
    "platforms": {
        "acmecrm": {
            "name": "acmecrm",
            "displayName": "Acme CRM",
            "urlIdentifier": "*.acmecrm.example",
            "contactPageUrl": "https://{hostname}/people/{contactType}/{contactId}",
            "logPageUrl": "https://{hostname}/calls/{logId}",
            "canOpenLogPage": True,
            "contactTypes": [{"display": "Person", "value": "person"}, "org"],
            "authType": "apiKey",
            "serverSideOnlyField": {"ignored": True},
        }
    }
}
# The 2024–2025 form (src/adapters/manifest.json): top-level authType, bare domains.
OLD_FORM = {
    "serverUrl": "https://unified-crm-extension.labs.ringcentral.com",
    "platforms": {
        "pipedrive": {
            "urlIdentifier": "pipedrive.com",
            "authType": "oauth",
            "contactPageUrl": "https://{hostname}/person/{contactId}",
            "canOpenLogPage": False,
        },
        "clio": {
            "urlIdentifier": "*.clio.com",
            "authType": "oauth",
            "contactPageUrl": "https://{hostname}/nc/#/contacts/{contactId}",
            "environment": {
                "type": "selectable",
                "selections": [
                    {"const": "https://app.clio.com", "name": "US"},
                    {"const": "https://eu.app.clio.com", "name": "EU"},
                ],
            },
        },
        "acmeold": {
            "urlIdentifier": "acmeold.example",
            "authType": "apiKey",
            "contactPageUrl": "https://{hostname}/c/{contactType}/{contactId}",
            "contactTypes": ["Person"],
        },
    },
}


def registry_with(manifest: dict) -> Registry:
    registry = Registry(BUILTIN_ADAPTERS)
    load_manifest(registry, manifest)
    return registry


def pop(registry: Registry, page_url: str, contact: dict[str, Any], **context: Any) -> dict:
    """Dispatch a ringing web-phone call matched to `contact` on the page at `page_url`.

    `contact` is the CRM record (its ``type`` the record type). The widget's contactMatch
    carries that as ``entityType`` and names our service, the CRM of the page, in ``type``.
    """
    host = page_url.split("/")[2]
    adapter = registry.for_page(host, page_url)
    message = widget_message("webphone_ring")
    match = message["call"]["contactMatch"]
    match.update({key: value for key, value in contact.items() if key != "type"})
    if "type" in contact:
        match["entityType"] = contact["type"]
    match["type"] = service_name(adapter) if adapter is not None else ""
    request = make_request(message, hostname=host, **context)
    request["context"]["page"]["url"] = page_url
    return dispatch(request, registry=registry)


def opened(response: dict) -> list[str]:
    return [a["url"] for a in response["actions"] if a["type"] == "openTab"]


def codes(response: dict) -> list[str]:
    return [e["code"] for e in response["errors"]]


# --- added and overridden platforms ----------------------------------------------


def test_a_new_platform_needs_no_code():
    adapter = registry_with(ACME).for_hostname("eu.acmecrm.example")
    assert adapter.display_name == "Acme CRM"
    assert adapter.contact_page("eu.acmecrm.example", Contact("9", type="person"), {}) == (
        "https://eu.acmecrm.example/people/person/9"
    )
    assert adapter.log_page("eu.acmecrm.example", "3", None, {}) == (
        "https://eu.acmecrm.example/calls/3"
    )
    assert adapter.contact_types == ("person", "org")


def test_an_override_changes_only_the_given_fields_and_keeps_the_code():
    registry = registry_with(
        {
            "platforms": {
                "bullhorn": {"urlIdentifier": "app2.bullhornstaffing.com"},
                "Pipedrive": {"contactPageUrl": "https://{hostname}/people/{contactId}"},
            }
        }
    )
    bullhorn = registry.get("bullhorn")
    assert isinstance(bullhorn, BullhornAdapter)
    assert bullhorn.url_identifier == "app2.bullhornstaffing.com"
    assert bullhorn.unauthorize_keys == BUILTIN_ADAPTERS[5].unauthorize_keys
    assert registry.get("pipedrive").contact_page("a.pipedrive.com", Contact("1"), {}) == (
        "https://a.pipedrive.com/people/1"
    )
    assert registry.origin("pipedrive") == "manifest"
    assert registry.origin("clio") == "built-in"


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ({}, "non-empty 'platforms'"),
        ({"platforms": []}, "non-empty 'platforms'"),
    ],
)
def test_a_manifest_without_platforms_is_refused(manifest, problem):
    with pytest.raises(AdapterError, match=problem):
        registry_with(manifest)


@pytest.mark.parametrize(
    ("platform", "problem"),
    [
        ({"x": "y"}, "must be an object"),
        ({"x": {"urlIdentifier": "*.x.example"}}, "no contactPageUrl"),
        ({"x": {"contactPageUrl": "https://{hostname}/{contactId}"}}, "no urlIdentifier"),
        ({"pipedrive": {"canOpenLogPage": "yes"}}, "must be a boolean"),
        ({"pipedrive": {"contactTypes": [""]}}, "need a string value"),
        ({"pipedrive": {"contactPageUrl": "https://evil.com/{contactId}"}}, "contactPageUrl"),
        ({"pipedrive": {"urlIdentifier": "*"}}, "urlIdentifier"),
        ({"pipedrive": {"environment": {"type": "fixed", "url": "http://x.com"}}}, "https"),
        ({"x": {"urlIdentifier": "*.x.example", "contactPageUrl": "{hostname}/{a}"}}, "unknown"),
    ],
)
def test_a_platform_that_cannot_work_is_left_out_with_the_reason(platform, problem):
    registry = registry_with({"platforms": {**platform, **ACME["platforms"]}})
    [name] = platform
    [skipped] = registry.skipped
    assert (skipped.name, skipped.origin) == (name, "manifest")
    assert problem in skipped.reason
    assert registry.get(name) is None
    assert registry.get("acmecrm") is not None  # the others still load


def test_a_manifest_file_error_names_the_file(tmp_path):
    path = tmp_path / "crm.json"
    path.write_text("{not json")
    with pytest.raises(AdapterError, match=r"crm\.json"):
        load_manifest_file(Registry(), path)


def test_the_default_registry_loads_the_manifest_named_by_the_environment(tmp_path, monkeypatch):
    from crm_callbacks.adapters import default_registry

    path = tmp_path / "crm.json"
    path.write_text(json.dumps(ACME))
    monkeypatch.setenv("CRM_CALLBACKS_MANIFEST", str(path))
    default_registry.cache_clear()
    try:
        message = our_ring("eu.acmecrm.example", entityType="org")
        [action] = dispatch(make_request(message, hostname="eu.acmecrm.example"))["actions"]
        assert action["url"] == "https://eu.acmecrm.example/people/org/42"
        assert default_registry().origin("acmecrm") == f"manifest {path}"
    finally:
        monkeypatch.delenv("CRM_CALLBACKS_MANIFEST")
        default_registry.cache_clear()


def test_unknown_fields_are_listed_as_ignored():
    registry = registry_with(ACME)
    [report] = registry.manifests
    assert report.loaded == ("acmecrm",)
    assert report.ignored == {"acmecrm": ("serverSideOnlyField",)}


# --- urlIdentifier: a wildcard over the page URL ---------------------------------


@pytest.mark.parametrize(
    ("identifier", "url", "matches"),
    [
        ("*app.clio.com", "https://app.clio.com/nc/", True),
        ("*app.clio.com", "https://eu.app.clio.com/nc/", True),
        ("*app.clio.com", "https://www.clio.com/", False),
        ("*.app.netsuite.com/app*", "https://1234567.app.netsuite.com/app/center/card.nl", True),
        ("*.app.netsuite.com/app*", "https://1234567.app.netsuite.com/", False),
        ("*.app.netsuite.com/app*", "https://system.netsuite.com/app/login", False),
        ("pipedrive.com", "https://acme.pipedrive.com/deal/1", True),
        ("pipedrive.com", "https://pipedrive.com.evil.example/", False),
        ("pipedrive.com", "https://evil.example/?u=pipedrive.com", False),
        ("pipedrive.com", "https://evilpipedrive.com/", False),
        ("*.docs.google.com/spreadsheets", "https://docs.google.com/spreadsheets/d/1", True),
    ],
)
def test_url_identifiers_match_pages_the_way_app_connect_does(identifier, url, matches):
    from crm_callbacks.adapters.identifier import parse_identifier

    host = url.split("/")[2]
    assert parse_identifier(identifier).matches(host, url) is matches


@pytest.mark.parametrize(
    ("identifier", "patterns"),
    [
        ("*.pipedrive.com", ["https://*.pipedrive.com/*"]),
        ("pipedrive.com", ["https://*.pipedrive.com/*"]),
        ("*app.clio.com", ["https://*.clio.com/*"]),
        ("*.app.netsuite.com/app*", ["https://*.app.netsuite.com/app*"]),
        ("*.docs.google.com/spreadsheets", ["https://*.docs.google.com/spreadsheets*"]),
        ("*.x.localhost", ["https://*.x.localhost/*", "http://*.x.localhost/*"]),
    ],
)
def test_match_patterns_cover_every_page_of_the_identifier(identifier, patterns):
    from crm_callbacks.adapters.identifier import parse_identifier

    assert list(parse_identifier(identifier).patterns) == patterns


def test_an_old_form_manifest_still_matches_tenant_hosts():
    registry = registry_with(OLD_FORM)
    assert registry.get("acmeold").auth_type == "apiKey"
    response = pop(registry, "https://acme.pipedrive.com/deal/7", {"id": "42"})
    assert opened(response) == ["https://acme.pipedrive.com/person/42"]
    response = pop(registry, "https://eu.acmeold.example/home", {"id": "5", "type": "Person"})
    assert opened(response) == ["https://eu.acmeold.example/c/Person/5"]
    assert "https://*.pipedrive.com/*" in content_script_matches(registry)
    assert "https://*.acmeold.example/*" in content_script_matches(registry)


# --- {hostname}: the connected CRM, never a sibling host -------------------------


@pytest.mark.parametrize(
    ("page", "settings", "url"),
    [
        ("https://eu.app.clio.com/nc/", {}, "https://eu.app.clio.com/nc/#/contacts/42"),
        (
            "https://app.clio.com/nc/",
            {"crm.clio.environment": "https://eu.app.clio.com"},
            "https://eu.app.clio.com/nc/#/contacts/42",
        ),
        (
            "https://www.clio.com/",  # old form's *.clio.com matches, the region does not
            {"crm.clio.environment": "https://eu.app.clio.com"},
            "https://eu.app.clio.com/nc/#/contacts/42",
        ),
        (
            "https://developers.pipedrive.com/docs",
            {"crm.pipedrive.environment": "https://acme.pipedrive.com/"},
            "https://acme.pipedrive.com/person/42",
        ),
    ],
)
def test_hostname_is_the_connected_crm(page, settings, url):
    registry = registry_with(OLD_FORM)
    response = pop(registry, page, {"id": "42", "type": "Person"}, settings=settings)
    assert opened(response) == [url], response["errors"]


@pytest.mark.parametrize(
    "page", ["https://www.clio.com/pricing", "https://developers.pipedrive.com/docs"]
)
def test_a_sibling_site_of_the_crm_opens_nothing_and_says_why(page):
    response = pop(registry_with(OLD_FORM), page, {"id": "42"})
    assert opened(response) == []
    assert codes(response) == [ErrorCode.NOT_CRM_PAGE]
    assert "options" in response["errors"][0]["message"]


def test_a_fixed_environment_opens_its_own_host():
    response = pop(Registry(BUILTIN_ADAPTERS), "https://acme.redtailtechnology.com/x", {"id": "4"})
    assert opened(response) == ["https://crm.redtailtechnology.com/contacts/4"]


def test_the_options_page_asks_for_the_region_and_the_account_url():
    registry = registry_with(OLD_FORM)
    fields = {f["key"]: f for g in settings_schema(registry)["groups"] for f in g["fields"]}
    region = fields["crm.clio.environment"]
    assert region["type"] == "choice"
    assert [c["value"] for c in region["choices"]] == [
        "",
        "https://app.clio.com",
        "https://eu.app.clio.com",
    ]
    kept, errors = normalize_settings({"crm.clio.environment": "https://eu.app.clio.com"}, registry)
    assert (kept, errors) == ({"crm.clio.environment": "https://eu.app.clio.com"}, [])
    _, errors = normalize_settings({"crm.clio.environment": "https://evil.example"}, registry)
    assert [e.field for e in errors] == ["crm.clio.environment"]
    builtin = Registry(BUILTIN_ADAPTERS)
    _, errors = normalize_settings({"crm.pipedrive.environment": "https://evil.example"}, builtin)
    assert [e.code for e in errors] == [ErrorCode.BAD_SETTING]


# --- settings placeholders, fallback, per-type pages ----------------------------

MONDAY = {
    "platforms": {
        "monday": {
            "urlIdentifier": "*.monday.com",
            "auth": {"type": "oauth"},
            "contactPageUrl": "https://{hostname}/boards/{contactBoardId}/pulses/{contactId}"
            "?source=ringcentral&x={hostname}",
            "enableFallbackContactPageUrl": True,
            "fallbackContactPageUrl": "https://{hostname}/boards/{contactBoardId}",
            "environment": {"type": "dynamic", "urlIdentifier": "*.monday.com"},
            "settings": [
                {
                    "id": "mondayOptions",
                    "type": "section",
                    "items": [
                        {"id": "contactBoardId", "type": "inputField", "name": "Contact board ID"},
                        {"id": "unused", "type": "boolean", "name": "Not in a template"},
                    ],
                }
            ],
        }
    }
}


def test_placeholders_naming_the_crms_settings_come_from_the_users_settings():
    registry = registry_with(MONDAY)
    response = pop(registry, "https://acme.monday.com/boards/1", {"id": "42"})
    assert opened(response) == []
    assert [(e["code"], e.get("field")) for e in response["errors"]] == [
        (ErrorCode.BAD_SETTING, "crm.monday.contactBoardId")
    ]
    settings = {"crm.monday.contactBoardId": "77"}
    response = pop(registry, "https://acme.monday.com/boards/1", {"id": "42"}, settings=settings)
    assert opened(response) == [
        "https://acme.monday.com/boards/77/pulses/42?source=ringcentral&x=acme.monday.com"
    ]
    keys = [f["key"] for g in settings_schema(registry)["groups"] for f in g["fields"]]
    assert "crm.monday.contactBoardId" in keys and "crm.monday.unused" not in keys


def test_the_manifests_fallback_page_opens_when_no_contact_matches():
    registry = registry_with(MONDAY)
    message = widget_message("webphone_ring")
    message["call"].pop("contactMatch", None)
    request = make_request(
        message, hostname="acme.monday.com", settings={"crm.monday.contactBoardId": "77"}
    )
    response = dispatch(request, registry=registry)
    assert opened(response) == ["https://acme.monday.com/boards/77"]


def test_a_fallback_page_without_its_enable_flag_is_ignored():
    manifest = json.loads(json.dumps(MONDAY))
    del manifest["platforms"]["monday"]["enableFallbackContactPageUrl"]
    registry = registry_with(manifest)
    assert registry.get("monday").fallback_contact_page_url is None
    [report] = registry.manifests
    assert any("fallbackContactPageUrl" in item for item in report.ignored["monday"])


def test_per_contact_type_pages_need_no_subclass():
    manifest = {
        "platforms": {
            "typed": {
                "urlIdentifier": "*.typed.example",
                "contactPageUrl": "https://{hostname}/people/{contactId}",
                "contactPageUrls": {"Company": "https://{hostname}/companies/{contactId}"},
            }
        }
    }
    adapter = registry_with(manifest).get("typed")
    page = "a.typed.example"
    assert adapter.contact_page(page, Contact("1", type="company"), {}) == (
        f"https://{page}/companies/1"
    )
    assert adapter.contact_page(page, Contact("2", type="Person"), {}) == f"https://{page}/people/2"


# --- a bad platform or plug-in never takes the others down -----------------------


def test_one_bad_platform_leaves_the_others_working():
    manifest = {
        "platforms": {
            **ACME["platforms"],
            "sheets": {"urlIdentifier": "*.docs.google.com/spreadsheets"},  # no contactPageUrl
            "evil": {
                "urlIdentifier": "*.evil.example",
                "contactPageUrl": "https://x.io/{contactId}",
            },
        }
    }
    registry = registry_with(manifest)
    assert [s.name for s in registry.skipped] == ["sheets", "evil"]
    good = pop(registry, "https://eu.acmecrm.example/x", {"id": "9", "type": "org"})
    assert opened(good) == ["https://eu.acmecrm.example/people/org/9"]
    for page in ("https://docs.google.com/spreadsheets/d/1", "https://a.evil.example/"):
        bad = pop(registry, page, {"id": "9"})
        assert opened(bad) == []
        assert codes(bad) == [ErrorCode.PLATFORM_UNAVAILABLE]
        assert "not available in this build" in bad["errors"][0]["message"]


def test_a_broken_plugin_is_left_out_and_the_others_work(monkeypatch):
    from crm_callbacks.adapters import registry as registry_module

    class Dist:
        name = "crm-callbacks-broken"

    class Point:
        name, value, dist = "broken", "broken_pkg:ADAPTER", Dist()

        def load(self):
            raise ImportError("No module named 'broken_pkg'")

    monkeypatch.setattr(registry_module, "entry_points", lambda group: [Point()])
    registry = build_registry(plugins=True)
    [skipped] = registry.skipped
    assert (skipped.name, skipped.origin) == ("broken", "plug-in crm-callbacks-broken")
    assert "broken_pkg" in skipped.reason
    assert len(registry) == len(BUILTIN_ADAPTERS)
    assert opened(pop(registry, "https://acme.pipedrive.com/", {"id": "1"})) == [
        "https://acme.pipedrive.com/person/1"
    ]
    with pytest.raises(AdapterError, match="broken_pkg"):
        registry_module.load_plugins(Registry(), strict=True)


# --- App Connect's own current manifest ------------------------------------------


@pytest.fixture(scope="module")
def real_manifest() -> dict[str, Any]:
    if not REAL_MANIFEST.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REAL_MANIFEST} is missing: CI must put shared/ beside the clone")
        pytest.skip(f"{REAL_MANIFEST} is not here")
    return json.loads(REAL_MANIFEST.read_text(encoding="utf-8"))


def app_connect_fill(template: str, hostname: str, **values: str) -> str:
    """App Connect's client substitution (``replace`` for the host, ``replaceAll`` else)."""
    url = template.replace("{hostname}", hostname, 1)
    for name, value in values.items():
        url = url.replace("{" + name + "}", value)
    return url


def crm_page(config: dict[str, Any]) -> tuple[str, str]:
    """A page of the CRM (a tenant where it has them) and App Connect's ``{hostname}`` there."""
    identifier = config["urlIdentifier"]
    host_part, _, path = identifier.partition("/")
    host = host_part.replace("*.", "acme.").replace("*", "")
    if host.startswith("."):
        host = "acme" + host
    env = config.get("environment", {})
    if env.get("type") == "selectable":  # the user picked a region (not the first one)
        host = env["selections"][-1]["const"].split("/")[2]
    page = f"https://{host}/{path.replace('*', '')}/center".replace("//center", "/center")
    connected = env["url"].split("/")[2] if env.get("type") == "fixed" else host
    return page, connected


def test_app_connects_manifest_loads_and_leaves_out_only_what_cannot_work(real_manifest):
    registry = registry_with(real_manifest)
    skipped = {s.name: s.reason for s in registry.skipped}
    assert set(skipped) == {"googleSheets"}
    assert "contactPageUrl" in skipped["googleSheets"]
    assert {a.name for a in registry} >= set(real_manifest["platforms"]) - {"googleSheets"}
    [report] = registry.manifests
    assert (
        "override (hostname au.app.clio.com): auth.oauth.authUrl, auth.oauth.clientId"
        in (report.ignored["clio"])
    )


def test_every_platform_pops_what_app_connect_would(real_manifest):
    registry = registry_with(real_manifest)
    for name, config in real_manifest["platforms"].items():
        if name == "googleSheets":
            continue
        page, hostname = crm_page(config)
        types = [t["value"] for t in config.get("contactTypes", [])]
        kind = types[-1] if types else "Contact"
        contact = {"id": "4711", "type": kind}
        storage = ATS if name == "bullhorn" else {}
        response = pop(registry, page, contact, storage=storage)
        if name == "bullhorn":  # App Connect's client opens Bullhorn on the stored ATS URL
            expected = (
                "https://cls5.bullhornstaffing.com/BullhornStaffing/OpenWindow.cfm"
                f"?Entity={kind}&id=4711&view=Overview"
            )
        else:
            expected = app_connect_fill(
                config["contactPageUrl"], hostname, contactId="4711", contactType=kind
            )
        assert opened(response) == [expected], (name, page, response["errors"])

        view = widget_message("request_view_log")
        view["body"]["logId"] = "9001"
        # The widget sends back the contact the user views: this CRM's, tagged with its service.
        service = service_name(registry.for_page(page.split("/")[2], page))
        view["body"]["contact"] = {"id": "4711", "type": service, "entityType": kind}
        request = make_request(
            view,
            hostname=page.split("/")[2],
            storage=storage,
            contacts={"+16505550100": [contact]},
        )
        request["context"]["page"]["url"] = page
        log = dispatch(request, registry=registry)
        if config.get("canOpenLogPage"):
            expected = app_connect_fill(
                config["logPageUrl"], hostname, logId="9001", contactId="4711", contactType=kind
            )
        assert opened(log) == [expected], (name, log["errors"])


def test_app_connects_manifest_covers_tenant_hosts(real_manifest):
    from crm_callbacks.adapters.identifier import parse_identifier

    registry = registry_with(real_manifest)
    patterns = content_script_matches(registry)
    for url in (
        "https://acme.pipedrive.com/person/1",
        "https://eu.app.clio.com/nc/",
        "https://1234567.app.netsuite.com/app/center/card.nl",
    ):
        assert any(_chrome_matches(p, url) for p in patterns), url
        host = url.split("/")[2]
        assert registry.for_page(host, url) is not None, url
    assert parse_identifier("*app.clio.com").broader


def _chrome_matches(pattern: str, url: str) -> bool:
    """Chrome's match-pattern test (scheme, ``*.`` host, ``*`` path), independently."""
    import re

    scheme, rest = pattern.split("://", 1)
    host, path = rest.split("/", 1)
    url_scheme, url_rest = url.split("://", 1)
    url_host, _, url_path = url_rest.partition("/")
    if scheme != url_scheme:
        return False
    if host.startswith("*."):
        if not (url_host == host[2:] or url_host.endswith(host[1:])):
            return False
    elif url_host != host:
        return False
    regex = ".*".join(re.escape(p) for p in ("/" + path).split("*"))
    return re.fullmatch(regex, "/" + url_path) is not None
