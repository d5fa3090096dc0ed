"""The router's memory between events, kept by JS in ``chrome.storage.session``.

Bounded: at most `MAX_POPPED` popped call sessions and `MAX_NUMBERS` remembered
numbers (with `MAX_CONTACTS_PER_NUMBER` contacts each); the oldest entry is evicted
first, so state stays a few hundred kB at worst however long the browser runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .contacts import Contact, contact_from_json
from .errors import CallbackError, ErrorCode
from .phone import match_key

STATE_VERSION = 1
MAX_POPPED = 256
MAX_NUMBERS = 256
MAX_CONTACTS_PER_NUMBER = 10


@dataclass
class State:
    """Popped call sessions (for exactly-once) and contacts seen per number."""

    popped: dict[str, None] = field(default_factory=dict)
    matches: dict[str, list[Contact]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: Any) -> State:
        """Read what `to_json` wrote; ``{}`` or null is a fresh state, anything else BAD_STATE."""
        if raw is None or raw == {}:
            return cls()
        try:
            if not isinstance(raw, dict) or raw.get("v") != STATE_VERSION:
                raise TypeError("not a version-1 state")
            popped = raw.get("popped", [])
            matches = raw.get("matches", {})
            if not isinstance(popped, list) or not all(isinstance(k, str) for k in popped):
                raise TypeError("popped must be a list of strings")
            if not isinstance(matches, dict):
                raise TypeError("matches must be an object")
            state = cls(popped=dict.fromkeys(popped[-MAX_POPPED:]))
            for number, contacts in list(matches.items())[-MAX_NUMBERS:]:
                if not isinstance(contacts, list):
                    raise TypeError("matches values must be lists")
                state.matches[number] = [contact_from_json(c) for c in contacts]
            return state
        except (TypeError, CallbackError) as exc:
            raise CallbackError(ErrorCode.BAD_STATE, f"state was reset: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "popped": list(self.popped),
            "matches": {n: [c.as_dict() for c in cs] for n, cs in self.matches.items()},
        }

    def was_popped(self, key: str) -> bool:
        return key in self.popped

    def mark_popped(self, key: str) -> None:
        self.popped.pop(key, None)
        self.popped[key] = None
        while len(self.popped) > MAX_POPPED:
            del self.popped[next(iter(self.popped))]

    def remember(self, number: str, contacts: list[Contact]) -> None:
        """Keep `contacts` as the latest matches for `number` (most recent last)."""
        key = match_key(number)
        if not key.strip("+") or not contacts:
            return
        self.matches.pop(key, None)
        self.matches[key] = contacts[:MAX_CONTACTS_PER_NUMBER]
        while len(self.matches) > MAX_NUMBERS:
            del self.matches[next(iter(self.matches))]

    def recall(self, number: str) -> list[Contact]:
        return list(self.matches.get(match_key(number), []))
