"""Which adapters exist: the built-ins plus the ``crm_callbacks.adapters`` entry points."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from .base import Adapter

ENTRY_POINT_GROUP = "crm_callbacks.adapters"


class Registry:
    """Adapters by name (case-insensitive) and by page host; validated on registration."""

    def __init__(self, adapters: Iterable[Adapter] = ()) -> None:
        self._by_name: dict[str, Adapter] = {}
        self._by_host: dict[str, Adapter | None] = {}  # for_hostname's answers, until a change
        for adapter in adapters:
            self.register(adapter)

    def register(self, adapter: Adapter, *, replace: bool = False) -> None:
        """Add `adapter`; ValueError if it is invalid or its name is taken."""
        if not isinstance(adapter, Adapter):
            raise ValueError(f"{adapter!r} is not a crm_callbacks Adapter")
        adapter.validate()
        key = adapter.name.lower()
        if key in self._by_name and not replace:
            raise ValueError(f"an adapter named {adapter.name!r} is already registered")
        self._by_name[key] = adapter
        self._by_host.clear()

    def get(self, name: str) -> Adapter | None:
        return self._by_name.get(name.lower())

    def for_hostname(self, hostname: str) -> Adapter | None:
        """The adapter whose urlIdentifier matches `hostname`, the most specific first."""
        if hostname in self._by_host:
            return self._by_host[hostname]
        matching = [a for a in self._by_name.values() if a.matches_host(hostname)]
        found = max(matching, key=lambda a: len(a.url_identifier), default=None)
        if len(self._by_host) >= 256:
            self._by_host.clear()
        self._by_host[hostname] = found
        return found

    def __iter__(self) -> Iterator[Adapter]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)


def load_plugins(registry: Registry, distributions: Iterable[str] | None = None) -> None:
    """Register every adapter published under the entry-point group (only those of
    `distributions`, by canonical name, when given).

    An entry point names an Adapter instance or a zero-argument callable returning one.
    """
    wanted = None if distributions is None else {_canonical(d) for d in distributions}
    if wanted is not None and not wanted:
        return  # none asked for: skip the scan of every installed distribution
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if wanted is not None and (point.dist is None or _canonical(point.dist.name) not in wanted):
            continue
        try:
            loaded = point.load()
            adapter = loaded() if callable(loaded) and not isinstance(loaded, Adapter) else loaded
            registry.register(adapter)
        except Exception as exc:
            raise ValueError(f"adapter plug-in {point.name!r} ({point.value}): {exc}") from exc


def entry_points(*, group: str) -> Any:
    """`importlib.metadata.entry_points`, imported on first use: it pulls in email and
    socket, which the runtime has no other use for (and the browser never scans)."""
    from importlib.metadata import entry_points as scan

    return scan(group=group)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
