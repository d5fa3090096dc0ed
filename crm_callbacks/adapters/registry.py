"""Which adapters exist: the built-ins plus the ``crm_callbacks.adapters`` entry points.

The registry also remembers where each adapter came from (`origin`) and what was left
out and why (`skipped`): one CRM that cannot work never takes the others down, and a
page of a left-out CRM gets PLATFORM_UNAVAILABLE instead of a silent nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import CallbackError, ErrorCode
from .base import Adapter
from .errors import AdapterError
from .identifier import parse_identifier

ENTRY_POINT_GROUP = "crm_callbacks.adapters"
BUILT_IN = "built-in"


@dataclass(frozen=True)
class Skipped:
    """A CRM left out: its `name`, `origin` (as `Registry.origin`) and the `reason`."""

    name: str
    origin: str
    reason: str
    url_identifier: str | None = None


@dataclass(frozen=True)
class ManifestReport:
    """What loading one App Connect manifest did: platforms used and fields ignored."""

    path: str
    loaded: tuple[str, ...]
    ignored: dict[str, tuple[str, ...]]
    """Platform name (``""`` for the top level) → fields of the manifest not used."""


class Registry:
    """Adapters by name (case-insensitive) and by page; validated on registration."""

    def __init__(self, adapters: Iterable[Adapter] = (), *, origin: str = BUILT_IN) -> None:
        self._by_name: dict[str, Adapter] = {}
        self._origins: dict[str, str] = {}
        self.skipped: list[Skipped] = []
        """What was left out, in order: entries with ``name``, ``origin``, ``reason``."""
        self.manifests: list[ManifestReport] = []
        self._by_page: dict[tuple[str, str], Adapter | None] = {}  # for_page's answers
        for adapter in adapters:
            self.register(adapter, origin=origin)

    def register(self, adapter: Adapter, *, replace: bool = False, origin: str = BUILT_IN) -> None:
        """Add `adapter`; AdapterError if it is invalid or its name is taken."""
        if not isinstance(adapter, Adapter):
            raise AdapterError(f"{adapter!r} is not a crm_callbacks Adapter")
        adapter.validate()
        key = adapter.name.lower()
        if key in self._by_name and not replace:
            raise AdapterError(f"an adapter named {adapter.name!r} is already registered")
        self._by_name[key] = adapter
        self._origins[key] = origin
        self.skipped = [s for s in self.skipped if s.name.lower() != key]
        self._by_page.clear()

    def skip(self, name: str, origin: str, reason: str, url_identifier: str | None = None) -> None:
        """Leave `name` out (removing any adapter of that name) and remember why."""
        self._by_name.pop(name.lower(), None)
        self._origins.pop(name.lower(), None)
        self.skipped.append(Skipped(name, origin, reason, url_identifier))
        self._by_page.clear()

    def get(self, name: str) -> Adapter | None:
        return self._by_name.get(name.lower())

    def origin(self, name: str) -> str:
        """Where `name` came from: ``built-in``, ``plug-in <distribution>`` or
        ``manifest <path>`` (for a left-out CRM, where it would have come from)."""
        found = self._origins.get(name.lower())
        if found is not None:
            return found
        for skipped in reversed(self.skipped):
            if skipped.name.lower() == name.lower():
                return skipped.origin
        raise KeyError(name)

    def for_page(self, hostname: str, page_url: str = "") -> Adapter | None:
        """The adapter whose urlIdentifier matches the page, the most specific first."""
        key = (hostname, page_url)
        if key in self._by_page:  # every event asks: answers are kept until a change
            return self._by_page[key]
        matching = [a for a in self._by_name.values() if a.matches_page(hostname, page_url)]
        found = max(matching, key=lambda a: len(a.url_identifier), default=None)
        if len(self._by_page) >= 256:
            self._by_page.clear()
        self._by_page[key] = found
        return found

    def for_hostname(self, hostname: str) -> Adapter | None:
        """`for_page` for callers that only know the host."""
        return self.for_page(hostname)

    def resolve(self, platform: str | None, hostname: str, page_url: str = "") -> Adapter:
        """The adapter named `platform`, else the one matching the page; else a clear
        PLATFORM_UNAVAILABLE (the CRM was left out) or UNKNOWN_PLATFORM."""
        adapter = self.get(platform) if platform else self.for_page(hostname, page_url)
        if adapter is not None:
            return adapter
        left_out = self._skipped_for(platform, hostname, page_url)
        if left_out is not None:
            raise CallbackError(
                ErrorCode.PLATFORM_UNAVAILABLE,
                f"{left_out.name} is not available in this build ({left_out.origin}): "
                f"{left_out.reason}",
            )
        wanted = f"platform {platform!r}" if platform else f"host {hostname!r}"
        known = ", ".join(a.name for a in self)
        raise CallbackError(ErrorCode.UNKNOWN_PLATFORM, f"no adapter for {wanted} (known: {known})")

    def _skipped_for(self, platform: str | None, hostname: str, page_url: str) -> Skipped | None:
        for skipped in self.skipped:
            if platform:
                if skipped.name.lower() == platform.lower():
                    return skipped
                continue
            try:
                if skipped.url_identifier and parse_identifier(skipped.url_identifier).matches(
                    hostname, page_url
                ):
                    return skipped
            except AdapterError:
                continue
        return None

    def __iter__(self) -> Iterator[Adapter]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)


def load_plugins(
    registry: Registry, distributions: Iterable[str] | None = None, *, strict: bool = True
) -> None:
    """Register every adapter published under the entry-point group (only those of
    `distributions`, by canonical name, when given).

    An entry point names an Adapter instance or a zero-argument callable returning one.
    `strict`: a plug-in that fails to import or validate raises AdapterError; otherwise
    it is left out (`Registry.skipped`) and the other adapters still load.
    """
    wanted = None if distributions is None else {_canonical(d) for d in distributions}
    if wanted is not None and not wanted:
        return  # none asked for: skip the scan of every installed distribution
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if wanted is not None and (point.dist is None or _canonical(point.dist.name) not in wanted):
            continue
        dist = getattr(getattr(point, "dist", None), "name", None) or point.value.split(":")[0]
        origin = f"plug-in {dist}"
        adapter = None
        try:
            loaded = point.load()
            adapter = loaded() if callable(loaded) and not isinstance(loaded, Adapter) else loaded
            registry.register(adapter, origin=origin)
        except Exception as exc:
            message = f"adapter plug-in {point.name!r} ({point.value}): {exc}"
            if strict:
                raise AdapterError(message) from exc
            # An adapter that loaded but does not validate: its pages still get the reason.
            name = getattr(adapter, "name", None)
            identifier = getattr(adapter, "url_identifier", None)
            registry.skip(
                name if isinstance(name, str) and name else point.name,
                origin,
                message,
                identifier if isinstance(identifier, str) else None,
            )


def entry_points(*, group: str) -> Any:
    """`importlib.metadata.entry_points`, imported on first use: it pulls in email and
    socket, which the runtime has no other use for (and the browser never scans)."""
    from importlib.metadata import entry_points as scan

    return scan(group=group)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
