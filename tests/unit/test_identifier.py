"""urlIdentifier: every page an identifier matches is covered by its Chrome match patterns."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_callbacks import ErrorCode, dispatch
from crm_callbacks.adapters import AdapterError, Registry, build_registry
from crm_callbacks.adapters.identifier import parse_identifier
from tests.conftest import make_request, widget_message

IDENTIFIERS = [
    "*.pipedrive.com",
    "pipedrive.com",
    "*app.clio.com",
    "*.app.netsuite.com/app*",
    "*.docs.google.com/spreadsheets",
    "app.gohighlevel.com",
    "*.x.localhost",
    "crm*.acme.example/c/*/view",
]
labels = st.sampled_from(["acme", "eu", "app", "www", "1234567", "myapp", "clio", "x", "a-b"])
domains = st.sampled_from(
    ["pipedrive.com", "clio.com", "app.clio.com", "app.netsuite.com", "docs.google.com",
     "app.gohighlevel.com", "x.localhost", "acme.example", "evil.example"]
)  # fmt: skip
paths = st.lists(
    st.sampled_from(["app", "center", "spreadsheets", "c", "view", "d", "1", "?q=1", "*"]),
    max_size=4,
)


def chrome_matches(pattern: str, url: str) -> bool:
    """Chrome's match-pattern rule: scheme, ``*.domain`` or exact host, ``*`` in the path."""
    scheme, _, rest = pattern.partition("://")
    host, _, path = rest.partition("/")
    url_scheme, _, url_rest = url.partition("://")
    url_host, _, url_path = url_rest.partition("/")
    if scheme != url_scheme:
        return False
    if host.startswith("*."):
        if url_host != host[2:] and not url_host.endswith(host[1:]):
            return False
    elif url_host != host:
        return False
    regex = ".*".join(re.escape(piece) for piece in f"/{path}".split("*"))
    return re.fullmatch(regex, f"/{url_path}") is not None


@settings(max_examples=500, deadline=None)
@given(
    identifier=st.sampled_from(IDENTIFIERS),
    subdomains=st.lists(labels, max_size=3),
    domain=domains,
    path=paths,
)
def test_the_match_patterns_cover_every_page_the_identifier_matches(
    identifier, subdomains, domain, path
):
    host = ".".join([*subdomains, domain])
    url = f"https://{host}/" + "/".join(path)
    parsed = parse_identifier(identifier)
    if parsed.matches(host, url):
        assert any(chrome_matches(p, url) for p in parsed.patterns), (identifier, url)
    if not parsed.broader and any(chrome_matches(p, url) for p in parsed.patterns):
        # Exactly expressible identifiers: the patterns are no broader than the identifier.
        assert parsed.matches(host, url), (identifier, url)


@pytest.mark.parametrize(
    "identifier", ["*", "*.com", "com", "https://x.com", "a.*.com", "x y.com", "", "a..b.com"]
)
def test_identifiers_that_cannot_work_are_refused(identifier):
    with pytest.raises(AdapterError):
        parse_identifier(identifier)


def test_a_plugin_that_loads_but_does_not_validate_still_names_its_pages(monkeypatch):
    from crm_callbacks import Adapter
    from crm_callbacks.adapters import registry as registry_module

    class Point:
        name, value, dist = "half", "half_pkg:ADAPTER", None

        def load(self):
            return Adapter("half", "Half", "*.half.example", "https://evil.example/{contactId}")

    monkeypatch.setattr(registry_module, "entry_points", lambda group: [Point()])
    registry = build_registry(plugins=True)
    assert registry.origin("half") == "plug-in half_pkg"
    message = widget_message("webphone_ring")
    response = dispatch(make_request(message, hostname="acme.half.example"), registry=registry)
    assert response["actions"] == []
    assert [e["code"] for e in response["errors"]] == [ErrorCode.PLATFORM_UNAVAILABLE]
    assert isinstance(registry, Registry) and registry.get("pipedrive") is not None
