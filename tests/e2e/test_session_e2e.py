"""The fast path keeps Python's state in the offscreen document; an answer that changed
it carries what to persist (that change, or now and then the whole state), and the
worker keeps it before it performs the answer's actions: closing the document
right after an event, or stopping the service worker right after a pop, loses no pop
and doubles none (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import time

from tests.e2e.conftest import ExtensionBrowser, wait_until
from tests.e2e.test_callpop_e2e import ring


def person(contact_id: str) -> str:
    return f"https://acme.pipedrive.com/person/{contact_id}"


def persisted(browser: ExtensionBrowser) -> str:
    """The state as the worker keeps it (the last checkpoint and the changes since), as
    JSON text."""
    return json.dumps(browser.evaluate("() => chrome.storage.session.get(null)"))


def test_closing_the_document_after_an_event_and_stopping_the_worker_after_a_pop(
    browser: ExtensionBrowser,
):
    crm = browser.open_crm()
    browser.wait_for_python()
    for index in range(1, 5):
        session, contact = f"s-{index}", str(index)
        dispatched = browser.offscreen_status()["dispatched"]
        crm.post_from_widget(ring(session, contact_id=contact))
        # Right after Python answered (before or while the worker opens the tab).
        wait_until(
            lambda d=dispatched: browser.offscreen_status()["dispatched"] > d,
            timeout=30,
            what=f"the ring of {session} to be handled",
        )
        browser.close_offscreen()
        browser.wait_for_tab(person(contact))
        assert f"callpop:{session}" in persisted(browser)  # persisted, not only held
        browser.stop_service_worker()  # right after the pop
        crm.post_from_widget(ring(session, contact_id=contact))  # a repeat: loads the state
        wait_until(  # a new worker, the document closed above: its first event
            lambda: browser.offscreen_status()["dispatched"] >= 1,
            timeout=30,
            what=f"the repeated ring of {session} to be handled",
        )
        time.sleep(0.1)  # the next call rings later
    crm.post_from_widget(ring("s-last", contact_id="99"))
    browser.wait_for_tab(person("99"))  # every repeat before it was handled (FIFO)
    urls = browser.tab_urls()
    assert [urls.count(person(str(i))) for i in (1, 2, 3, 4, 99)] == [1] * 5


def test_a_fresh_document_resumes_from_the_persisted_state_once(browser: ExtensionBrowser):
    crm = browser.open_crm()
    browser.wait_for_python()
    crm.post_from_widget(ring("s-a", contact_id="1"))
    browser.wait_for_tab(person("1"))
    browser.close_offscreen()
    crm.post_from_widget(ring("s-a", contact_id="1"))  # the new document loads the state
    crm.post_from_widget(ring("s-b", contact_id="2"))
    browser.wait_for_tab(person("2"))
    status = browser.offscreen_status()
    assert status["persisted"] >= 2  # the resumed state (a checkpoint), then s-b's pop
    assert status["overPort"] >= 3  # the worker talks to the new document over its port
    urls = browser.tab_urls()
    assert urls.count(person("1")) == 1 and urls.count(person("2")) == 1
