"""Issue 13 end to end: a widget message nested past the JSON limit loses nothing.

Through the real path (widget iframe → content script → worker → offscreen Pyodide and
back): the worker must keep its stored state, so the call that popped before does not
pop again, and the widget's request still gets its reply.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import widget_message
from tests.e2e.conftest import ExtensionBrowser
from tests.e2e.test_callpop_e2e import JANE_URL, ring

SAM_URL = "https://acme.pipedrive.com/person/43"


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def test_a_message_nested_too_deep_keeps_the_state_and_still_gets_its_reply(
    browser: ExtensionBrowser,
):
    crm = browser.open_crm()
    browser.wait_for_python()
    crm.post_from_widget(ring("s-1"))
    browser.wait_for_tab(JANE_URL)

    request = widget_message("request_contact_match")
    request["requestId"] = "deep-request-1"
    request["body"]["extra"] = nested(100)
    crm.post_from_widget(request)
    reply = crm.wait_for_received(
        lambda m: m.get("responseId") == "deep-request-1", "the reply to the deep request"
    )
    assert reply["response"]["data"] == {}

    crm.post_from_widget(ring("s-1"))  # a repeat of the call that already popped
    crm.post_from_widget(ring("s-2", contact_id="43"))
    browser.wait_for_tab(SAM_URL)  # handled in order: the repeat has been decided
    assert browser.tab_urls().count(JANE_URL) == 1
