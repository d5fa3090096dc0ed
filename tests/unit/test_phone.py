"""Python's side of the one phone: the CRM in use, the in-page setting, open hosts."""

from __future__ import annotations

import pytest

from crm_callbacks import build_info, dispatch
from crm_callbacks.errors import ErrorCode
from crm_callbacks.names import IN_PAGE_SETTING, MESSAGE_TYPES, STORAGE_KEYS
from crm_callbacks.settings import read_setting
from tests.conftest import make_request, our_ring, widget_message

FOCUSED = {"type": MESSAGE_TYPES["CRM_FOCUSED"]}


@pytest.mark.parametrize(
    ("hostname", "platform"),
    [("acme.pipedrive.com", "pipedrive"), ("app.bullhornstaffing.com", "bullhorn")],
)
def test_a_focused_crm_page_becomes_the_crm_in_use(hostname, platform):
    response = dispatch(make_request(FOCUSED, hostname=hostname))
    assert response["errors"] == []
    [action] = response["actions"]
    assert action["type"] == "setStorage"
    crm = action["items"][STORAGE_KEYS["CRM_IN_USE"]]
    assert (crm["platform"], crm["hostname"]) == (platform, hostname)


@pytest.mark.parametrize("hostname", ["evil.com", "acme.pipedrive.com.evil.com", ""])
def test_a_page_no_adapter_claims_leaves_the_crm_in_use(hostname):
    state = dispatch(make_request(widget_message("webphone_ring")))["state"]
    response = dispatch(make_request(FOCUSED, hostname=hostname, state=state))
    assert response["actions"] == []
    assert response["state"] == state  # what the calls remember is kept
    assert [e["code"] for e in response["errors"]] in (
        [ErrorCode.UNKNOWN_PLATFORM],
        [ErrorCode.BAD_HOSTNAME],
    )


def test_the_phone_pops_on_the_crm_in_use_by_platform():
    """The worker passes the CRM in use as context.platform with its hostname."""
    request = make_request(our_ring("acme.pipedrive.com"), hostname="acme.pipedrive.com")
    request["context"]["platform"] = "pipedrive"
    [action] = dispatch(request)["actions"]
    assert action["url"].startswith("https://acme.pipedrive.com/person/")


def test_the_in_page_phone_is_an_option_off_by_default():
    fields = [f for g in build_info()["settingsSchema"]["groups"] for f in g["fields"]]
    [field] = [f for f in fields if f["key"] == IN_PAGE_SETTING]
    assert field["type"] == "boolean"
    assert field["label"] == "Show the phone inside CRM pages"
    assert read_setting({}, IN_PAGE_SETTING) is False


@pytest.mark.parametrize(
    "ats_url",
    ["https://evil.com", "https://bullhornstaffing.com.evil.com", "https://xbullhornstaffing.com"],
)
def test_a_stored_bullhorn_ats_origin_off_bullhorn_opens_nothing(ats_url):
    storage = {"crm_extension_bullhorn_user_urls": {"atsUrl": ats_url}}
    message = our_ring("app.bullhornstaffing.com", entityType="Candidate")
    response = dispatch(make_request(message, hostname="app.bullhornstaffing.com", storage=storage))
    assert response["actions"] == []
    assert [e["code"] for e in response["errors"]] == [ErrorCode.UNSAFE_URL]


def test_the_worker_gets_the_hosts_the_adapters_may_open():
    hosts = build_info()["openHostPatterns"]
    assert "*.pipedrive.com" in hosts
    assert "*.bullhornstaffing.com" in hosts  # Bullhorn's ATS clusters
    assert not any("/" in host or "://" in host for host in hosts)
