"""The URL guard and template filling that keep hostile values inside their segment."""

from __future__ import annotations

import pytest

from crm_callbacks.errors import CallbackError, ErrorCode
from crm_callbacks.urls import check_open_url, fill, normalize_hostname, normalize_origin

ALLOWED = {"acme.pipedrive.com"}


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.pipedrive.com/person/42",
        "https://acme.pipedrive.com:8443/person/42?x=1#y",
    ],
)
def test_safe_urls_pass(url):
    assert check_open_url(url, ALLOWED) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://acme.pipedrive.com/person/42",
        "javascript:alert(1)",
        "data:text/html,hi",
        "https://evil.com/",
        "https://acme.pipedrive.com@evil.com/",
        "https://user@acme.pipedrive.com/",
        "https://acme.pipedrive.com\\@evil.com/",
        "https://acme.pipedrive.com/\r\nx",
        "https://acme.pipedrive.com/ x",
        "//acme.pipedrive.com/",
        "https://acme.pipedrive.com:99999/",
        "https://acme.pipedrive.com.evil.com/",
        "https://\u0430cme.pipedrive.com/",  # Cyrillic a look-alike
        "",
    ],
)
def test_unsafe_urls_are_refused(url):
    with pytest.raises(CallbackError) as caught:
        check_open_url(url, ALLOWED)
    assert caught.value.code is ErrorCode.UNSAFE_URL


@pytest.mark.parametrize("host", ["localhost", "crm.testcrm.localhost", "127.0.0.1"])
def test_http_is_allowed_only_on_loopback(host):
    assert check_open_url(f"http://{host}/x", {host})


@pytest.mark.parametrize(
    "host",
    ["", "a b", "evil.com/x", "a..b", "-a.com", "x" * 254, "ex\u202eample.com", "münchen.de"],
)
def test_bad_host_names_are_refused(host):
    with pytest.raises(CallbackError) as caught:
        normalize_hostname(host)
    assert caught.value.code is ErrorCode.BAD_HOSTNAME


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        ("https://cls5.bullhornstaffing.com", "https://cls5.bullhornstaffing.com"),
        ("https://cls5.bullhornstaffing.com/", "https://cls5.bullhornstaffing.com"),
        ("https://CLS5.bullhornstaffing.com:8443", "https://cls5.bullhornstaffing.com:8443"),
    ],
)
def test_stored_origins_are_normalised(value, origin):
    assert normalize_origin(value, source="atsUrl") == origin


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "http://cls5.bullhornstaffing.com",
        "https://a.com/path",
        "https://u@a.com",
        "javascript:alert(1)",
        "https://a.com:0",
        5,
    ],
)
def test_stored_values_that_are_not_https_origins_are_refused(value):
    with pytest.raises(CallbackError) as caught:
        normalize_origin(value, source="atsUrl")
    assert caught.value.code is ErrorCode.MISSING_STORAGE


def test_fill_needs_every_placeholder():
    with pytest.raises(CallbackError) as caught:
        fill("https://{hostname}/{contactId}", {"hostname": "a.com"})
    assert caught.value.code is ErrorCode.BAD_CONTACT


def test_fill_uses_origins_for_url_placeholders():
    url = fill("{atsUrl}/x?id={contactId}", {"atsUrl": "https://a.com/", "contactId": "1 2"})
    assert url == "https://a.com/x?id=1%202"
