"""Contacts and call logs from the bundled App Connect–style server, end to end."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from crm_callbacks.server import DEFAULT_API_KEY, start
from tests.conftest import widget_message
from tests.e2e.conftest import ExtensionBrowser, wait_until

HOST = "acme.testcrm.localhost"
SAM = f"https://{HOST}/contacts/43"  # (650) 555-0123 in the server's contact book only


def session_token(server: Any) -> str:
    request = urllib.request.Request(
        f"{server.url}/apiKeyLogin",
        method="POST",
        data=json.dumps({"platform": "testCRM", "apiKey": DEFAULT_API_KEY}).encode(),
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.load(answer)["jwtToken"]


def connect(browser: ExtensionBrowser, server: Any) -> None:
    browser.set_settings(serverUrl=server.url)
    browser.set_storage({"rcUnifiedCrmExtJwt": session_token(server)})


def ring(session: str, number: str = "+16505550123") -> dict[str, Any]:
    return widget_message(
        "active_call_ringing_inbound",
        sessionId=session,
        telephonySessionId=session,
        **{"from": {"phoneNumber": number}},
    )


def test_a_ring_for_a_number_only_the_server_knows_opens_its_contact_once(
    browser: ExtensionBrowser, testcrm_server: Any
):
    connect(browser, testcrm_server)
    crm = browser.open_crm(host=HOST)
    for _ in range(3):
        crm.post_from_widget(ring("srv-1"))
    crm.post_from_widget(ring("srv-2", "+16505550100"))  # a later call, Jane Doe
    browser.wait_for_tab(f"https://{HOST}/contacts/42")
    browser.wait_for_tab(SAM)
    assert browser.tab_urls().count(SAM) == 1


def test_with_the_server_down_nothing_opens_the_user_is_told_and_later_calls_work(
    browser: ExtensionBrowser, testcrm_server: Any
):
    connect(browser, testcrm_server)
    port, store, secret = (
        testcrm_server.port,
        testcrm_server.config.store,
        testcrm_server.config.secret,
    )
    crm = browser.open_crm(host=HOST)
    testcrm_server.stop()
    crm.post_from_widget(ring("down-1"))
    notice = wait_until(lambda: crm.notices(), timeout=30, what="a notice on the CRM page")
    assert "did not answer" in notice[0]
    assert SAM not in browser.tab_urls()
    restarted = start(port=port, store=store, secret=secret)
    try:
        crm.post_from_widget(ring("down-2"))
        browser.wait_for_tab(SAM)
        assert browser.tab_urls().count(SAM) == 1
    finally:
        restarted.stop()


def test_view_log_on_a_call_the_server_logged_opens_its_log_page(
    browser: ExtensionBrowser, testcrm_server: Any
):
    connect(browser, testcrm_server)
    crm = browser.open_crm(host=HOST)
    crm.post_from_widget(widget_message("request_call_log_entity_match"))
    reply = crm.wait_for_received(
        lambda m: m.get("responseId") == "6f1c2a90-0002", "the entity-match reply"
    )
    assert reply["response"]["data"] == {"214705503020": [{"id": "9001", "note": ""}]}
    view = widget_message("request_view_log")  # the widget sends back what we replied
    view["body"]["call"]["activityMatches"] = reply["response"]["data"]["214705503020"]
    crm.post_from_widget(view)
    browser.wait_for_tab(f"https://{HOST}/logs/9001")


def test_connect_signs_in_with_an_api_key_in_the_widget(
    browser: ExtensionBrowser, testcrm_server: Any
):
    browser.set_settings(serverUrl=testcrm_server.url)
    crm = browser.open_crm(host=HOST)
    crm.post_from_widget(widget_message("login_status"))
    crm.post_from_widget(widget_message("request_authorize_toggle"))
    page = crm.wait_for_received(
        lambda m: m.get("type") == "rc-adapter-register-customized-page", "the API-key form"
    )
    assert page["page"]["id"] == "crmCallbacksApiKeyLogin"
    crm.post_from_widget(
        {
            "type": "rc-post-message-request",
            "requestId": "connect-1",
            "path": "/crm-callbacks/button-click",
            "body": {
                "button": {"id": "crmCallbacksApiKeyLogin", "formData": {"apiKey": DEFAULT_API_KEY}}
            },
        }
    )
    status = crm.wait_for_received(
        lambda m: m.get("type") == "rc-adapter-update-authorization-status", "the auth status"
    )
    assert status["authorized"] is True
    assert browser.storage()["rcUnifiedCrmExtJwt"].count(".") == 2
    crm.post_from_widget(ring("after-connect"))
    browser.wait_for_tab(SAM)
