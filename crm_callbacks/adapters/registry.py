"""Which adapters exist: the built-ins plus the ``crm_callbacks.adapters`` entry points."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points

from .base import Adapter

ENTRY_POINT_GROUP = "crm_callbacks.adapters"
BUILT_IN = "built-in"


@dataclass(frozen=True)
class Skipped:
    """An adapter left out of a registry: its name, where it came from, and why."""

    name: str
    origin: str
    reason: str


class Registry:
    """Adapters by name (case-insensitive) and by page host; validated on registration.

    Each adapter keeps where it came from (`origin`); adapters left out because they
    were broken are listed in `skipped`, so a bad plug-in is reported, not fatal.
    """

    def __init__(self, adapters: Iterable[Adapter] = ()) -> None:
        self._by_name: dict[str, Adapter] = {}
        self._origins: dict[str, str] = {}
        self.skipped: list[Skipped] = []
        for adapter in adapters:
            self.register(adapter)

    def register(self, adapter: Adapter, *, replace: bool = False, origin: str = BUILT_IN) -> None:
        """Add `adapter`; ValueError if it is invalid or its name is taken."""
        if not isinstance(adapter, Adapter):
            raise ValueError(f"{adapter!r} is not a crm_callbacks Adapter")
        adapter.validate()
        key = adapter.name.lower()
        if key in self._by_name and not replace:
            raise ValueError(f"an adapter named {adapter.name!r} is already registered")
        self._by_name[key] = adapter
        self._origins[key] = origin

    def origin(self, name: str) -> str:
        """Where adapter `name` came from: "built-in", "plug-in <distribution>" or
        "manifest <path>"; KeyError if no such adapter is registered."""
        return self._origins[name.lower()]

    def get(self, name: str) -> Adapter | None:
        return self._by_name.get(name.lower())

    def for_hostname(self, hostname: str) -> Adapter | None:
        """The adapter whose urlIdentifier matches `hostname`, the most specific first."""
        matching = [a for a in self._by_name.values() if a.matches_host(hostname)]
        return max(matching, key=lambda a: len(a.url_identifier), default=None)

    def __iter__(self) -> Iterator[Adapter]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)


def load_plugins(registry: Registry, *, strict: bool = True) -> None:
    """Register every adapter published under the entry-point group.

    An entry point names an Adapter instance or a zero-argument callable returning one.
    A broken one raises ValueError naming it; with ``strict=False`` it is left out and
    listed in ``registry.skipped`` instead, so one bad plug-in cannot break the others.
    """
    for point in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(point, "dist", None)
        origin = f"plug-in {dist.metadata['Name']}" if dist is not None else "plug-in"
        try:
            loaded = point.load()
            adapter = loaded() if callable(loaded) and not isinstance(loaded, Adapter) else loaded
            registry.register(adapter, origin=origin)
        except Exception as exc:
            reason = f"adapter plug-in {point.name!r} ({point.value}): {exc}"
            if strict:
                raise ValueError(reason) from exc
            registry.skipped.append(Skipped(point.name, origin, reason))
