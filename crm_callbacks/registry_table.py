"""A name → handler table that refuses a second registration under the same name.

The router's rules, the widget request and button handlers and the fetch
continuations are each one `RegistryTable`: two modules claiming the same message
type, path, button or continuation kind is a programming error, raised at import
time instead of the later one silently winning.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

V = TypeVar("V")


class DuplicateRegistrationError(ValueError):
    """Two handlers were registered under one key of a `RegistryTable`."""


class RegistryTable(Generic[V]):
    """Handlers by key, each key registered once; read like a read-only mapping."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, V] = {}
        self._owners: dict[str, str] = {}

    def add(self, key: str, value: V, *, owner: str = "") -> None:
        """Register `value` under `key`; DuplicateRegistrationError if `key` is taken."""
        if key in self._entries:
            raise DuplicateRegistrationError(
                f"{self.what} {key!r} is registered twice "
                f"(first by {self._owners[key] or 'unknown'}, again by {owner or 'unknown'})"
            )
        self._entries[key] = value
        self._owners[key] = owner

    def get(self, key: object, default: V | None = None) -> V | None:
        return self._entries.get(key, default) if isinstance(key, str) else default

    def owner(self, key: str) -> str:
        """Where the handler for `key` was defined (``module.function``)."""
        return self._owners[key]

    def __getitem__(self, key: str) -> V:
        return self._entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def owner_of(function: object) -> str:
    """``module.qualname`` of a handler, for duplicate-registration messages."""
    module = getattr(function, "__module__", "?")
    return f"{module}.{getattr(function, '__qualname__', repr(function))}"
