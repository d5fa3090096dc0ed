"""Faults and untrusted senders, end to end: nothing wrong opens, nothing is lost."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import widget_message
from tests.e2e.conftest import DIST, OTHER_HOST, WIDGET_HOST, ExtensionBrowser, wait_until
from tests.e2e.test_callpop_e2e import JANE_URL, ring


def person(contact_id: str) -> str:
    return f"https://acme.pipedrive.com/person/{contact_id}"


# ------------------------------------------------------------------ untrusted senders


def test_messages_not_from_the_widget_iframe_never_reach_python(browser: ExtensionBrowser):
    crm = browser.open_crm()
    dispatched = browser.wait_for_python()["dispatched"]
    port = browser.port
    forged = ring("s-forged", contact_id="666")
    crm.post_from_page(forged)  # the CRM page itself, mimicking the widget's message types
    crm.post_from_page({"type": "rc-post-message-request", "requestId": "x", "path": "/authorize"})
    crm.page.evaluate(  # another iframe of the page (same origin)
        """message => {
            const frame = document.createElement('iframe');
            document.body.appendChild(frame);
            frame.contentWindow.eval(`parent.postMessage(${JSON.stringify(message)}, '*')`);
        }""",
        forged,
    )
    for host in (OTHER_HOST, WIDGET_HOST):  # another origin; the widget's origin, not our frame
        frame = crm.page.evaluate_handle(
            """url => new Promise(resolve => {
                const frame = document.createElement('iframe');
                frame.onload = () => resolve(frame);
                frame.src = url;
                document.body.appendChild(frame);
            })""",
            f"https://{host}:{port}/widget.html",
        )
        frame.as_element().content_frame().evaluate("m => window.widget.post(m)", forged)
    crm.post_from_widget(ring("s-real"))
    browser.wait_for_tab(JANE_URL)
    assert not any("/person/666" in url for url in browser.tab_urls())
    assert browser.offscreen_status()["dispatched"] == dispatched + 1  # only the real ring


# -------------------------------------------------------------------------- faults


def test_closing_the_offscreen_document_mid_stream_loses_nothing(browser: ExtensionBrowser):
    crm = browser.open_crm()
    browser.wait_for_python()
    for index in range(1, 7):
        crm.post_from_widget(ring(f"s-{index}", contact_id=str(index)))
        if index % 2 == 0:
            browser.close_offscreen()
    for index in range(1, 7):
        browser.wait_for_tab(person(str(index)))
    crm.post_from_widget(ring("s-1", contact_id="1"))  # state survived the restarts
    crm.post_from_widget(ring("s-7", contact_id="7"))
    browser.wait_for_tab(person("7"))
    urls = browser.tab_urls()
    assert [urls.count(person(str(i))) for i in range(1, 8)] == [1] * 7


def test_a_service_worker_stopped_between_ring_and_answer_pops_once_on_answer(
    browser: ExtensionBrowser,
):
    browser.set_settings(openContactPageFromIncomingCall="onAnswer")
    crm = browser.open_crm()
    browser.wait_for_python()
    crm.post_from_widget(ring("s-sw"))  # carries the contact match, pops nothing yet
    wait_until(
        lambda: browser.offscreen_status()["dispatched"] >= 1,
        timeout=10,
        what="the ring to be handled",
    )
    assert JANE_URL not in browser.tab_urls()
    first_worker = browser.worker_started_at()
    browser.stop_service_worker()
    answered = widget_message("webphone_answered")
    answered["call"]["partyData"]["sessionId"] = "s-sw"
    crm.post_from_widget(answered)  # starts a new worker, with no memory but storage
    browser.wait_for_tab(JANE_URL)
    assert browser.worker_started_at() > first_worker
    crm.post_from_widget(answered)  # a repeat of the answer: nothing more
    crm.post_from_widget(ring("s-after", contact_id="43"))
    answered["call"]["partyData"]["sessionId"] = "s-after"
    crm.post_from_widget(answered)
    browser.wait_for_tab(person("43"))
    assert browser.tab_urls().count(JANE_URL) == 1


def break_python(dist: Path) -> None:
    """Corrupt the wheel and the snapshot: Python cannot start from either."""
    for path in [*dist.glob("pyodide/crm_callbacks-*.whl"), *dist.glob("pyodide/snapshot*")]:
        path.write_bytes(b"not a wheel" * 100)


@pytest.mark.parametrize("dist", [break_python], indirect=True)
def test_a_failed_boot_is_shown_and_a_later_good_boot_handles_what_was_kept(
    browser: ExtensionBrowser, dist: Path
):
    crm = browser.open_crm(python_up=False)
    started = time.monotonic()
    crm.post_from_widget(ring("s-kept"))
    notice = wait_until(crm.notices, timeout=30, what="a notice that Python did not start")
    assert "could not start Python" in notice[0]
    assert (
        time.monotonic() - started
        < json.loads((dist / "config.json").read_text())["bootTimeoutMs"] / 1000 + 5
    )
    assert browser.badge() == "!"
    assert JANE_URL not in browser.tab_urls()
    for path in [*DIST.glob("pyodide/crm_callbacks-*.whl"), *DIST.glob("pyodide/snapshot*")]:
        shutil.copy2(path, dist / "pyodide" / path.name)  # the fault goes away
    browser.wait_for_tab(JANE_URL, timeout=60)  # the kept ring, after a retry
    crm.post_from_widget(ring("s-next", contact_id="43"))
    browser.wait_for_tab(person("43"))
    assert browser.badge() == ""
    assert browser.tab_urls().count(JANE_URL) == 1


@pytest.fixture
def silent_server() -> Iterator[str]:
    """An App Connect server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_a_hanging_server_never_holds_the_widget_reply_past_its_timeout(
    browser: ExtensionBrowser, silent_server: str
):
    browser.set_settings(serverUrl=silent_server)
    browser.set_storage({"rcUnifiedCrmExtJwt": "jwt-1"})
    crm = browser.open_crm(host="acme.testcrm.localhost")
    browser.wait_for_python()
    request = widget_message("request_contact_match")
    request["body"]["phoneNumbers"] = ["+16505550999"]
    started = time.monotonic()
    crm.post_from_widget(request)
    reply = crm.wait_for_received(
        lambda m: m.get("responseId") == request["requestId"], "the contact-match reply"
    )
    waited = time.monotonic() - started
    assert reply["response"] == {"data": {}}
    assert waited < 30, f"the widget waits 30 s for contact matches; the reply took {waited:.1f} s"


# ---------------------------------------------------------------------------- load


def test_a_burst_of_flapping_calls_pops_each_call_exactly_once(browser: ExtensionBrowser):
    calls, rounds = 30, 5  # 300 events; scripts/load.py runs 1,000 x 10 and measures
    crm = browser.open_crm()
    before = browser.wait_for_python()["dispatched"]
    crm.widget.evaluate(
        """([calls, rounds]) => {
            for (let round = 0; round < rounds; round++) {
                for (let call = 0; call < calls; call++) {
                    const status = round % 2 ? "NoCall" : "Ringing";
                    const number = `+1650555${String(call).padStart(4, "0")}`;
                    window.widget.post({type: "rc-active-call-notify", call: {
                        sessionId: `p-${call}`, telephonySessionId: `burst-${call}`,
                        direction: "Inbound", telephonyStatus: status,
                        from: {phoneNumber: number}, to: {phoneNumber: "+16505550199"}}});
                    if (round === 0) window.widget.post({type: "rc-call-ring-notify", call: {
                        id: `wp-${call}`, direction: "Inbound", from: number,
                        to: "+16505550199", partyData: {sessionId: `burst-${call}`},
                        contactMatch: {id: `c${call}`, name: `Caller ${call}`,
                                       type: "Pipedrive"}}});
                }
            }
        }""",
        [calls, rounds],
    )
    total = calls * rounds + calls
    wait_until(
        lambda: browser.offscreen_status()["dispatched"] >= before + total,
        timeout=60,
        what=f"{total} events to be handled",
    )
    for call in range(calls):
        browser.wait_for_tab(person(f"c{call}"))
    urls = browser.tab_urls()
    assert [urls.count(person(f"c{call}")) for call in range(calls)] == [1] * calls
