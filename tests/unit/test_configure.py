"""`configure`: the runtime's adapters are passed in explicitly, not through the environment."""

from __future__ import annotations

import json

import pytest

import crm_callbacks
from crm_callbacks import adapters, configure, dispatch
from tests.conftest import make_request, our_ring

ACME = {
    "platforms": {
        "acme": {
            "displayName": "Acme CRM",
            "urlIdentifier": "*.acmecrm.example",
            "contactPageUrl": "https://{hostname}/people/{contactType}/{contactId}",
        }
    }
}


@pytest.fixture(autouse=True)
def unconfigured(monkeypatch):
    """Each test starts and ends with the package as a developer's CPython has it."""
    monkeypatch.delenv(adapters.MANIFEST_ENV, raising=False)
    monkeypatch.setattr(adapters, "_configured", None)
    adapters.default_registry.cache_clear()
    yield
    adapters.default_registry.cache_clear()


def acme_ring() -> dict:
    """A ring whose contactMatch is one of Acme's (its service's name, record type "org")."""
    message = our_ring("eu.acmecrm.example", entityType="org")
    return make_request(message, hostname="eu.acmecrm.example")


@pytest.mark.parametrize("manifest", [ACME, json.dumps(ACME)], ids=["dict", "json text"])
def test_a_configured_manifest_adds_its_crm(manifest) -> None:
    assert dispatch(acme_ring())["errors"][0]["code"] == "UNKNOWN_PLATFORM"
    names = configure(manifest=manifest)
    assert "acme" in names and "pipedrive" in names
    [action] = dispatch(acme_ring())["actions"]
    assert action["url"] == "https://eu.acmecrm.example/people/org/42"


def test_configure_ignores_the_environment(tmp_path, monkeypatch) -> None:
    path = tmp_path / "crm.json"
    path.write_text(json.dumps(ACME))
    monkeypatch.setenv(adapters.MANIFEST_ENV, str(path))
    configure(manifest=None)
    assert dispatch(acme_ring())["errors"][0]["code"] == "UNKNOWN_PLATFORM"


def test_an_invalid_manifest_fails_configure_and_keeps_the_previous_adapters() -> None:
    with pytest.raises(ValueError, match="platforms"):
        configure(manifest={"platforms": {}})
    with pytest.raises(ValueError, match="not JSON"):
        configure(manifest="{")
    assert crm_callbacks.default_registry().get("pipedrive") is not None
    assert dispatch(acme_ring())["errors"][0]["code"] == "UNKNOWN_PLATFORM"


def test_plugins_limits_the_entry_points_to_the_named_distributions() -> None:
    # No plug-in distribution is installed in the test environment: naming one that
    # does not exist loads nothing and leaves the built-ins.
    names = configure(plugins=["crm-callbacks-not-installed"])
    assert sorted(names) == sorted(a.name for a in adapters.BUILTIN_ADAPTERS)
