"""Safe URL building: templates whose values can change a path segment, never the host.

Adapters declare templates such as ``https://{hostname}/person/{contactId}``. The
placeholders fall into three kinds:

* ``{hostname}`` — the CRM page's host, validated as a DNS name, inserted as is;
* names ending in ``Url`` (e.g. ``{atsUrl}``) — an origin read from the adapter's
  declared storage, validated as ``https://host[:port]`` with nothing after it;
* everything else — percent-encoded with no safe characters, so ``/``, ``?``, ``#``,
  ``@``, ``:``, CR/LF and the like become inert data.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import quote, urlsplit

from .errors import CallbackError, ErrorCode

MAX_HOSTNAME_LENGTH = 253
MAX_VALUE_LENGTH = 1024
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_DOT_SEGMENTS = {".", ".."}
_ORIGIN_RE = re.compile(r"(https)://([^/?#@\\\s]+?)(?::(\d{1,5}))?/?")
_FORMATTER = string.Formatter()
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def normalize_hostname(value: object) -> str:
    """Return `value` as a lower-case DNS host name, or raise BAD_HOSTNAME."""
    if not isinstance(value, str):
        raise CallbackError(ErrorCode.BAD_HOSTNAME, "context.page.hostname must be a string")
    return _normal_host(value)


@lru_cache(maxsize=256)  # every event checks the page's host: the same few hosts
def _normal_host(value: str) -> str:
    host = value.strip().lower().removesuffix(".")
    if not (0 < len(host) <= MAX_HOSTNAME_LENGTH) or not _HOSTNAME_RE.fullmatch(host):
        raise CallbackError(ErrorCode.BAD_HOSTNAME, f"{_preview(value)!r} is not a valid host name")
    return host


def normalize_origin(value: object, *, source: str) -> str:
    """Return `value` as ``https://host[:port]``, or raise MISSING_STORAGE.

    Used for CRM instance URLs read from storage (Bullhorn's ``atsUrl``): only the
    origin is kept, so a stored value can choose a host but never smuggle a path.
    """
    if not isinstance(value, str) or not value:
        raise CallbackError(ErrorCode.MISSING_STORAGE, f"{source} is not set")
    match = _ORIGIN_RE.fullmatch(value.strip())
    if not match:
        raise CallbackError(
            ErrorCode.MISSING_STORAGE, f"{source} is not an https origin: {_preview(value)!r}"
        )
    host = normalize_hostname(match.group(2))
    port = match.group(3)
    if port is not None and not 0 < int(port) < 65536:
        raise CallbackError(ErrorCode.MISSING_STORAGE, f"{source} has an invalid port")
    return f"https://{host}:{port}" if port else f"https://{host}"


def encode_segment(name: str, value: object) -> str:
    """Percent-encode one template value so it stays inside its path/query segment."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CallbackError(ErrorCode.BAD_CONTACT, f"{name} must be a string or an integer")
    text = str(value)
    if not text or text in _DOT_SEGMENTS or len(text) > MAX_VALUE_LENGTH:
        raise CallbackError(
            ErrorCode.BAD_CONTACT,
            f"{name} {_preview(text)!r} is empty, a dot segment or over {MAX_VALUE_LENGTH} chars",
        )
    try:
        return quote(text, safe="")
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form
        raise CallbackError(
            ErrorCode.BAD_CONTACT, f"{name} is not valid Unicode (a lone surrogate)"
        ) from None


@lru_cache(maxsize=256)  # the adapters' few templates, parsed on every URL otherwise
def placeholders(template: str) -> frozenset[str]:
    """Names used in `template` (``{name}`` fields)."""
    return frozenset(field for _, field, _, _ in _FORMATTER.parse(template) if field)


def fill(template: str, values: Mapping[str, object]) -> str:
    """Fill `template`, validating or percent-encoding each value by its kind."""
    filled: dict[str, str] = {}
    for name in placeholders(template):
        if name not in values or values[name] is None:
            raise CallbackError(ErrorCode.BAD_CONTACT, f"no value for {{{name}}} in {template}")
        value = values[name]
        if name == "hostname":
            filled[name] = normalize_hostname(value)
        elif name.endswith("Url"):
            filled[name] = normalize_origin(value, source=name)
        else:
            filled[name] = encode_segment(name, value)
    return template.format_map(filled)


_IPV4_LOOPBACK = re.compile(r"127(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}")
_IPV6_LOOPBACK = {"::1", "0:0:0:0:0:0:0:1"}


def is_loopback(host: str) -> bool:
    """True for exactly ``localhost``, ``*.localhost``, 127.0.0.0/8 and ``::1``.

    Decided by text alone, not by `ipaddress`, whose answers differ between Python
    versions (3.13 calls the IPv4-mapped ``::ffff:127.0.0.1`` loopback, 3.12 does
    not), so CPython and Pyodide agree. IPv4 must be four canonical decimal parts
    (no ``127.1``, no leading zeros, no octal or hex); IPv4-mapped or -compatible
    IPv6 and every other spelling are refused. A trailing dot is not loopback.
    """
    if not isinstance(host, str):
        return False
    host = host.lower()
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1] in _IPV6_LOOPBACK
    if host in _IPV6_LOOPBACK:
        return True
    if host == "localhost" or (host.endswith(".localhost") and _is_dns_name(host)):
        return True
    return _IPV4_LOOPBACK.fullmatch(host) is not None


def _is_dns_name(host: str) -> bool:
    return 0 < len(host) <= MAX_HOSTNAME_LENGTH and _HOSTNAME_RE.fullmatch(host) is not None


def check_open_url(url: str, allowed_hosts: Iterable[str]) -> str:
    """Return `url` if it is safe to open, else raise UNSAFE_URL.

    Safe: scheme https (http only for loopback hosts), no userinfo, no control or
    white-space characters, and a host in `allowed_hosts`.
    """
    if _CONTROL_OR_SPACE.search(url):
        raise CallbackError(ErrorCode.UNSAFE_URL, "URL contains control or space characters")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise CallbackError(ErrorCode.UNSAFE_URL, f"malformed URL: {exc}") from None
    scheme_ok = parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))
    if not scheme_ok:
        raise CallbackError(ErrorCode.UNSAFE_URL, f"scheme {parts.scheme!r} is not allowed")
    if "@" in parts.netloc or "\\" in url:
        raise CallbackError(ErrorCode.UNSAFE_URL, "URL carries userinfo or a backslash")
    if host not in set(allowed_hosts):
        raise CallbackError(ErrorCode.UNSAFE_URL, f"host {host!r} is not allowed")
    return url


def _preview(value: object, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def check_setting_url(url: object, *, setting: str) -> str:
    """An absolute https URL (http only on loopback, for local servers), else BAD_SETTING."""
    if not isinstance(url, str) or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise CallbackError(ErrorCode.BAD_SETTING, f"{setting} must be a URL without spaces")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise CallbackError(ErrorCode.BAD_SETTING, f"{setting} is not a URL: {exc}") from None
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(host)):
        raise CallbackError(ErrorCode.BAD_SETTING, f"{setting} must be an https URL, got {url!r}")
    if not host or "@" in parts.netloc:
        raise CallbackError(ErrorCode.BAD_SETTING, f"{setting} needs a host and no user info")
    return url
