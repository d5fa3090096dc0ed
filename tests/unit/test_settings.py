"""Settings: defaults, the options page's schema and saving through Python."""

from __future__ import annotations

import pytest

from crm_callbacks import ErrorCode, dispatch
from crm_callbacks.adapters import default_registry
from crm_callbacks.settings import SETTINGS, read_setting, settings_schema
from crm_callbacks.widget import widget_url

BUILD = {
    "clientId": "built-id",
    "appServer": "https://platform.ringcentral.com",
    "redirectUri": "https://ringcentral.github.io/ringcentral-embeddable/redirect.html",
}


def save(settings: dict, build: dict | None = None) -> dict:
    message = {
        "type": "crm-callbacks-save-settings",
        "settings": settings,
        "build": BUILD if build is None else build,
    }
    return dispatch({"v": 1, "message": message, "context": {}, "state": {}})


def stored(response: dict) -> dict:
    [action] = response["actions"]
    assert action["type"] == "setStorage"
    return action["items"]["crmCallbacksSettings"]


@pytest.mark.parametrize(
    ("key", "default"),
    [
        ("openContactPageFromIncomingCall", "onFirstRing"),
        ("openContactPageFromOutgoingCall", "disabled"),
        ("multiContactMatchBehavior", "openAllMatches"),
        ("openFallbackOnNoMatch", False),
        ("fallbackContactPageUrls", {}),
        ("clientId", ""),
        ("appServer", "https://platform.ringcentral.com"),
        ("customWidgetUrl", ""),
    ],
)
def test_every_setting_has_a_documented_default(key, default):
    assert read_setting({}, key) == default
    assert read_setting({key: None}, key) == default


def test_the_schema_lists_every_setting_once_with_choices_and_platforms():
    schema = settings_schema(default_registry())
    fields = [f for group in schema["groups"] for f in group["fields"]]
    keys = [f["key"] for f in fields]
    assert len(keys) == len(set(keys))
    assert [k for k in keys if not k.startswith("crm.")] == list(SETTINGS)
    # Each CRM's own settings follow: where the user chooses its {hostname}.
    assert {"crm.clio.environment", "crm.pipedrive.environment"} <= set(keys)
    assert "crm.redtail.environment" not in keys  # fixed: nothing to choose
    incoming = fields[0]
    assert [c["value"] for c in incoming["choices"]] == ["disabled", "onFirstRing", "onAnswer"]
    per_platform = next(f for f in fields if f["type"] == "perPlatform")
    assert {p["name"] for p in per_platform["platforms"]} == {a.name for a in default_registry()}
    assert next(f for f in fields if f["key"] == "clientId")["defaultFromBuild"] == "clientId"


def test_saving_defaults_builds_the_widget_url_from_the_build():
    assert stored(save({})) == {"widgetUrl": widget_url("built-id")}


def test_saving_a_client_id_and_sandbox_server_rebuilds_the_widget_url():
    settings = {
        "clientId": "mine",
        "appServer": "https://platform.devtest.ringcentral.com",
        "openContactPageFromIncomingCall": "onAnswer",
        "unknownKey": 1,
    }
    assert stored(save(settings)) == {
        "clientId": "mine",
        "appServer": "https://platform.devtest.ringcentral.com",
        "openContactPageFromIncomingCall": "onAnswer",
        "widgetUrl": widget_url("mine", "https://platform.devtest.ringcentral.com"),
    }


def test_a_custom_widget_url_wins():
    url = "https://widget.example.com/app.html?x=1"
    assert stored(save({"customWidgetUrl": url}))["widgetUrl"] == url


def test_fallback_urls_keep_only_filled_platforms():
    urls = {"pipedrive": " https://{hostname}/search?q={phoneNumber} ", "clio": ""}
    assert stored(save({"fallbackContactPageUrls": urls}))["fallbackContactPageUrls"] == {
        "pipedrive": "https://{hostname}/search?q={phoneNumber}"
    }


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"openContactPageFromIncomingCall": "always"}, "openContactPageFromIncomingCall"),
        ({"multiContactMatchBehavior": 3}, "multiContactMatchBehavior"),
        ({"openFallbackOnNoMatch": "yes"}, "openFallbackOnNoMatch"),
        ({"customWidgetUrl": "javascript:alert(1)"}, "customWidgetUrl"),
        ({"customWidgetUrl": "http://widget.example.com/"}, "customWidgetUrl"),
        ({"customWidgetUrl": "https://user@widget.example.com/"}, "customWidgetUrl"),
        ({"appServer": "ftp://platform.ringcentral.com"}, "appServer"),
        ({"clientId": 5}, "clientId"),
        ({"fallbackContactPageUrls": {"nocrm": "https://x/"}}, "fallbackContactPageUrls"),
        (
            {"fallbackContactPageUrls": {"pipedrive": "http://x/"}},
            "fallbackContactPageUrls.pipedrive",
        ),
        ({"fallbackContactPageUrls": ["https://x/"]}, "fallbackContactPageUrls"),
    ],
)
def test_invalid_settings_store_nothing_and_name_the_field(settings, field):
    response = save(settings)
    assert response["actions"] == []
    assert [(e["code"], e.get("field")) for e in response["errors"]] == [
        (ErrorCode.BAD_SETTING, field)
    ]


def test_every_invalid_setting_is_reported_at_once():
    response = save(
        {"openContactPageFromIncomingCall": "x", "openContactPageFromOutgoingCall": "y"}
    )
    assert len(response["errors"]) == 2


@pytest.mark.parametrize("message_changes", [{"settings": []}, {"build": "x"}])
def test_a_malformed_save_is_a_bad_request(message_changes):
    message = {"type": "crm-callbacks-save-settings", "settings": {}, **message_changes}
    response = dispatch({"v": 1, "message": message})
    assert [e["code"] for e in response["errors"]] == [ErrorCode.BAD_REQUEST]


def test_a_loopback_widget_url_is_allowed_for_local_testing():
    url = "http://127.0.0.1:8080/widget.html"
    assert stored(save({"customWidgetUrl": url}))["widgetUrl"] == url


def test_values_equal_to_their_defaults_are_not_pinned():
    settings = {
        "clientId": "built-id",
        "appServer": "https://platform.ringcentral.com",
        "openContactPageFromIncomingCall": "onFirstRing",
        "openFallbackOnNoMatch": False,
    }
    assert stored(save(settings)) == {"widgetUrl": widget_url("built-id")}


def test_a_bad_fallback_url_names_its_crm():
    response = save({"fallbackContactPageUrls": {"clio": "bad"}})
    assert [e.get("field") for e in response["errors"]] == ["fallbackContactPageUrls.clio"]
