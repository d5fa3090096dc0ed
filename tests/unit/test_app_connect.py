"""CRMs from an App Connect–style JSON manifest: added or overridden without code."""

from __future__ import annotations

import json

import pytest

from crm_callbacks import Registry, dispatch
from crm_callbacks.adapters import BUILTIN_ADAPTERS, load_manifest, load_manifest_file
from crm_callbacks.adapters.bullhorn import BullhornAdapter
from crm_callbacks.contacts import Contact
from tests.conftest import make_request, our_ring

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


def registry_with(manifest: dict) -> Registry:
    registry = Registry(BUILTIN_ADAPTERS)
    load_manifest(registry, manifest)
    return registry


def test_a_new_platform_needs_no_code():
    adapter = registry_with(ACME).for_hostname("eu.acmecrm.example")
    assert adapter.display_name == "Acme CRM"
    assert adapter.contact_page("eu.acmecrm.example", Contact("9"), {}) == (
        "https://eu.acmecrm.example/people/person/9"
    )
    assert adapter.log_page("eu.acmecrm.example", "3", None, {}) == (
        "https://eu.acmecrm.example/calls/3"
    )


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


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ({}, "non-empty 'platforms'"),
        ({"platforms": []}, "non-empty 'platforms'"),
        ({"platforms": {"x": "y"}}, "must be an object"),
        ({"platforms": {"x": {"urlIdentifier": "*.x.example"}}}, "needs contactPageUrl"),
        (
            {"platforms": {"x": {"contactPageUrl": "https://{hostname}/{contactId}"}}},
            "needs urlIdentifier",
        ),
        ({"platforms": {"pipedrive": {"canOpenLogPage": "yes"}}}, "must be a boolean"),
        ({"platforms": {"pipedrive": {"contactTypes": [""]}}}, "non-empty strings"),
        (
            {"platforms": {"pipedrive": {"contactPageUrl": "https://evil.com/{contactId}"}}},
            "contactPageUrl must start",
        ),
        ({"platforms": {"pipedrive": {"urlIdentifier": "*"}}}, "urlIdentifier"),
    ],
)
def test_invalid_manifests_are_refused_with_the_reason(manifest, problem):
    with pytest.raises(ValueError, match=problem):
        registry_with(manifest)


def test_a_manifest_file_error_names_the_file(tmp_path):
    path = tmp_path / "crm.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"crm\.json"):
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
    finally:
        monkeypatch.delenv("CRM_CALLBACKS_MANIFEST")
        default_registry.cache_clear()
