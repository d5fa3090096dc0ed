"""Open log page, deauthorize, prompt-to-select and Bullhorn's popup, end to end."""

from __future__ import annotations

from typing import Any

from tests.conftest import WIDGET_MESSAGES, our_ring, widget_message
from tests.e2e.conftest import ExtensionBrowser, wait_until

TESTCRM_HOST = "acme.testcrm.localhost"
BULLHORN_HOST = "app.bullhornstaffing.com"
ATS = {"crm_extension_bullhorn_user_urls": {"atsUrl": "https://cls5.bullhornstaffing.com"}}


def response_to(request_id: str) -> Any:
    return lambda m: m.get("type") == "rc-post-message-response" and m["responseId"] == request_id


def view_log(log_id: str | None = None) -> dict[str, Any]:
    """ "View log details" as the widget sends it: the log id we replied, no chosen contact."""
    message = widget_message("request_view_log")
    del message["body"]["contact"]
    message["body"]["call"]["activityMatches"] = [{"id": log_id, "note": ""}] if log_id else []
    return message


def test_view_log_opens_the_log_page_where_the_crm_can(browser: ExtensionBrowser):
    crm = browser.open_crm(host=TESTCRM_HOST)
    crm.post_from_widget(view_log("9001"))
    browser.wait_for_tab(f"https://{TESTCRM_HOST}/logs/9001")
    crm.wait_for_received(response_to("6f1c2a90-0003"), "the widget's reply")


def test_view_log_opens_the_contact_page_where_the_crm_cannot(browser: ExtensionBrowser):
    crm = browser.open_crm()
    crm.post_from_widget(our_ring())  # the call's contact becomes known
    browser.wait_for_tab("https://acme.pipedrive.com/person/42")
    before = browser.tab_urls()
    crm.post_from_widget(view_log("9001"))
    reply = crm.wait_for_received(response_to("6f1c2a90-0003"), "the widget's reply")
    assert reply["response"] == {"data": "ok"}
    wait_until(
        lambda: browser.tab_urls().count("https://acme.pipedrive.com/person/42") == 2,
        timeout=10,
        what="the contact page a second time",
    )
    assert not any("/activities/" in url for url in browser.tab_urls())
    assert len(browser.tab_urls()) == len(before) + 1


def test_logout_removes_the_crm_keys_keeps_the_others_and_tells_the_widget(
    browser: ExtensionBrowser,
):
    browser.set_storage(
        {
            **ATS,
            "rcUnifiedCrmExtJwt": "jwt-1",
            "crm_extension_bullhornUsername": "jane",
            "unrelatedKey": "stays",
        }
    )
    crm = browser.open_crm(host=BULLHORN_HOST)
    crm.post_from_widget(widget_message("request_authorize_toggle"))
    crm.wait_for_received(response_to("6f1c2a90-0004"), "the widget's reply")
    status = crm.wait_for_received(
        lambda m: m.get("type") == "rc-adapter-update-authorization-status", "the auth status"
    )
    assert status == WIDGET_MESSAGES["parent_to_widget"]["authorization_status"]
    stored = browser.storage()
    for key in (
        "rcUnifiedCrmExtJwt",
        "crm_extension_bullhornUsername",
        "crm_extension_bullhorn_user_urls",
    ):
        assert key not in stored
    assert stored["unrelatedKey"] == "stays"


def test_login_registers_the_service_with_its_authorization_state(browser: ExtensionBrowser):
    browser.set_storage({"rcUnifiedCrmExtJwt": "jwt-1"})
    crm = browser.open_crm()
    crm.post_from_widget(WIDGET_MESSAGES["widget_to_parent"]["login_status"])
    registration = crm.wait_for_received(
        lambda m: m.get("type") == "rc-adapter-register-third-party-service", "the registration"
    )
    assert registration["service"]["name"] == "Pipedrive"
    assert registration["service"]["authorized"] is True


def two_matches_ring(service: str = "Pipedrive") -> dict[str, Any]:
    message = widget_message("webphone_ring")
    message["call"]["contactMatch"] = [
        {"id": "1", "name": "Ann", "type": service, "entityType": "Candidate"},
        {"id": "2", "name": "Bob", "type": service, "entityType": "Contact"},
    ]
    return message


def choose(crm: Any, index: str) -> None:
    crm.post_from_widget(
        {
            "type": "rc-post-message-request",
            "requestId": "pick-1",
            "path": "/crm-callbacks/button-click",
            "body": {"button": {"id": "crmCallbacksChooseContact", "formData": {"contact": index}}},
        }
    )


def test_prompt_to_select_opens_the_contact_the_user_picks(browser: ExtensionBrowser):
    browser.set_storage(
        {
            "crmCallbacksSettings": {
                **browser.storage()["crmCallbacksSettings"],
                "multiContactMatchBehavior": "promptToSelect",
            }
        }
    )
    crm = browser.open_crm()
    crm.post_from_widget(two_matches_ring())
    page = crm.wait_for_received(
        lambda m: m.get("type") == "rc-adapter-register-customized-page", "the chooser page"
    )
    titles = [o["title"] for o in page["page"]["schema"]["properties"]["contact"]["oneOf"]]
    assert titles == ["Ann (Candidate, #1)", "Bob (Contact, #2)"]
    assert not any("/person/" in url for url in browser.tab_urls())
    choose(crm, "1")
    browser.wait_for_tab("https://acme.pipedrive.com/person/2")
    crm.wait_for_received(response_to("pick-1"), "the reply to the pick")
    assert not any(url.endswith("/person/1") for url in browser.tab_urls())


def test_bullhorn_prompts_then_opens_the_pick_in_a_background_popup(browser: ExtensionBrowser):
    browser.set_storage(ATS)
    crm = browser.open_crm(host=BULLHORN_HOST)
    crm.post_from_widget(two_matches_ring("Bullhorn"))
    crm.wait_for_received(
        lambda m: m.get("type") == "rc-adapter-register-customized-page", "the chooser page"
    )
    choose(crm, "0")
    expected = (
        "https://cls5.bullhornstaffing.com/BullhornStaffing/OpenWindow.cfm"
        "?Entity=Candidate&id=1&view=Overview"
    )
    browser.wait_for_tab(expected)
    assert browser.popup_urls() == [expected]
