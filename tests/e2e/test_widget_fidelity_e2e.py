"""The real widget's behaviour end to end (ringcentral-embeddable 2.3.x, docs/widget.md).

The fake widget (tests/e2e/site/widget.html) plays the parts that decide what the
extension sees: one call in Browser calling mode posts both kinds of event; its
contactMatch is whatever its matcher holds first (a directory contact, or ours);
"View log details" and "View contact details" exist only where the real one shows them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import WIDGET_MESSAGES
from tests.e2e.conftest import CrmPage, ExtensionBrowser

CALLER = "+16505550100"
PERSON = "https://acme.pipedrive.com/person/{}"
TESTCRM_HOST = "acme.testcrm.localhost"


def ours(contact_id: str, service: str = "Pipedrive", record: str = "Person") -> dict[str, Any]:
    """A contact as our service replied it to /contacts/match, as the widget keeps it."""
    return {
        "id": contact_id,
        "name": f"Contact {contact_id}",
        "type": service,
        "entityType": record,
        "phoneNumbers": [{"phoneNumber": CALLER, "phoneType": "direct"}],
    }


def knows(crm: CrmPage, number: str, *contacts: dict[str, Any], directory: bool = False) -> None:
    """Put `contacts` in the fake widget's matcher for `number` (as an earlier match did)."""
    table = "directory" if directory else "contactMapping"
    crm.widget.evaluate(
        "([table, number, contacts]) => { window.widget[table][number] = contacts; }",
        [table, number, list(contacts)],
    )


def call(crm: CrmPage, **options: Any) -> None:
    crm.widget.evaluate("options => window.widget.call(options)", options)


def register(crm: CrmPage) -> None:
    crm.post_from_widget(WIDGET_MESSAGES["widget_to_parent"]["login_status"])
    crm.wait_for_received(
        lambda m: m.get("type") == "rc-adapter-register-third-party-service", "the registration"
    )


def sentinel(browser: ExtensionBrowser, crm: CrmPage) -> None:
    """A later call whose tab proves every earlier event was handled (dispatch is serial)."""
    knows(crm, "+16505550177", ours("77"))
    call(crm, number="+16505550177", telephonySessionId="s-sentinel", sessionId="p-sentinel")
    browser.wait_for_tab(PERSON.format("77"))


@pytest.mark.parametrize("order", ["activeFirst", "webPhoneFirst"])
def test_a_browser_calling_call_posting_both_kinds_of_event_opens_one_tab(
    browser: ExtensionBrowser, order: str
):
    crm = browser.open_crm()
    browser.wait_for_python()
    knows(crm, CALLER, ours("42"))
    # An earlier call taught the extension the contact, so either event could pop.
    call(crm, telephonySessionId="s-earlier", sessionId="p-earlier", order="webPhoneFirst")
    browser.wait_for_tab(PERSON.format("42"))
    call(crm, order=order)
    sentinel(browser, crm)
    assert browser.tab_urls().count(PERSON.format("42")) == 2  # the earlier call's, and one


def test_a_directory_contact_match_opens_nothing(browser: ExtensionBrowser):
    crm = browser.open_crm()
    browser.wait_for_python()
    directory = {**ours("2298412004"), "type": "company", "entityType": "company"}
    knows(crm, CALLER, directory, directory=True)
    knows(crm, CALLER, ours("42"))  # ours too, but the matcher holds the directory one first
    events = crm.widget.evaluate("() => window.widget.call()")
    assert events[1]["call"]["contactMatch"]["type"] == "company"
    sentinel(browser, crm)
    assert not [url for url in browser.tab_urls() if "/person/2298412004" in url]
    assert not [url for url in browser.tab_urls() if url.endswith("/person/42")]


def test_view_log_with_an_empty_state_opens_the_log_the_widget_sent(browser: ExtensionBrowser):
    crm = browser.open_crm(host=TESTCRM_HOST)
    browser.wait_for_python()
    # The extension knows no log (a fresh profile): its match reply shows no button.
    unmatched = crm.widget.evaluate("() => window.widget.matchCallLogs(['214705503020'])")
    assert unmatched == {}
    assert crm.widget.evaluate("() => window.widget.viewLog()") is False
    # The widget's own memory from an earlier reply (it outlives the extension's state).
    crm.widget.evaluate(
        "() => { window.widget.activityMapping['214705503020'] = [{id: 'log-7', note: ''}]; }"
    )
    assert crm.widget.evaluate("() => window.widget.viewLog()") is True
    browser.wait_for_tab(f"https://{TESTCRM_HOST}/logs/log-7")


def test_view_log_on_pipedrive_opens_the_contact_the_widget_sent(browser: ExtensionBrowser):
    crm = browser.open_crm()
    browser.wait_for_python()
    knows(crm, CALLER, ours("42"))
    crm.widget.evaluate(
        "() => { window.widget.activityMapping['214705503020'] = [{id: '9001', note: ''}]; }"
    )
    assert crm.widget.evaluate("() => window.widget.viewLog()") is True
    browser.wait_for_tab(PERSON.format("42"))
    assert not any("/activities/" in url for url in browser.tab_urls())


def test_view_contact_details_opens_the_crm_record(browser: ExtensionBrowser):
    crm = browser.open_crm()
    browser.wait_for_python()
    register(crm)
    registration = crm.widget.evaluate("() => window.widget.service")
    assert registration["viewMatchedContactPath"] == "/contacts/view"
    assert registration["callLoggerAutoLogSettingHidden"] is True
    knows(crm, CALLER, ours("42"))
    assert crm.widget.evaluate(f"() => window.widget.viewContact('{CALLER}')") is True
    browser.wait_for_tab(PERSON.format("42"))
    # A directory contact stays in the widget: nothing is sent, nothing opens.
    knows(crm, "+16505550142", {**ours("5"), "type": "company"})
    assert crm.widget.evaluate("() => window.widget.viewContact('+16505550142')") is False
