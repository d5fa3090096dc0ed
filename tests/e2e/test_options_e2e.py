"""The options page end to end: rendered from settings-schema.json, saved through Python.

The page holds no setting by name, so the tests read the schema (and config.json, for
defaults taken from the build) from the page itself and check the page against it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import ExtensionBrowser

expect = pytest.importorskip("playwright.sync_api").expect

SETTINGS_KEY = "crmCallbacksSettings"
SAVE_TIMEOUT_MS = 30_000  # saving validates in Python, which may still be booting
UNSAFE_URL = "javascript:alert(1)"
CALL_POP_DEFAULTS = {
    "openContactPageFromIncomingCall": "onFirstRing",
    "openContactPageFromOutgoingCall": "disabled",
    "multiContactMatchBehavior": "openAllMatches",
}


def stored_settings(browser: ExtensionBrowser) -> Any:
    return browser.worker.evaluate(
        "async key => (await chrome.storage.local.get(key))[key] ?? null", SETTINGS_KEY
    )


def store_settings(browser: ExtensionBrowser, settings: dict[str, Any] | None) -> None:
    if settings is None:
        browser.worker.evaluate("key => chrome.storage.local.remove(key)", SETTINGS_KEY)
    else:
        browser.worker.evaluate(
            "([key, value]) => chrome.storage.local.set({[key]: value})", [SETTINGS_KEY, settings]
        )


def wait_until_ready(page: Any) -> None:
    # A locator assertion, not wait_for_function: the page's CSP forbids eval.
    root = page.locator("html")
    expect(root).not_to_have_attribute("data-state", "loading")
    assert root.get_attribute("data-state") == "ready", page.locator("#errors").inner_text()


def open_options(browser: ExtensionBrowser) -> Any:
    extension_id = urlsplit(browser.worker.url).hostname
    page = browser.context.new_page()
    page.goto(f"chrome-extension://{extension_id}/options.html")
    wait_until_ready(page)
    return page


def extension_json(page: Any, name: str) -> Any:
    return page.evaluate("name => fetch(chrome.runtime.getURL(name)).then(r => r.json())", name)


def schema_fields(page: Any) -> list[dict[str, Any]]:
    schema = extension_json(page, "settings-schema.json")
    assert schema["version"] == 1
    fields = [field for group in schema["groups"] for field in group["fields"]]
    assert fields, "settings-schema.json lists no field"
    return fields


def shown_default(field: dict[str, Any], config: dict[str, Any]) -> Any:
    """The value the page shows when nothing is stored: the build's, else the schema's."""
    source = field.get("defaultFromBuild")
    built = config.get("settingDefaults", {}).get(source, config.get(source)) if source else None
    return built if built is not None else field.get("default")


def field_box(page: Any, key: str) -> Any:
    return page.locator(f'[data-setting="{key}"]')


def save_button(page: Any) -> Any:
    return page.get_by_role("button", name="Save", exact=True)


def test_every_field_shows_its_default_when_nothing_is_stored(browser: ExtensionBrowser):
    store_settings(browser, None)
    page = open_options(browser)
    config = extension_json(page, "config.json")
    fields = schema_fields(page)
    expect(page).to_have_title("crm-callbacks settings")

    for field in fields:
        box = field_box(page, field["key"])
        expect(box).to_have_count(1)
        if field.get("help"):
            expect(box).to_contain_text(field["help"])
        if field["type"] == "perPlatform":
            assert field["platforms"], field["key"]
            for platform in field["platforms"]:
                entry = box.get_by_label(platform["displayName"], exact=True)
                expect(entry).to_have_value("")
                expect(entry).to_have_attribute("placeholder", platform["default"])
            continue
        control = box.get_by_label(field["label"], exact=True)  # the label is bound to it
        default = shown_default(field, config)
        if field["type"] == "boolean":
            expect(control).to_be_checked(checked=default is True)
        else:
            expect(control).to_have_value("" if default is None else str(default))
        if field["type"] == "choice":
            label = next(c["label"] for c in field["choices"] if c["value"] == default)
            expect(box).to_contain_text(f"Default: {label}")

    keys = {field["key"] for field in fields}
    assert set(CALL_POP_DEFAULTS) <= keys
    for key, default in CALL_POP_DEFAULTS.items():
        expect(page.locator(f'select[name="{key}"]')).to_have_value(default)

    manifest_version = browser.worker.evaluate("() => chrome.runtime.getManifest().version")
    footer = page.locator("footer")
    expect(footer).to_contain_text(manifest_version)
    expect(footer).to_contain_text(config["buildId"])


def test_saving_a_choice_stores_it_and_says_saved(browser: ExtensionBrowser):
    store_settings(browser, None)
    page = open_options(browser)
    incoming = page.locator('select[name="openContactPageFromIncomingCall"]')
    incoming.select_option("onAnswer")
    save_button(page).click()

    expect(page.get_by_role("status")).to_have_text("Saved", timeout=SAVE_TIMEOUT_MS)
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(save_button(page)).to_be_enabled()
    assert stored_settings(browser)["openContactPageFromIncomingCall"] == "onAnswer"

    page.reload()
    wait_until_ready(page)
    expect(incoming).to_have_value("onAnswer")


def test_an_unsafe_widget_url_is_refused_next_to_its_field(browser: ExtensionBrowser):
    page = open_options(browser)
    before = stored_settings(browser)
    box = field_box(page, "customWidgetUrl")
    entry = box.locator('input[name="customWidgetUrl"]')
    entry.fill(UNSAFE_URL)
    save_button(page).click()

    expect(page.get_by_role("alert")).to_be_visible(timeout=SAVE_TIMEOUT_MS)
    expect(entry).to_have_attribute("aria-invalid", "true")
    message = box.locator(".field-error")
    expect(message).to_be_visible()
    expect(message).not_to_be_empty()
    expect(entry).to_have_accessible_description(re.compile(re.escape(message.inner_text())))
    expect(page.get_by_role("status")).not_to_have_text("Saved")
    expect(save_button(page)).to_be_enabled()
    assert stored_settings(browser) == before


def test_reset_to_defaults_stores_the_defaults(browser: ExtensionBrowser):
    store_settings(
        browser,
        {"openContactPageFromIncomingCall": "onAnswer", "multiContactMatchBehavior": "disabled"},
    )
    page = open_options(browser)
    incoming = page.locator('select[name="openContactPageFromIncomingCall"]')
    expect(incoming).to_have_value("onAnswer")
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", accept)
    page.get_by_role("button", name="Reset to defaults").click()

    expect(page.get_by_role("status")).to_have_text("Saved", timeout=SAVE_TIMEOUT_MS)
    assert asked == ["confirm"]
    config = extension_json(page, "config.json")
    stored = stored_settings(browser) or {}
    for field in schema_fields(page):
        value = stored.get(field["key"])
        if field["type"] == "perPlatform":
            assert value in (None, {}), (field["key"], value)
        else:
            allowed = (None, field.get("default"), shown_default(field, config))
            assert value in allowed, (field["key"], value)
    for key, default in CALL_POP_DEFAULTS.items():
        expect(page.locator(f'select[name="{key}"]')).to_have_value(default)
