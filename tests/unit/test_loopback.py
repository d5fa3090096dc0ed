"""Issue 13: the loopback and serverUrl checks decide by text alone, the same in CPython
and Pyodide (`node scripts/pyodide_tests.mjs` runs this file there too)."""

from __future__ import annotations

import pytest

from crm_callbacks import ErrorCode
from crm_callbacks.errors import CallbackError
from crm_callbacks.settings import read_setting
from crm_callbacks.urls import check_open_url, check_setting_url, is_loopback

LOOPBACK = [
    "localhost",
    "LOCALHOST",
    "demo.testcrm.localhost",
    "127.0.0.1",
    "127.255.255.254",
    "127.1.2.3",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
]
NOT_LOOPBACK = [
    "::ffff:127.0.0.1",  # IPv4-mapped: 3.13's ipaddress says loopback, 3.12's does not
    "[::ffff:127.0.0.1]",
    "::ffff:7f00:1",
    "::127.0.0.1",
    "127.1",
    "0177.0.0.1",
    "127.0.0.01",
    "0x7f.0.0.1",
    "2130706433",
    "127.0.0.256",
    "128.0.0.1",
    "0.0.0.0",
    "127.evil.com",
    "127.0.0.1.nip.io",
    "localhost.evil.com",
    "evil-localhost",
    "localhost.",
    "a..localhost",
    "[::2]",
    "",
]


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_hosts_that_are_not_loopback(host):
    assert not is_loopback(host)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:127.0.0.1]:6066",
        "http://127.1:6066",
        "http://127.0.0.1.nip.io:6066",
        "http://127.evil.com",
        "http://[::1",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:6066\x7f",
    ],
)
def test_server_urls_that_are_refused_everywhere(url):
    with pytest.raises(CallbackError) as refused:
        check_setting_url(url, setting="serverUrl")
    assert refused.value.code == ErrorCode.BAD_SETTING
    with pytest.raises(CallbackError) as refused:
        read_setting({"serverUrl": url}, "serverUrl")
    assert refused.value.field == "serverUrl"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:6066", "http://[::1]:6066", "http://localhost:6066", "https://crm.example"],
)
def test_server_urls_that_are_accepted_everywhere(url):
    assert check_setting_url(url, setting="serverUrl") == url


def test_open_url_http_only_on_textual_loopback():
    check_open_url("http://127.0.0.1:6066/contacts/1", {"127.0.0.1"})
    with pytest.raises(CallbackError):
        check_open_url("http://[::ffff:127.0.0.1]/x", {"::ffff:127.0.0.1"})
