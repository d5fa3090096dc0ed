"""The plug-in's own tests, as its author would write them with crm-callbacks' fixtures."""

import pytest
from crm_callbacks_example import ADAPTER


@pytest.fixture
def crm_adapter():
    return ADAPTER


def test_call_pop_opens_the_person(crm_phone):
    assert crm_phone.ring("+16505550100", contact="7").opened == [
        "https://acme.examplecrm.localhost/people/7"
    ]


def test_open_log_page_needs_the_calls_contact(crm_phone):
    crm_phone.ring("+16505550100", contact="7")
    assert crm_phone.view_log("9001").opened == [
        "https://acme.examplecrm.localhost/people/7/calls/9001"
    ]


def test_deauthorize_removes_the_plugins_token(crm_phone):
    crm_phone.connect_crm(crm_extension_examplecrm_token="t")
    assert crm_phone.logout().removed == ["crm_extension_examplecrm_token", "rcUnifiedCrmExtJwt"]
