"""crm_callbacks.testing: real message shapes, a phone that dispatches like the extension,
the pytest plugin's fixtures, and plug-in adapters found through real entry points."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import shutil
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

import crm_callbacks.pytest_plugin
from crm_callbacks import Adapter, ErrorCode, Registry, cli, dispatch, router
from crm_callbacks.adapters import (
    BUILTIN_ADAPTERS,
    ENTRY_POINT_GROUP,
    default_registry,
    load_plugins,
)
from crm_callbacks.adapters.bullhorn import USER_URLS_KEY
from crm_callbacks.rules.requests import REQUEST_HANDLERS
from crm_callbacks.testing import (
    AGENT,
    CALLER,
    OVERRIDABLE,
    CrmPhone,
    HttpResponse,
    answer,
    auth_result,
    button_click,
    check_adapter,
    choose_contact,
    contact_match,
    contact_match_request,
    crm_focused,
    end,
    entity_match_request,
    fetch_result,
    flapping,
    load_widget_messages,
    login_status,
    logout,
    request,
    ring,
    save_settings,
    simulate,
    view_contact,
    view_log,
    widget_message,
)
from crm_callbacks.urls import fill

TESTS = Path(__file__).resolve().parents[1]
SHARED = TESTS.parents[1] / "shared" / "widget-messages.json"
FIXTURE = json.loads(
    SHARED.read_text("utf-8") if SHARED.is_file() else json.dumps(load_widget_messages())
)
"""The design's shapes (shared/ beside the repo, as in CI), else the packaged copy."""
REAL = FIXTURE["widget_to_parent"]
JANE = {"id": "42", "name": "Jane Doe", "type": "Contact"}
PIPEDRIVE_JANE = "https://acme.pipedrive.com/person/42"
TESTCRM = "crm.testcrm.localhost"
AUTHORIZED_FALSE = FIXTURE["parent_to_widget"]["authorization_status"]


# --- the public API: listed and documented ------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "crm_callbacks",
        "crm_callbacks.adapters",
        "crm_callbacks.testing",
        "crm_callbacks.testing.messages",
        "crm_callbacks.testing.simulation",
        "crm_callbacks.cli",
        "crm_callbacks.pytest_plugin",
    ],
)
def test_public_modules_list_their_api_and_document_it(name):
    module = importlib.import_module(name)
    assert module.__doc__
    assert all(hasattr(module, attribute) for attribute in module.__all__)
    if name.startswith(("crm_callbacks.testing", "crm_callbacks.cli", "crm_callbacks.pytest")):
        for attribute in module.__all__:
            value = getattr(module, attribute)
            if inspect.isfunction(value) or inspect.isclass(value):
                assert inspect.getdoc(value), f"{name}.{attribute} has no docstring"


# --- the factories produce the widget's real shapes ----------------------------------


def test_the_packaged_shapes_are_the_fixture_file():
    assert load_widget_messages() == FIXTURE


@pytest.mark.parametrize(
    ("made", "name"),
    [
        (ring(), "active_call_ringing_inbound"),
        (answer(), "active_call_connected_inbound"),
        (end(), "active_call_ended"),
        (ring(direction="outbound"), "active_call_ringing_outbound"),
        (ring(contact=JANE, service="Contact"), "webphone_ring"),
        (answer(web_phone=True), "webphone_answered"),
        (view_log(), "request_view_log"),
        (logout(), "request_authorize_toggle"),
        (contact_match_request(), "request_contact_match"),
        (entity_match_request(), "request_call_log_entity_match"),
        (login_status(), "login_status"),
    ],
)
def test_each_factory_with_defaults_is_the_real_message(made, name):
    assert made == REAL[name]


def test_factories_change_only_what_they_are_asked_to():
    message = ring("+1 (650) 555-0111", session_id="s-9")
    expected = widget_message("active_call_ringing_inbound")
    expected["call"].update(
        sessionId="s-9", telephonySessionId="s-9", **{"from": {"phoneNumber": "+1 (650) 555-0111"}}
    )
    assert message == expected
    outbound = ring("+16505550111", contact="7", direction="outbound", session_id="s-9")
    call = outbound["call"]
    assert (call["direction"], call["from"], call["to"]) == ("Outbound", AGENT, "+16505550111")
    assert call["partyData"]["sessionId"] == "s-9"
    assert call["contactMatch"]["id"] == "7"
    assert call["contactMatch"]["phoneNumbers"] == [
        {"phoneNumber": "+16505550111", "phoneType": "direct"}
    ]
    ended = end("+16505550111", direction="outbound")["call"]
    assert (ended["from"]["phoneNumber"], ended["to"]["phoneNumber"]) == (AGENT, "+16505550111")
    assert view_log("9001")["body"]["call"]["activityMatches"] == [{"id": "9001", "note": ""}]
    assert contact_match_request("+1", "+2")["body"]["phoneNumbers"] == ["+1", "+2"]
    assert login_status(False)["loggedIn"] is False


def test_a_ring_without_a_contact_match_carries_none():
    assert "contactMatch" not in ring(web_phone=True)["call"]
    assert [m["id"] for m in ring(contact=["1", 2])["call"]["contactMatch"]] == ["1", 2]
    with pytest.raises(ValueError, match="contactMatch"):
        ring(contact="42", web_phone=False)
    with pytest.raises(ValueError, match="an id"):
        contact_match({"name": "No Id"})


def test_flapping_is_one_call_ringing_and_gone_in_turn():
    statuses = [m["call"]["telephonyStatus"] for m in flapping(rings=3)]
    assert statuses == ["Ringing", "NoCall", "Ringing", "NoCall", "Ringing"]
    assert {m["call"]["sessionId"] for m in flapping(session_id="s-1")} == {"s-1"}
    with pytest.raises(ValueError):
        flapping(rings=0)


WIDGET_MESSAGES = [
    ring(),
    ring(contact="42"),
    ring(direction="outbound", web_phone=True),
    answer(),
    answer(web_phone=True),
    end(),
    *flapping(),
    view_log("9001"),
    view_contact("42"),
    logout(),
    contact_match_request(),
    entity_match_request(),
    login_status(),
    choose_contact(0),
]
EXTENSION_MESSAGES = [
    button_click("someButton"),
    save_settings({}),
    fetch_result("f-1"),
    auth_result("oauth:testCRM", None, "closed"),
    crm_focused(),
]


def test_every_message_type_and_request_path_the_router_handles_has_a_factory():
    made = WIDGET_MESSAGES + EXTENSION_MESSAGES
    types = {m["type"] for m in made}
    paths = {m["path"] for m in made if m["type"] == "rc-post-message-request"}
    assert set(router.RULES) <= types, "add a factory to crm_callbacks/testing/messages.py"
    assert set(REQUEST_HANDLERS) <= paths, "add a factory to crm_callbacks/testing/messages.py"


@pytest.mark.parametrize("message", WIDGET_MESSAGES, ids=lambda m: m["type"])
def test_every_widget_factory_is_a_message_the_router_accepts(message):
    codes = simulate([message], hostname=TESTCRM).error_codes
    assert ErrorCode.BAD_MESSAGE not in codes


# --- simulate and CrmPhone dispatch as the extension does ---------------------------


def test_simulate_call_pop_as_in_the_brief():
    result = simulate(
        platform="pipedrive",
        hostname="acme.pipedrive.com",
        messages=[ring("+16505550100", contact="42")],
    )
    assert result.actions == [
        {"type": "openTab", "url": PIPEDRIVE_JANE, "active": True, "popup": False}
    ]
    assert result.errors == []
    assert result.state["popped"]


def test_simulate_matches_dispatch_called_by_hand():
    message = ring(contact=JANE, service="Pipedrive")
    by_hand = dispatch(
        {
            "v": 1,
            "message": message,
            "context": {"page": {"hostname": "acme.pipedrive.com"}},
            "state": {},
        }
    )
    result = simulate([message], hostname="acme.pipedrive.com")
    assert result.responses == [by_hand]


def test_the_phone_carries_state_so_a_call_pops_once():
    phone = CrmPhone("pipedrive")
    assert phone.hostname == "acme.pipedrive.com"
    assert phone.ring(CALLER, contact="42").opened == [PIPEDRIVE_JANE]
    assert phone.answer().opened == []
    assert phone.hang_up().opened == []
    assert phone.ring(CALLER, contact="42").opened == [PIPEDRIVE_JANE]  # a new call
    assert phone.opened == [PIPEDRIVE_JANE, PIPEDRIVE_JANE]


def test_a_flapping_call_pops_once_from_a_contact_the_phone_knows():
    phone = CrmPhone(hostname="acme.pipedrive.com").knows(CALLER, "42")
    assert phone.flap(CALLER).opened == [PIPEDRIVE_JANE]


def test_the_web_phone_match_serves_the_answer_of_the_same_call():
    phone = CrmPhone("pipedrive", settings={"openContactPageFromIncomingCall": "onAnswer"})
    assert phone.ring(CALLER, contact="42").opened == []
    assert phone.answer().opened == [PIPEDRIVE_JANE]  # active-call event, same session


def test_no_match_is_an_error_and_opens_nothing():
    result = CrmPhone("pipedrive").ring(CALLER)
    assert result.opened == []
    assert result.error_codes == [ErrorCode.NO_CONTACT_MATCH]


def test_the_phone_applies_storage_actions_like_the_extension():
    phone = CrmPhone(hostname=TESTCRM).connect_crm()
    first = phone.logout()
    assert first.removed == ["rcUnifiedCrmExtJwt"]
    assert phone.storage == {}
    assert phone.logout().removed == []  # no longer connected


def test_only_declared_storage_reaches_python():
    phone = CrmPhone(hostname=TESTCRM, storage={"somethingElse": 1})
    with pytest.raises(ValueError, match="declared by no adapter"):
        phone.ring(contact="42")


def test_an_unbound_phone_says_how_to_bind_it():
    with pytest.raises(ValueError, match="crm_adapter"):
        CrmPhone().ring()
    with pytest.raises(ValueError, match="give a hostname"):
        CrmPhone("noSuchCrm")


def test_an_unknown_platform_on_a_given_host_is_the_contracts_error():
    result = simulate([ring(contact="42")], platform="noSuchCrm", hostname="x.example")
    assert result.error_codes == [ErrorCode.UNKNOWN_PLATFORM]


ACME = Adapter(
    name="acmeTest",
    display_name="Acme",
    url_identifier="*.acme.localhost",
    contact_page_url="https://{hostname}/c/{contactId}",
    log_page_url="https://{hostname}/l/{logId}",
    can_open_log_page=True,
)


def test_an_adapter_under_test_needs_no_registration():
    phone = CrmPhone(adapter=ACME)
    assert phone.hostname == "acme.acme.localhost"
    assert phone.ring(contact="42").opened == ["https://acme.acme.localhost/c/42"]
    assert phone.view_log("9").opened == ["https://acme.acme.localhost/l/9"]
    assert default_registry().get("acmeTest") is None  # nothing leaked
    assert simulate([ring(contact="42")], hostname="acme.acme.localhost").error_codes == [
        ErrorCode.UNKNOWN_PLATFORM
    ]


def test_an_adapter_under_test_is_validated_and_must_match_its_host():
    with pytest.raises(ValueError, match="urlIdentifier"):
        CrmPhone(adapter=Adapter(**{**ACME.__dict__, "url_identifier": "*"}))
    with pytest.raises(ValueError, match="would not run"):
        CrmPhone(adapter=ACME, hostname="acme.pipedrive.com")


def test_result_helpers_name_each_kind_of_action():
    phone = CrmPhone(hostname=TESTCRM)
    registered = phone.log_in()
    assert registered.posted[0]["type"] == "rc-adapter-register-third-party-service"
    phone.ring(contact=JANE)
    matched = phone.match_contacts(CALLER)
    jane = {**FIXTURE["parent_to_widget"]["response_contact_match"]["response"]["data"][CALLER][0]}
    jane.update(type="TestCRM", entityType="Contact")  # our service's name; the record type
    assert matched.replies == {"6f1c2a90-0001": {CALLER: [jane]}}
    logs = phone.match_call_logs()
    assert logs.replies == {"6f1c2a90-0002": {}}
    missing = phone.view_log()  # no log id known: the contact's page, and a notice
    assert missing.opened == [f"https://{TESTCRM}/contacts/42"]
    assert [level for level, _ in missing.notices] == ["info"]


def test_prompt_to_select_through_the_phone():
    phone = CrmPhone("pipedrive", settings={"multiContactMatchBehavior": "promptToSelect"})
    offered = phone.ring(contact=[{"id": "1", "name": "Ann"}, {"id": "2", "name": "Bob"}])
    assert offered.opened == []
    assert phone.choose(1).opened == ["https://acme.pipedrive.com/person/2"]
    assert phone.choose(1).error_codes == [ErrorCode.CHOICE_EXPIRED]


# --- the pytest plugin: tests that read like the callback documentation -------------


def test_the_plugin_is_loaded_through_its_pytest11_entry_point(pytestconfig):
    plugin = pytestconfig.pluginmanager.get_plugin("crm_callbacks")
    assert plugin is crm_callbacks.pytest_plugin


def test_widget_messages_fixture_is_a_fresh_copy(widget_messages):
    assert widget_messages == FIXTURE
    widget_messages["widget_to_parent"].clear()
    assert load_widget_messages() == FIXTURE


class TestTheCallbacksOnPipedrive:
    @pytest.fixture
    def crm_platform(self) -> str:
        return "pipedrive"

    def test_call_pop_opens_the_callers_person(self, crm_phone):
        assert crm_phone.ring("+16505550100", contact="42").opened == [PIPEDRIVE_JANE]

    def test_open_log_page_opens_the_contact_as_pipedrive_cannot_open_logs(self, crm_phone):
        crm_phone.ring("+16505550100", contact="42")
        result = crm_phone.view_log("9001")
        assert result.opened == [PIPEDRIVE_JANE]
        assert result.replies == {"6f1c2a90-0003": "ok"}

    def test_outbound_calls_pop_only_when_enabled(self, crm_phone):
        assert crm_phone.ring(CALLER, contact="42", direction="outbound").opened == []
        crm_phone.settings["openContactPageFromOutgoingCall"] = "onFirstRing"
        assert crm_phone.ring(CALLER, contact="42", direction="outbound").opened == [PIPEDRIVE_JANE]


class TestTheCallbacksOnBullhorn:
    @pytest.fixture
    def crm_hostname(self) -> str:
        return "app.bullhornstaffing.com"

    @pytest.fixture
    def crm_phone(self, crm_phone: CrmPhone) -> CrmPhone:
        ats = {"atsUrl": "https://cls5.bullhornstaffing.com"}
        return crm_phone.connect_crm(
            crm_extension_bullhorn_user_urls=ats, crm_extension_bullhornUsername="me"
        )

    def test_call_pop_opens_a_background_popup_on_the_stored_ats_host(self, crm_phone):
        [tab] = crm_phone.ring(contact={"id": "42", "type": "Candidate"}).of_type("openTab")
        assert tab["url"] == (
            "https://cls5.bullhornstaffing.com/BullhornStaffing/OpenWindow.cfm"
            "?Entity=Candidate&id=42&view=Overview"
        )
        assert (tab["popup"], tab["active"]) == (True, False)

    def test_deauthorize_removes_bullhorns_keys_and_tells_the_widget(self, crm_phone):
        result = crm_phone.logout()
        assert result.removed == [
            "crm_extension_bullhornUsername",
            "crm_extension_bullhorn_user_urls",
            "rcUnifiedCrmExtJwt",
        ]
        assert AUTHORIZED_FALSE in result.posted
        assert crm_phone.storage == {}


def test_a_phone_can_move_to_another_crm(crm_phone):
    assert crm_phone.on("testCRM").ring(contact="42").opened == [
        "https://acme.testcrm.localhost/contacts/42"
    ]


# --- plug-in adapters, found through real entry points ------------------------------

PLUGIN_DIR = TESTS / "plugin_example"


def _install_dist_info(site: Path, project: str, entry_points: dict[str, str]) -> None:
    """What pip leaves in site-packages for the entry points: a .dist-info folder."""
    info = site / f"{project.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project}\nVersion: 0.1.0\n")
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{k} = {v}" for k, v in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site-packages folder on sys.path; the default registry is rebuilt around it."""
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    default_registry.cache_clear()
    yield folder
    default_registry.cache_clear()
    for name in [n for n in sys.modules if n.startswith(("crm_callbacks_example", "bad_plugin"))]:
        del sys.modules[name]


def test_the_example_plugin_package_is_registered_through_its_entry_point(site):
    project = tomllib.loads((PLUGIN_DIR / "pyproject.toml").read_text("utf-8"))["project"]
    shutil.copytree(PLUGIN_DIR / "crm_callbacks_example", site / "crm_callbacks_example")
    _install_dist_info(site, project["name"], project["entry-points"][ENTRY_POINT_GROUP])

    registry = Registry()
    load_plugins(registry)
    assert [a.name for a in registry] == ["exampleCRM"]
    # The default registry (what dispatch uses in Chrome) now serves the plug-in's pages.
    result = simulate([ring(contact="7")], hostname="crm.examplecrm.localhost")
    assert result.opened == ["https://crm.examplecrm.localhost/people/7"]


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        (
            'ADAPTER = Adapter("bad", "Bad", "*", "https://{hostname}/{contactId}")',
            r"adapter plug-in 'bad' \(bad_plugin:ADAPTER\): adapter 'bad': urlIdentifier",
        ),
        ("ADAPTER = {'name': 'bad'}", "is not a crm_callbacks Adapter"),
        ("raise RuntimeError('boom')", r"adapter plug-in 'bad' \(bad_plugin:ADAPTER\): boom"),
    ],
)
def test_an_invalid_plugin_is_refused_with_a_clear_message(site, code, problem):
    source = f"from crm_callbacks import Adapter\n\n{code}\n"
    (site / "bad_plugin.py").write_text(textwrap.dedent(source))
    _install_dist_info(site, "bad-plugin", {"bad": "bad_plugin:ADAPTER"})
    with pytest.raises(ValueError, match=problem):
        load_plugins(Registry())


def test_the_default_registry_leaves_a_broken_plugin_out_and_says_why(site, capsys):
    (site / "bad_plugin.py").write_text("raise RuntimeError('boom')\n")
    _install_dist_info(site, "bad-plugin", {"bad": "bad_plugin:ADAPTER"})
    [skipped] = default_registry().skipped
    assert (skipped.name, skipped.origin) == ("bad", "plug-in bad-plugin")
    assert "boom" in skipped.reason
    # From the command line: listed as left out, and every other adapter still works.
    assert cli.main(["adapters"]) == 0
    out = capsys.readouterr().out
    assert "left out (1):\n  bad (plug-in bad-plugin): adapter plug-in 'bad'" in out
    assert "pipedrive " in out
    assert (
        cli.main(["simulate", "--platform", "pipedrive", "--ring", CALLER, "--contact", "7"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["url"] == "https://acme.pipedrive.com/person/7"


def test_a_plugins_origin_is_its_distribution(site):
    project = tomllib.loads((PLUGIN_DIR / "pyproject.toml").read_text("utf-8"))["project"]
    shutil.copytree(PLUGIN_DIR / "crm_callbacks_example", site / "crm_callbacks_example")
    _install_dist_info(site, project["name"], project["entry-points"][ENTRY_POINT_GROUP])
    registry = default_registry()
    assert registry.origin("examplecrm") == "plug-in crm-callbacks-example"
    assert registry.origin("pipedrive") == "built-in"
    assert registry.skipped == []


# --- the request builder and a phone with a server -----------------------------------


def test_request_builds_the_contract_request_the_extension_sends():
    message = ring(contact="42", service="Pipedrive")  # the widget tags our contacts
    built = request(message, hostname="acme.pipedrive.com", storage={"k": 1}, state={"v": 1})
    assert built == {
        "v": 1,
        "message": message,
        "context": {
            "page": {"hostname": "acme.pipedrive.com", "url": "https://acme.pipedrive.com/"},
            "storage": {"k": 1},
        },
        "state": {"v": 1},
    }
    assert dispatch(request(message))["actions"][0]["url"] == PIPEDRIVE_JANE


def test_widget_message_changes_fields_of_the_call():
    message = widget_message("active_call_ringing_inbound", sessionId="s2")
    assert message["call"]["sessionId"] == "s2"
    assert widget_message("active_call_ringing_inbound")["call"]["sessionId"] != "s2"
    with pytest.raises(KeyError, match="no widget message 'nope'; known: "):
        widget_message("nope")


SERVER = "http://127.0.0.1:6066"
FOUND = {"successful": True, "contact": [{"id": "7", "name": "Sam", "phone": "+16505550123"}]}


def _connected_phone(server) -> CrmPhone:
    phone = CrmPhone(hostname=TESTCRM, settings={"serverUrl": SERVER}, server=server)
    return phone.connect_crm()


def test_a_phone_with_a_server_answers_the_fetch_actions_like_a_mock_transport():
    asked = []

    def server(http_request):
        asked.append(http_request)
        return HttpResponse(200, json.dumps(FOUND))  # JSON text is parsed, as the shim does

    phone = _connected_phone(server)
    result = phone.ring("+16505550123")
    [lookup] = asked
    assert lookup["method"] == "GET"
    # The session token travels in the Authorization header, never in the URL.
    assert lookup["url"] == f"{SERVER}/contact?phoneNumber=%2B16505550123&overridingFormat="
    assert lookup["headers"] == {"Authorization": "Bearer test-session-token"}
    assert phone.fetched == asked
    assert result.of_type("fetch") != []  # the fetch Python asked for, then the answer's pop
    assert result.opened == [f"https://{TESTCRM}/contacts/7"]
    assert result.messages[-1]["type"] == "crm-callbacks-fetch-result"


def test_a_server_that_fails_is_a_network_error_and_opens_nothing():
    def server(http_request):
        raise ConnectionError("Failed to fetch")

    result = _connected_phone(server).ring("+16505550123")
    assert result.opened == []
    assert result.messages[-1]["status"] == 0
    assert result.messages[-1]["error"] == "Failed to fetch"
    assert result.errors != []


def test_a_server_answer_can_be_a_mapping():
    phone = _connected_phone(lambda http_request: {"status": 200, "body": FOUND})
    assert phone.ring("+16505550123").opened == [f"https://{TESTCRM}/contacts/7"]


# --- check_adapter: the conformance suite ---------------------------------------------

CONFORMANCE_OPTIONS = {
    "bullhorn": {"storage": {USER_URLS_KEY: {"atsUrl": "https://cls5.bullhornstaffing.com"}}},
    "gohighlevel": {"contact_type": "loc123"},
}


@pytest.mark.parametrize(
    ("platform", "page"),
    [
        ("pipedrive", "https://acme.pipedrive.com/"),
        ("clio", "https://app.clio.com/"),  # *app.clio.com: the first region's host
        ("netsuite", "https://acme.app.netsuite.com/app"),  # the identifier's path
        ("bullhorn", "https://app.bullhornstaffing.com/"),
    ],
)
def test_the_example_page_is_one_the_extension_runs_on(platform, page):
    from crm_callbacks.testing import example_hostname, example_page_path

    adapter = default_registry().get(platform)
    host, path = example_hostname(adapter), example_page_path(adapter)
    assert f"https://{host}{path}" == page
    assert default_registry().for_page(host, page) is adapter


@pytest.mark.parametrize("adapter", BUILTIN_ADAPTERS, ids=lambda adapter: adapter.name)
def test_every_built_in_adapter_passes_the_conformance_check(adapter):
    check_adapter(adapter, **CONFORMANCE_OPTIONS.get(adapter.name, {}))


def test_the_example_plugin_passes_the_conformance_check():
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        example = importlib.import_module("crm_callbacks_example")
        check_adapter(example.ADAPTER)
    finally:
        sys.path.remove(str(PLUGIN_DIR))
        sys.modules.pop("crm_callbacks_example", None)


GOOD_ZYLO = Adapter(
    name="zylo",
    display_name="Zylo",
    url_identifier="*.zylo.example",
    contact_page_url="https://{hostname}/people/{contactId}",
    log_page_url="https://{hostname}/activities/{logId}",
    can_open_log_page=True,
    unauthorize_keys=("crm_extension_zylo_token",),
)


@dataclass(frozen=True)
class RawContactPage(Adapter):
    """Broken: builds the URL by hand, without percent-encoding the id."""

    def contact_page(self, hostname, contact, storage):
        return f"https://{hostname}/people/{contact.id}"


@dataclass(frozen=True)
class ForgetfulLogout(Adapter):
    """Broken: Logout leaves the CRM's token behind."""

    def unauthorize(self, storage):
        return []


@dataclass(frozen=True)
class OffHostLogPage(Adapter):
    """Broken: its log page is on another host, which the router refuses."""

    def log_page(self, hostname, log_id, contact, storage):
        return f"https://zylo-logs.example.net/{log_id}"


@dataclass(frozen=True)
class WideHosts(Adapter):
    """Broken: lets any host through the URL guard, and opens one."""

    def allowed_hosts(self, page_hostname, storage):
        return {page_hostname, "evil.example"}

    def contact_page(self, hostname, contact, storage):
        return "https://evil.example/" + contact.id


@dataclass(frozen=True)
class OverridesValidate(Adapter):
    """Broken: skips validation by overriding a method outside the override API."""

    def validate(self):
        return None


BROKEN = [
    (replace(GOOD_ZYLO, url_identifier="*.zylo.example", name="zylo"), None),
    (RawContactPage(**vars(GOOD_ZYLO)), r"hostile contact id '\.\./\.\./admin' opened .*'\.\.'"),
    (ForgetfulLogout(**vars(GOOD_ZYLO)), r"Logout must remove .*crm_extension_zylo_token"),
    (OffHostLogPage(**vars(GOOD_ZYLO)), r"View log details gave errors .*UNSAFE_URL"),
    (
        WideHosts(**vars(GOOD_ZYLO)),
        r"call-pop .* opened 'https://evil.example/42': host 'evil.example' is not one of",
    ),
    (OverridesValidate(**vars(GOOD_ZYLO)), r"overrides validate, which is not"),
    (replace(GOOD_ZYLO, can_open_log_page=False), None),
    (
        replace(GOOD_ZYLO, contact_page_url="https://{hostname}/people"),
        r"call-pop opened https://acme.zylo.example/people, which lacks the contact id",
    ),
]


@pytest.mark.parametrize(("adapter", "failure"), BROKEN)
def test_the_conformance_check_fails_a_broken_adapter_with_a_clear_message(adapter, failure):
    if failure is None:
        check_adapter(adapter)  # the good ones pass
        return
    with pytest.raises(AssertionError, match=failure):
        check_adapter(adapter)


def test_the_conformance_check_says_which_stored_values_are_missing():
    bullhorn = default_registry().get("bullhorn")
    with pytest.raises(AssertionError, match=r"needs stored values.*pass them as check_adapter"):
        check_adapter(bullhorn)


def test_the_conformance_check_catches_an_exception_escaping_dispatch(monkeypatch):
    @dataclass(frozen=True)
    class Raising(Adapter):
        def template_values(self, hostname, storage):
            raise RuntimeError("bug in the adapter")

    adapter = Raising(**vars(GOOD_ZYLO))
    try:
        check_adapter(adapter)
    except AssertionError as failure:
        message = str(failure)
    else:
        message = ""
    # The router turns the bug into an error code; either way the check fails clearly.
    assert message.startswith("zylo: call-pop"), message


# --- the override API, with its documented example ------------------------------------


@dataclass(frozen=True)
class ZyloCompanies(Adapter):
    """The documented example: companies have their own page."""

    def contact_page(self, hostname, contact, storage):
        if contact.type == "Company":
            return fill(
                "https://{hostname}/companies/{contactId}",
                {"hostname": hostname, "contactId": contact.id},
            )
        return super().contact_page(hostname, contact, storage)


def test_the_documented_override_example_opens_a_page_per_type_and_conforms():
    adapter = ZyloCompanies(**{**vars(GOOD_ZYLO), "contact_types": ("Person", "Company")})
    check_adapter(adapter)
    phone = CrmPhone(adapter=adapter)
    company = phone.ring(CALLER, contact={"id": "9", "type": "Company"})
    person = phone.ring(AGENT, contact={"id": "7", "type": "Person"})
    assert company.opened + person.opened == [
        "https://acme.zylo.example/companies/9",
        "https://acme.zylo.example/people/7",
    ]


def test_the_override_api_is_the_adapters_public_callback_methods():
    for name in OVERRIDABLE:
        assert inspect.getdoc(getattr(Adapter, name)), f"Adapter.{name} has no docstring"
    public = {
        n for n, v in vars(Adapter).items() if inspect.isfunction(v) and not n.startswith("_")
    }
    assert set(OVERRIDABLE) < public
    assert public - set(OVERRIDABLE) == {
        "validate",
        "matches_page",
        "matches_host",
        "host_match_patterns",
        "crm_hostname",
        "for_user",
        "contact_page_template",
    }
    assert "open_host_patterns" in OVERRIDABLE  # a stored instance URL may add hosts


@pytest.mark.skipif(
    sys.platform == "emscripten", reason="the Pyodide runner mounts tests/, not docs/"
)
def test_the_override_example_in_the_docs_runs_and_conforms():
    doc = TESTS.parent / "docs" / "write-an-adapter.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text("utf-8"), flags=re.DOTALL)
    [example] = [block for block in blocks if "class ZyloAdapter(Adapter)" in block]
    namespace: dict[str, object] = {}
    exec(compile(example, str(doc), "exec"), namespace)
    adapter = namespace["ADAPTER"]
    check_adapter(adapter)
    phone = CrmPhone(adapter=adapter)
    assert phone.ring(CALLER, contact={"id": "9", "type": "Company"}).opened == [
        "https://acme.zylo.localhost/companies/9"
    ]
    assert phone.ring(AGENT, contact={"id": "7"}).opened == ["https://acme.zylo.localhost/people/7"]
