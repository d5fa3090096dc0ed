"""The extension's whole server flow in Chromium, against App Connect's real server core and
against the bundled Python testCRM server: the same scenarios, the same expectations.

Sign in with an API key in the widget, a call from a number only the server knows pops its
contact once, contact and call-log matching, view log, sign out; and the session token stays
out of chrome.storage.local, URLs and notices, and is never sent to another server.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from crm_callbacks.server import DEFAULT_API_KEY, running, start
from tests.conftest import widget_message
from tests.e2e.conftest import CrmPage, ExtensionBrowser, wait_until

HOST = "acme.testcrm.localhost"
SAM = f"https://{HOST}/contacts/43"  # (650) 555-0123 in the server's contact book only
JANE = f"https://{HOST}/contacts/42"
TOKEN_KEY = "rcUnifiedCrmExtJwt"


@pytest.fixture(params=["real-core", "python"])
def app_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The base URL of an App Connect server serving the demo CRM's data."""
    if request.param == "real-core":
        yield request.getfixturevalue("real_core").url
    else:
        with running(port=0) as server:
            yield server.url


def secrets(browser: ExtensionBrowser) -> dict[str, Any]:
    return browser.evaluate("() => self.crmCallbacks.secrets.readSecrets()")


def ring(session: str, number: str = "+16505550123") -> dict[str, Any]:
    return widget_message(
        "active_call_ringing_inbound",
        sessionId=session,
        telephonySessionId=session,
        **{"from": {"phoneNumber": number}},
    )


def auth_statuses(crm: CrmPage) -> list[bool]:
    return [
        m["authorized"]
        for m in crm.received()
        if m.get("type") == "rc-adapter-update-authorization-status"
    ]


def sign_in(browser: ExtensionBrowser, server_url: str) -> CrmPage:
    """Connect in the widget, as a user would: the API-key form, then its Connect button."""
    browser.set_settings(serverUrl=server_url)
    crm = browser.open_crm(host=HOST)
    crm.post_from_widget(widget_message("login_status"))
    crm.post_from_widget(widget_message("request_authorize_toggle"))
    page = crm.wait_for_received(
        lambda m: m.get("type") == "rc-adapter-register-customized-page", "the API-key form"
    )
    assert page["page"]["id"] == "crmCallbacksApiKeyLogin"
    assert page["page"]["schema"]["required"] == ["apiKey"]
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
    wait_until(lambda: True in auth_statuses(crm), timeout=30, what="authorized: true")
    return crm


def test_the_whole_server_flow(browser: ExtensionBrowser, app_server: str):
    crm = sign_in(browser, app_server)
    stored = secrets(browser)
    token = stored[TOKEN_KEY]
    assert token.count(".") == 2 and stored["crmCallbacksSessionServer"] == app_server
    assert TOKEN_KEY not in browser.storage()  # content scripts can read chrome.storage.local

    # call-pop of a number only the server knows, once however often the widget repeats it
    for _ in range(3):
        crm.post_from_widget(ring("srv-1"))
    crm.post_from_widget(ring("srv-2", "+16505550100"))
    browser.wait_for_tab(JANE)
    browser.wait_for_tab(SAM)
    assert browser.tab_urls().count(SAM) == 1

    # contact matching for the widget
    match = widget_message("request_contact_match")
    match["body"]["phoneNumbers"] = ["+16505550123"]
    crm.post_from_widget(match)
    reply = crm.wait_for_received(
        lambda m: m.get("responseId") == match["requestId"], "the contact-match reply"
    )
    assert [c["id"] for c in reply["response"]["data"]["+16505550123"]] == ["43"]

    # call-log matching, then "view log" opens the log the server knows
    crm.post_from_widget(widget_message("request_call_log_entity_match"))
    reply = crm.wait_for_received(
        lambda m: m.get("responseId") == "6f1c2a90-0002", "the entity-match reply"
    )
    assert reply["response"]["data"] == {"214705503020": [{"id": "9001", "note": ""}]}
    view = widget_message("request_view_log")  # the widget sends back what we replied
    view["body"]["call"]["activityMatches"] = reply["response"]["data"]["214705503020"]
    crm.post_from_widget(view)
    browser.wait_for_tab(f"https://{HOST}/logs/9001")

    # sign out: the widget shows Connect again, the token is gone here and on the server
    crm.post_from_widget({**widget_message("request_authorize_toggle"), "requestId": "out-1"})
    wait_until(lambda: auth_statuses(crm)[-1:] == [False], timeout=30, what="authorized: false")
    wait_until(lambda: not secrets(browser)[TOKEN_KEY], timeout=10, what="the token to go")
    request = urllib.request.Request(
        f"{app_server}/contact?phoneNumber=%2B16505550123",
        headers={"Authorization": f"Bearer {token}"},
    )

    def server_still_knows_the_session() -> bool:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)["successful"]

    # /unAuthorize is sent as the widget flips to Connect: the server ends it just after
    wait_until(lambda: not server_still_knows_the_session(), timeout=10, what="server sign-out")

    assert all(token not in notice for notice in crm.notices())


def test_a_session_ended_on_the_server_signs_out_here_with_one_notice(
    browser: ExtensionBrowser, app_server: str
):
    crm = sign_in(browser, app_server)
    token = secrets(browser)[TOKEN_KEY]
    request = urllib.request.Request(
        f"{app_server}/unAuthorize", method="POST", headers={"Authorization": f"Bearer {token}"}
    )
    urllib.request.urlopen(request, timeout=10).close()  # e.g. signed out on another device
    crm.post_from_widget(ring("after-end-1"))
    wait_until(lambda: auth_statuses(crm)[-1:] == [False], timeout=30, what="authorized: false")
    for n in range(2, 5):
        crm.post_from_widget(ring(f"after-end-{n}", "+16505550147"))
    wait_until(lambda: crm.notices(), timeout=10, what="a notice")
    ended = [n for n in crm.notices() if "session ended" in n]
    assert len(ended) == 1 and token not in ended[0]
    assert not secrets(browser)[TOKEN_KEY]
    assert SAM not in browser.tab_urls()


def test_the_token_of_one_server_is_never_sent_to_another(browser: ExtensionBrowser):
    with running(port=0) as first, running(port=0) as second:
        crm = sign_in(browser, first.url)
        browser.set_settings(serverUrl=second.url)  # the user switches servers
        crm.post_from_widget(ring("other-server"))
        crm.post_from_widget(widget_message("request_call_log_entity_match"))
        crm.wait_for_received(lambda m: m.get("responseId") == "6f1c2a90-0002", "the reply")
        assert not any("/contact" in line or "/callLog" in line for line in second.config.log)
        assert SAM not in browser.tab_urls()


def test_with_the_server_down_nothing_opens_the_user_is_told_and_later_calls_work(
    browser: ExtensionBrowser, testcrm_server: Any
):
    port, store, secret = (
        testcrm_server.port,
        testcrm_server.config.store,
        testcrm_server.config.secret,
    )
    crm = sign_in(browser, testcrm_server.url)
    testcrm_server.stop()
    crm.post_from_widget(ring("down-1"))
    notice = wait_until(
        lambda: [n for n in crm.notices() if "did not answer" in n],
        timeout=30,
        what="a notice on the CRM page",
    )
    assert notice
    assert SAM not in browser.tab_urls()
    restarted = start(port=port, store=store, secret=secret)
    try:
        crm.post_from_widget(ring("down-2"))
        browser.wait_for_tab(SAM)
        assert browser.tab_urls().count(SAM) == 1
    finally:
        restarted.stop()
