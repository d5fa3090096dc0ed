"""An App Connect manifest as it is: path wildcards, regions and server-spelled types pop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_callbacks.testing import ring
from tests.conftest import run_build
from tests.e2e.conftest import ExtensionBrowser

# App Connect's shapes on loopback hosts: NetSuite's path identifier and &source,
# Clio's glued wildcard and regions, a Google Sheets–like platform that cannot pop.
MANIFEST = {
    "serverUrl": "https://example.invalid",
    "platforms": {
        "pathcrm": {
            "displayName": "Path CRM",
            "urlIdentifier": "*.pathcrm.localhost/app*",
            "auth": {"type": "oauth"},
            "contactPageUrl": "https://{hostname}/app/common/entity/{contactType}.nl"
            "?id={contactId}&source=ringcentral",
            "contactTypes": [{"display": "Customer", "value": "custjob"}],
            "environment": {"type": "dynamic", "urlIdentifier": "*.pathcrm.localhost/app*"},
        },
        "regioncrm": {
            "displayName": "Region CRM",
            "urlIdentifier": "*app.regioncrm.localhost",
            "auth": {"type": "oauth"},
            "contactPageUrl": "https://{hostname}/nc/#/contacts/{contactId}",
            "environment": {
                "type": "selectable",
                "selections": [
                    {"const": "https://app.regioncrm.localhost", "name": "US"},
                    {"const": "https://eu.app.regioncrm.localhost", "name": "EU"},
                ],
            },
        },
        "sheets": {"urlIdentifier": "*.sheets.localhost/spreadsheets", "auth": {"type": "oauth"}},
    },
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build made with the manifest above."""
    folder = tmp_path_factory.mktemp("manifest-build")
    manifest = folder / "app-connect.json"
    manifest.write_text(json.dumps(MANIFEST))
    done = run_build("--out", str(folder / "dist"), "--crm-manifest", str(manifest))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: CRM 'sheets' left out" in done.stdout
    return folder / "dist"


def test_the_build_derives_narrow_patterns_from_the_identifiers(dist: Path):
    matches = json.loads((dist / "manifest.json").read_text())["content_scripts"][0]["matches"]
    assert "https://*.pathcrm.localhost/app*" in matches
    assert "https://*.regioncrm.localhost/*" in matches
    assert not any("sheets" in pattern for pattern in matches)


def test_a_path_identifier_pops_the_type_as_the_server_spelled_it(browser: ExtensionBrowser):
    crm = browser.open_crm(path="/app/center/card.nl", host="1234567.pathcrm.localhost")
    crm.post_from_widget(
        ring(contact={"id": "42", "type": "Contact"}, service="Path CRM")
    )  # the server's spelling: "Contact"
    browser.wait_for_tab(
        "https://1234567.pathcrm.localhost/app/common/entity/Contact.nl?id=42&source=ringcentral"
    )


def test_the_users_region_is_the_hostname(browser: ExtensionBrowser):
    browser.set_settings(**{"crm.regioncrm.environment": "https://eu.app.regioncrm.localhost"})
    crm = browser.open_crm(path="/nc/", host="app.regioncrm.localhost")
    crm.post_from_widget(ring(contact="42", service="Region CRM"))
    browser.wait_for_tab("https://eu.app.regioncrm.localhost/nc/#/contacts/42")
    assert not any(
        "app.regioncrm.localhost/nc/#" in u and "eu." not in u for u in browser.tab_urls()
    )
