"""Call-pop end to end: a ring posted by the widget opens the contact's CRM record."""

from __future__ import annotations

from typing import Any

from tests.conftest import our_ring, widget_message
from tests.e2e.conftest import ExtensionBrowser

JANE_URL = "https://acme.pipedrive.com/person/42"


def ring(session_id: str, contact_id: str = "42") -> dict[str, Any]:
    """The web phone's ring event for call `session_id`, matched to `contact_id`."""
    message = our_ring(id=contact_id)
    message["call"]["partyData"]["sessionId"] = session_id
    return message


def test_a_ring_opens_exactly_the_contact_page(browser: ExtensionBrowser):
    crm = browser.open_crm()
    browser.wait_for_python()
    before = browser.tab_urls()
    crm.post_from_widget(ring("s-1"))
    browser.wait_for_tab(JANE_URL)
    opened = [url for url in browser.tab_urls() if url not in before]
    assert opened == [JANE_URL]


def test_a_second_ring_of_the_same_call_opens_nothing(browser: ExtensionBrowser):
    crm = browser.open_crm()
    browser.wait_for_python()
    crm.post_from_widget(ring("s-1"))
    crm.post_from_widget(ring("s-1"))
    active_call = widget_message("active_call_ringing_inbound", telephonySessionId="s-1")
    crm.post_from_widget(active_call)
    # A later call is handled after the repeats (dispatch is serialised in arrival
    # order), so once its tab is there the repeats have been decided.
    crm.post_from_widget(ring("s-2", contact_id="43"))
    browser.wait_for_tab("https://acme.pipedrive.com/person/43")
    urls = browser.tab_urls()
    assert urls.count(JANE_URL) == 1
    assert urls.count("https://acme.pipedrive.com/person/43") == 1


def test_a_ring_during_python_boot_pops_once_boot_ends(browser: ExtensionBrowser):
    crm = browser.open_crm()
    browser.wait_for_python()
    browser.close_offscreen()  # the next event must boot Python from cold
    crm.post_from_widget(ring("s-boot"))
    browser.wait_for_tab(JANE_URL)
    status = browser.offscreen_status()
    assert status["ready"] is True
    assert status["queuedDuringBoot"] >= 1, status
    assert browser.tab_urls().count(JANE_URL) == 1
