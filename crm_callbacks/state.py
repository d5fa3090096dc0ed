"""The router's memory between events, kept by JS in ``chrome.storage.session``.

Bounded: at most `MAX_POPPED` popped call sessions, `MAX_NUMBERS` remembered numbers
(with `MAX_CONTACTS_PER_NUMBER` contacts each) and `MAX_LOGS` call-log ids; the oldest
entry is evicted first, so state stays a few hundred kB at worst however long the
browser runs. At most one contact chooser is pending at a time, and at most
`MAX_PENDING` server requests await their result.
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
MAX_LOGS = 256
MAX_PENDING = 64
MAX_ASKED = 64
MAX_ASKED_LENGTH = 64
"""Numbers and call sessions the widget asked us to match, kept to refresh after connecting."""


def _bounded_put(table: dict[str, Any], key: str, value: Any, limit: int) -> None:
    """Insert `key` as the newest entry, evicting the oldest beyond `limit`."""
    table.pop(key, None)
    table[key] = value
    while len(table) > limit:
        del table[next(iter(table))]


@dataclass
class State:
    """Popped call sessions (for exactly-once) and contacts seen per number."""

    popped: dict[str, None] = field(default_factory=dict)
    matches: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Kept as JSON and read only when a number is recalled: every event passes the
    whole state through, so parsing it all each time would cost milliseconds."""
    logs: dict[str, str] = field(default_factory=dict)
    chooser: dict[str, Any] | None = None
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    rc_user_number: str = ""
    asked_numbers: dict[str, None] = field(default_factory=dict)
    asked_sessions: dict[str, None] = field(default_factory=dict)

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
            logs = raw.get("logs", {})
            chooser = raw.get("chooser")
            pending = raw.get("pending", {})
            rc_user_number = raw.get("rcUserNumber", "")
            asked_numbers = raw.get("askedNumbers", [])
            asked_sessions = raw.get("askedSessions", [])
            for asked in (asked_numbers, asked_sessions):
                if not isinstance(asked, list) or not all(isinstance(a, str) for a in asked):
                    raise TypeError("askedNumbers and askedSessions must be lists of strings")
            if not isinstance(popped, list) or not all(isinstance(k, str) for k in popped):
                raise TypeError("popped must be a list of strings")
            if not isinstance(matches, dict):
                raise TypeError("matches must be an object")
            if not isinstance(logs, dict) or not all(isinstance(v, str) for v in logs.values()):
                raise TypeError("logs must map session ids to log ids")
            if chooser is not None and not isinstance(chooser, dict):
                raise TypeError("chooser must be an object")
            if not isinstance(pending, dict) or not all(
                isinstance(v, dict) for v in pending.values()
            ):
                raise TypeError("pending must map request ids to objects")
            if not isinstance(rc_user_number, str):
                raise TypeError("rcUserNumber must be a string")
            state = cls(
                popped=dict.fromkeys(popped[-MAX_POPPED:]),
                logs=dict(list(logs.items())[-MAX_LOGS:]),
                chooser=chooser,
                pending=dict(list(pending.items())[-MAX_PENDING:]),
                rc_user_number=rc_user_number,
                asked_numbers=dict.fromkeys(asked_numbers[-MAX_ASKED:]),
                asked_sessions=dict.fromkeys(asked_sessions[-MAX_ASKED:]),
            )
            for number, contacts in list(matches.items())[-MAX_NUMBERS:]:
                if not isinstance(contacts, list) or not all(isinstance(c, dict) for c in contacts):
                    raise TypeError("matches values must be lists of objects")
                state.matches[number] = contacts
            return state
        except (TypeError, CallbackError) as exc:
            raise CallbackError(ErrorCode.BAD_STATE, f"state was reset: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "popped": list(self.popped),
            "matches": dict(self.matches),
            "logs": dict(self.logs),
            "chooser": self.chooser,
            "pending": dict(self.pending),
            "rcUserNumber": self.rc_user_number,
            "askedNumbers": list(self.asked_numbers),
            "askedSessions": list(self.asked_sessions),
        }

    def note_asked(self, numbers: list[str], session_ids: list[str]) -> None:
        """Remember what the widget asked to match (newest last, oldest evicted)."""
        for asked, table in ((numbers, self.asked_numbers), (session_ids, self.asked_sessions)):
            kept = [value for value in asked if len(value) <= MAX_ASKED_LENGTH]
            for value in kept[-MAX_ASKED:]:
                _bounded_put(table, value, None, MAX_ASKED)

    def was_popped(self, key: str) -> bool:
        return key in self.popped

    def mark_popped(self, key: str) -> None:
        _bounded_put(self.popped, key, None, MAX_POPPED)

    def remember_log(self, session_id: str, log_id: str) -> None:
        _bounded_put(self.logs, session_id, log_id, MAX_LOGS)

    def await_result(self, request_id: str, continuation: dict[str, Any]) -> None:
        """Remember what to do when the server answers `request_id` (oldest evicted)."""
        _bounded_put(self.pending, request_id, continuation, MAX_PENDING)

    def forget_crm_data(self) -> None:
        """On logout: drop what came from the CRM (contacts, log ids, a pending chooser)."""
        self.matches.clear()
        self.logs.clear()
        self.chooser = None

    def remember(self, number: str, contacts: list[Contact]) -> None:
        """Keep `contacts` as the latest matches for `number` (most recent last)."""
        key = match_key(number)
        if key.strip("+") and contacts:
            kept = [c.as_dict() for c in contacts[:MAX_CONTACTS_PER_NUMBER]]
            _bounded_put(self.matches, key, kept, MAX_NUMBERS)

    def recall(self, number: str) -> list[Contact]:
        """Contacts remembered for `number`; BAD_STATE if what was kept is not contacts."""
        try:
            return [contact_from_json(c) for c in self.matches.get(match_key(number), [])]
        except CallbackError as exc:
            raise CallbackError(
                ErrorCode.BAD_STATE, f"remembered contacts: {exc.message}"
            ) from None
