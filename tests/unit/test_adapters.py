"""Adapters: every built-in's URLs, host matching, registry rules and declaration checks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from crm_callbacks import Adapter, ErrorCode, Registry, content_script_matches, dispatch
from crm_callbacks.adapters import BUILTIN_ADAPTERS, default_registry
from crm_callbacks.contacts import Contact
from crm_callbacks.errors import CallbackError
from tests.conftest import make_request, our_ring

BULLHORN_STORAGE = {
    "crm_extension_bullhorn_user_urls": {"atsUrl": "https://cls5.bullhornstaffing.com"}
}

# (platform, page host[/path], contact, expected contact page, expected log page for log id "9001"
# or None where canOpenLogPage is false) — docs/adapters.md, one row per CRM.
EXPECTED_URLS = [
    (
        "testCRM",
        "crm.testcrm.localhost",
        Contact("42"),
        "https://crm.testcrm.localhost/contacts/42",
        "https://crm.testcrm.localhost/logs/9001",
    ),
    (
        "pipedrive",
        "acme.pipedrive.com",
        Contact("42"),
        "https://acme.pipedrive.com/person/42",
        None,
    ),
    (
        "insightly",
        "crm.na1.insightly.com",
        Contact("42", type="Lead"),
        "https://crm.na1.insightly.com/list/Lead/?blade=/details/Lead/42",
        "https://crm.na1.insightly.com/list/Lead/?blade=/details/Event/9001",
    ),
    (
        "insightly",
        "crm.na1.insightly.com",
        Contact("7", type="Contact"),  # as Insightly's server spells it
        "https://crm.na1.insightly.com/list/Contact/?blade=/details/Contact/7",
        "https://crm.na1.insightly.com/list/Contact/?blade=/details/Event/9001",
    ),
    (
        "clio",
        "app.clio.com",
        Contact("42", type="Person"),
        "https://app.clio.com/nc/#/contacts/42",
        "https://app.clio.com/nc/#/contacts/42/communications",
    ),
    (
        "redtail",
        "crm.redtailtechnology.com",
        Contact("42"),
        "https://crm.redtailtechnology.com/contacts/42",
        "https://crm.redtailtechnology.com/activities/9001",
    ),
    (
        "bullhorn",
        "app.bullhornstaffing.com",
        Contact("42", type="Candidate"),
        "https://cls5.bullhornstaffing.com/BullhornStaffing/OpenWindow.cfm?Entity=Candidate&id=42&view=Overview",
        None,
    ),
    (
        "netsuite",
        "1234567.app.netsuite.com/app/center/card.nl",
        Contact("42", type="custjob"),
        "https://1234567.app.netsuite.com/app/common/entity/custjob.nl?id=42&source=ringcentral",
        "https://1234567.app.netsuite.com/app/crm/calendar/call.nl?id=9001",
    ),
    (
        "netsuite",
        "1234567.app.netsuite.com/app/center/card.nl",
        Contact("8", type="lead"),
        "https://1234567.app.netsuite.com/app/common/entity/lead.nl?id=8&source=ringcentral",
        "https://1234567.app.netsuite.com/app/crm/calendar/call.nl?id=9001",
    ),
    (
        "freshdesk",
        "acme.freshdesk.com",
        Contact("42"),
        "https://acme.freshdesk.com/a/contacts/42",
        None,
    ),
    (
        "gohighlevel",
        "app.gohighlevel.com",
        Contact("42", type="loc123"),
        "https://app.gohighlevel.com/v2/location/loc123/contacts/detail/42",
        None,
    ),
]


@pytest.mark.parametrize(("platform", "host", "contact", "contact_url", "log_url"), EXPECTED_URLS)
def test_contact_and_log_pages(platform, host, contact, contact_url, log_url):
    adapter = default_registry().get(platform)
    host = host.partition("/")[0]
    assert adapter.contact_page(host, contact, BULLHORN_STORAGE) == contact_url
    assert adapter.can_open_log_page is (log_url is not None)
    if log_url:
        assert adapter.log_page(host, "9001", contact, BULLHORN_STORAGE) == log_url


@pytest.mark.parametrize(("platform", "host", "contact", "contact_url", "log_url"), EXPECTED_URLS)
def test_each_adapter_pops_through_dispatch(platform, host, contact, contact_url, log_url):
    message = our_ring(host, id=contact.id, entityType=contact.type)
    request = make_request(message, hostname=host, storage=BULLHORN_STORAGE)
    [action] = dispatch(request)["actions"]
    popup = platform == "bullhorn"
    assert action == {"type": "openTab", "url": contact_url, "active": not popup, "popup": popup}


def test_every_builtin_adapter_has_an_expected_url_row():
    assert {a.name for a in BUILTIN_ADAPTERS} == {row[0] for row in EXPECTED_URLS}


@pytest.mark.parametrize(
    ("host", "platform"),
    [
        ("acme.pipedrive.com", "pipedrive"),
        ("a.b.pipedrive.com", "pipedrive"),
        ("ACME.Pipedrive.com.", "pipedrive"),
        ("crm.testcrm.localhost", "testCRM"),
        ("pipedrive.com.evil.com", None),
        ("evilpipedrive.com", None),
        ("pipedrive.co", None),
    ],
)
def test_platform_is_found_from_the_page_host(host, platform):
    response = dispatch(make_request(our_ring(host), hostname=host))
    if platform is None:
        assert [e["code"] for e in response["errors"]] == [ErrorCode.UNKNOWN_PLATFORM]
    else:
        assert response["actions"], response["errors"]


@pytest.mark.parametrize(
    ("contact_id", "encoded"),
    [
        ("../admin", "..%2Fadmin"),
        ("//evil.com", "%2F%2Fevil.com"),
        ("javascript:alert(1)", "javascript%3Aalert%281%29"),
        ("42?x=1#frag", "42%3Fx%3D1%23frag"),
        ("a@evil.com", "a%40evil.com"),
        ("42\r\nSet-Cookie: x", "42%0D%0ASet-Cookie%3A%20x"),
        ("%2e%2e", "%252e%252e"),
        ("Zoë", "Zo%C3%AB"),
        (12345, "12345"),
    ],
)
def test_a_crafted_contact_id_changes_one_path_segment_at_most(contact_id, encoded):
    message = our_ring(id=contact_id)
    [action] = dispatch(make_request(message))["actions"]
    assert action["url"] == f"https://acme.pipedrive.com/person/{encoded}"


@pytest.mark.parametrize("contact_id", ["..", ".", "x" * 1025])
def test_ids_that_would_leave_their_segment_open_nothing(contact_id):
    message = our_ring(id=contact_id)
    response = dispatch(make_request(message))
    assert response["actions"] == []
    assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_CONTACT]


def test_contact_types_go_in_as_the_server_gave_them_as_one_path_segment():
    adapter = Adapter(
        name="typed",
        display_name="Typed",
        url_identifier="*.typed.example",
        contact_page_url="https://{hostname}/{contactType}/{contactId}",
        contact_types=("lead", "contact"),  # App Connect's values: not a whitelist
        default_contact_type="Lead",
    )
    page = "a.typed.example"
    assert (
        adapter.contact_page(page, Contact("1", type="Contact"), {}) == f"https://{page}/Contact/1"
    )
    assert adapter.contact_page(page, Contact("1", type="Robot"), {}) == f"https://{page}/Robot/1"
    assert adapter.contact_page(page, Contact("1", type="ve02fma3ATiq"), {}) == (
        f"https://{page}/ve02fma3ATiq/1"
    )
    assert adapter.contact_page(page, Contact("1"), {}) == f"https://{page}/Lead/1"
    for bad in ("a/b", "..", "x y", "a?b", "#", "%2F"):
        with pytest.raises(CallbackError) as caught:
            adapter.contact_page(page, Contact("1", type=bad), {})
        assert caught.value.code is ErrorCode.BAD_CONTACT


def test_a_contact_without_a_type_needs_a_declared_default():
    adapter = Adapter(
        name="typed",
        display_name="Typed",
        url_identifier="*.typed.example",
        contact_page_url="https://{hostname}/{contactType}/{contactId}",
        contact_types=("contact",),
    )
    with pytest.raises(CallbackError) as caught:
        adapter.contact_page("a.typed.example", Contact("1"), {})
    assert caught.value.code is ErrorCode.BAD_CONTACT


def test_an_adapter_without_a_log_page_refuses_to_build_one():
    adapter = replace(default_registry().get("pipedrive"), log_page_url=None)
    with pytest.raises(CallbackError):
        adapter.log_page("acme.pipedrive.com", "1", None, {})


def test_unauthorize_removes_the_declared_keys():
    adapter = replace(default_registry().get("testCRM"), unauthorize_keys=("a", "b"))
    assert adapter.unauthorize({}) == [{"type": "removeStorage", "keys": ["a", "b"]}]
    assert default_registry().get("testCRM").unauthorize({}) == []


GOOD = dict(
    name="good",
    display_name="Good",
    url_identifier="*.good.example",
    contact_page_url="https://{hostname}/c/{contactId}",
)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"name": ""}, "name"),
        ({"name": "has space"}, "name"),
        ({"url_identifier": "*"}, "urlIdentifier"),
        ({"url_identifier": "https://x.com"}, "urlIdentifier"),
        ({"url_identifier": "a.*.com"}, "urlIdentifier"),
        ({"contact_page_url": "http://{hostname}/c/{contactId}"}, "contactPageUrl"),
        ({"contact_page_url": "https://evil.com/{contactId}"}, "contactPageUrl"),
        ({"contact_page_url": "https://{hostname}/{unknown}"}, "unknown placeholders"),
        ({"contact_page_url": "https://{hostname}/{contactId"}, "not a valid template"),
        ({"can_open_log_page": True}, "canOpenLogPage"),
    ],
)
def test_invalid_declarations_are_refused_on_registration(changes, problem):
    with pytest.raises(ValueError, match=problem):
        Registry([Adapter(**{**GOOD, **changes})])


def test_duplicate_names_are_refused_unless_replacing():
    registry = Registry([Adapter(**GOOD)])
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Adapter(**{**GOOD, "name": "GOOD"}))
    registry.register(Adapter(**{**GOOD, "display_name": "New"}), replace=True)
    assert registry.get("good").display_name == "New"


def test_the_most_specific_identifier_wins():
    broad = Adapter(**GOOD)
    narrow = Adapter(**{**GOOD, "name": "narrow", "url_identifier": "eu.good.example"})
    registry = Registry([broad, narrow])
    assert registry.for_hostname("eu.good.example") is narrow
    assert registry.for_hostname("us.good.example") is broad


def test_registry_refuses_what_is_not_an_adapter():
    with pytest.raises(ValueError, match="not a crm_callbacks Adapter"):
        Registry([object()])  # type: ignore[list-item]


def test_content_script_matches_come_from_the_url_identifiers():
    assert content_script_matches() == [
        "https://*.testcrm.localhost/*",
        "http://*.testcrm.localhost/*",
        "https://*.pipedrive.com/*",
        "https://*.insightly.com/*",
        "https://*.clio.com/*",  # *app.clio.com: Chrome cannot glue * to a label
        "https://*.redtailtechnology.com/*",
        "https://*.app.bullhornstaffing.com/*",  # a bare host matches its subdomains too
        "https://*.app.netsuite.com/app*",
        "https://*.freshdesk.com/*",
        "https://*.app.gohighlevel.com/*",
    ]
    exact = Adapter(**{**GOOD, "url_identifier": "app.good.example/crm*"})
    assert content_script_matches(Registry([exact])) == ["https://*.app.good.example/crm*"]


def test_plugins_from_entry_points_are_registered(monkeypatch):
    from crm_callbacks.adapters import registry as registry_module

    class Point:
        name, value = "good", "pkg:ADAPTER"

        def load(self):
            return Adapter(**GOOD)

    monkeypatch.setattr(registry_module, "entry_points", lambda group: [Point()])
    registry = Registry()
    registry_module.load_plugins(registry)
    assert registry.get("good") is not None


def test_a_broken_plugin_is_named_in_the_error(monkeypatch):
    from crm_callbacks.adapters import registry as registry_module

    class Point:
        name, value = "broken", "pkg:nothing"

        def load(self):
            raise ImportError("no module named pkg")

    monkeypatch.setattr(registry_module, "entry_points", lambda group: [Point()])
    with pytest.raises(ValueError, match=r"'broken'.*no module named pkg"):
        registry_module.load_plugins(Registry())


def test_bullhorn_without_a_stored_ats_url_opens_nothing_and_says_why():
    message = our_ring("app.bullhornstaffing.com")
    response = dispatch(make_request(message, hostname="app.bullhornstaffing.com"))
    assert response["actions"] == []
    [error] = response["errors"]
    assert error["code"] == ErrorCode.MISSING_STORAGE
    assert "sign in to Bullhorn" in error["message"]


@pytest.mark.parametrize(
    "ats_url", ["http://cls5.bullhornstaffing.com", "https://evil.com/path", "javascript:x", 5]
)
def test_bullhorn_refuses_a_stored_ats_url_that_is_not_an_https_origin(ats_url):
    storage = {"crm_extension_bullhorn_user_urls": {"atsUrl": ats_url}}
    message = our_ring("app.bullhornstaffing.com")
    response = dispatch(make_request(message, hostname="app.bullhornstaffing.com", storage=storage))
    assert response["actions"] == []
    assert [e["code"] for e in response["errors"]] == [ErrorCode.MISSING_STORAGE]


def test_a_missing_contact_type_takes_the_crm_default():
    adapter = default_registry().get("netsuite")
    url = adapter.contact_page("1.app.netsuite.com", Contact("1"), {})
    assert url == "https://1.app.netsuite.com/app/common/entity/custjob.nl?id=1&source=ringcentral"


def test_gohighlevel_needs_the_location_carried_as_the_type():
    adapter = default_registry().get("gohighlevel")
    with pytest.raises(CallbackError) as caught:
        adapter.contact_page("app.gohighlevel.com", Contact("1"), {})
    assert caught.value.code is ErrorCode.BAD_CONTACT


def test_clio_log_page_needs_the_contact():
    adapter = default_registry().get("clio")
    with pytest.raises(CallbackError) as caught:
        adapter.log_page("app.clio.com", "9001", None, {})
    assert caught.value.code is ErrorCode.NO_CONTACT_MATCH
