"""App Connect's ``urlIdentifier``: a ``*`` wildcard over the CRM page's URL.

App Connect finds the CRM of a tab by testing ``urlIdentifier`` (``*`` read as "any
characters") against the tab's whole URL, unanchored. Real identifiers show every
shape it accepts: ``*.pipedrive.com``, ``*app.clio.com``, ``*.app.netsuite.com/app*``,
and, in 2024–2025 manifests, a bare ``pipedrive.com`` that must match
``https://acme.pipedrive.com/...``.

Here the same identifiers mean the same pages, read a little more strictly so that
a CRM name in a query string of another site matches nothing:

* the part before the first ``/`` matches the page's **host**: a ``*`` matches any
  host characters, and an identifier that does not start with ``*`` also matches
  any subdomain (``pipedrive.com`` matches ``acme.pipedrive.com``, as App Connect's
  unanchored test does); ``*.x.com`` matches ``x.com`` too (Chrome's own reading);
* the part from the first ``/`` on (``/app*``) must begin the page's path, with ``*``
  matching anything (App Connect's test is a prefix test there as well).

`chrome_patterns` turns an identifier into Chrome match patterns that cover every
page it matches, as narrow as Chrome's pattern syntax allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from .errors import AdapterError

_HOST_PART = re.compile(r"[a-z0-9*](?:[a-z0-9.*-]*[a-z0-9])?")
_PATH_PART = re.compile(r"/[\x21-\x7e]*")
_SUBDOMAINS = r"(?:[a-z0-9-]+\.)*"


@dataclass(frozen=True)
class UrlIdentifier:
    """One parsed ``urlIdentifier``: what it matches, and its Chrome match patterns."""

    text: str
    host: str
    path: str
    host_regex: re.Pattern[str]
    path_regex: re.Pattern[str] | None
    patterns: tuple[str, ...]
    broader: bool
    """True when Chrome cannot say it exactly and the patterns cover more hosts."""

    def matches(self, hostname: str, page_url: str = "") -> bool:
        """Does a page at `hostname` (with `page_url`, when known) belong to this CRM?

        Without a URL (a caller that only knows the host) only the host part is tested.
        """
        if not self.host_regex.fullmatch(hostname):
            return False
        if self.path_regex is None or not page_url:
            return True
        try:
            parts = urlsplit(page_url)
        except ValueError:
            return False
        if (parts.hostname or "").lower().removesuffix(".") != hostname:
            return False
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return self.path_regex.match(path) is not None

    @property
    def domain(self) -> str:
        """The literal domain after the last ``*`` (``clio.com`` for ``*app.clio.com``)."""
        return _literal_domain(self.host)


@lru_cache(maxsize=512)
def parse_identifier(text: str) -> UrlIdentifier:
    """Parse `text` once (every event matches hosts); AdapterError when it cannot work."""
    if not isinstance(text, str) or not text.strip():
        raise AdapterError("urlIdentifier must be a non-empty string")
    raw = text.strip()
    if "://" in raw:
        raise AdapterError(f"urlIdentifier {text!r}: give the host without a scheme")
    slash = raw.find("/")
    host, path = (raw, "") if slash < 0 else (raw[:slash], raw[slash:])
    host = host.lower().removesuffix(".")
    if not _HOST_PART.fullmatch(host) or ".." in host or "**" in host:
        raise AdapterError(f"urlIdentifier {text!r}: {host!r} is not a host or host wildcard")
    if path and not _PATH_PART.fullmatch(path):
        raise AdapterError(f"urlIdentifier {text!r}: path {path!r} has spaces or control chars")
    domain = _literal_domain(host)
    if "." not in domain and domain != "localhost" and not domain.endswith(".localhost"):
        raise AdapterError(
            f"urlIdentifier {text!r} would match every host under {domain!r}: too broad"
        )
    host_regex = re.compile(_host_regex(host))
    path_regex = re.compile(".*".join(re.escape(p) for p in path.split("*"))) if path else None
    chrome_host, broader = _chrome_host(host)
    chrome_path = "/*" if not path or path == "/" else (path if path.endswith("*") else path + "*")
    local = domain == "localhost" or domain.endswith(".localhost")
    schemes = ("https", "http") if local else ("https",)
    patterns = tuple(f"{scheme}://{chrome_host}{chrome_path}" for scheme in schemes)
    return UrlIdentifier(text, host, path, host_regex, path_regex, patterns, broader)


def _host_regex(host: str) -> str:
    if host.startswith("*."):
        return _SUBDOMAINS + _escaped(host[2:])
    if host.startswith("*"):
        return _escaped(host)
    return _SUBDOMAINS + _escaped(host)  # bare: App Connect's unanchored test finds subdomains


def _escaped(host: str) -> str:
    return "[a-z0-9.-]*".join(re.escape(piece) for piece in host.split("*"))


def _literal_domain(host: str) -> str:
    """The ``*``-free labels at the end of `host` that every matching host ends with."""
    tail = host.rsplit("*", 1)[-1]
    if "*" not in host:
        return tail
    if tail.startswith("."):
        return tail[1:]
    # ``*app.clio.com``: the first label is glued to the wildcard (``myapp`` matches too).
    return tail.split(".", 1)[1] if "." in tail else ""


def _chrome_host(host: str) -> tuple[str, bool]:
    """Chrome's host for `host`: ``*.domain`` (domain and its subdomains), and whether
    that is broader than the identifier (a ``*`` glued to a label or inside the host)."""
    domain = _literal_domain(host)
    exact = host.startswith("*.") and "*" not in host[2:]
    bare = "*" not in host
    return f"*.{domain}", not (exact or bare)
