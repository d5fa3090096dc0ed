"""The router's memory between events, kept by JS in ``chrome.storage.session``.

Bounded in entries: at most `MAX_POPPED` popped call sessions, `MAX_NUMBERS`
remembered numbers (with `MAX_CONTACTS_PER_NUMBER` contacts each), `MAX_LOGS`
call-log ids, `MAX_PENDING` server requests awaiting their result and one contact
chooser; the oldest entry is evicted first. Bounded in bytes too: the fields that
reach state are capped in length where they enter (`MAX_KEY_LENGTH`, …), and its
JSON text is at most `MAX_STATE_BYTES` (`fit`, measured on the text the response
carries anyway), so ``chrome.storage.session`` never refuses to keep it.

Never lost on bad input: a state that is not ours is reset (`load` reports
BAD_STATE and the event is still handled), a remembered contact that no longer
reads is dropped, and a pending server lookup expires by the shim's clock.
"""

from __future__ import annotations

import json
import math
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
MAX_STATE_BYTES = 512 * 1024
"""The state's JSON text, at most (``chrome.storage.session`` holds 10 MB in all)."""
MAX_KEY_LENGTH = 256
"""Session ids, request ids and phone numbers longer than this are refused on input."""
PENDING_GRACE_MS = 10_000
"""A pending lookup expires this long after its fetch's own timeout: by then the shim
has either delivered the result or died with it (a worker stopped mid-fetch)."""
DEFAULT_PENDING_TTL_MS = 60_000
"""Expiry given to a pending entry that carries none (written before clocks existed)."""
EVICTION_ORDER = ("matches", "logs", "pending", "chooser", "popped")
"""What goes first when the text is too long: remembered contacts can be asked again;
popped sessions, which keep a call from popping twice, go last."""


def check_key(value: str, what: str) -> str:
    """`value` if it may key state (at most `MAX_KEY_LENGTH` characters of valid
    Unicode), else BAD_MESSAGE: a 200 kB number or session id is refused where it
    enters, not carried into every later event's state."""
    if len(value) > MAX_KEY_LENGTH:
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"{what} is over {MAX_KEY_LENGTH} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"{what} is not valid Unicode") from None
    return value


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
    problems: list[CallbackError] = field(default_factory=list, compare=False, repr=False)
    """What was wrong with the state read, and repaired (not kept in the JSON)."""

    @classmethod
    def load(cls, raw: Any, *, now: float | None = None) -> State:
        """`from_json` that never raises: a state that is not ours becomes a fresh one,
        with the BAD_STATE error in `problems`; pending lookups past their time expire."""
        try:
            state = cls.from_json(raw)
        except CallbackError as error:
            state = cls(problems=[error])
        if now is not None:
            state.expire_pending(now)
        return state

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
            if len(rc_user_number) > MAX_KEY_LENGTH:
                rc_user_number = ""
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

    def await_result(
        self,
        request_id: str,
        continuation: dict[str, Any],
        *,
        now: float | None = None,
        timeout_ms: int = 0,
    ) -> None:
        """Remember what to do when the server answers `request_id` (oldest evicted).

        With the shim's clock `now`, the entry expires `PENDING_GRACE_MS` after the
        fetch's `timeout_ms`: a result that never comes does not block a retry forever.
        """
        if now is not None:
            continuation["expiresAt"] = now + timeout_ms + PENDING_GRACE_MS
        _bounded_put(self.pending, request_id, continuation, MAX_PENDING)

    def expire_pending(self, now: float) -> None:
        """Drop pending entries whose time is past; stamp those that carry no time."""
        for key, continuation in list(self.pending.items()):
            expires = continuation.get("expiresAt")
            if isinstance(expires, bool) or not isinstance(expires, int | float):
                continuation["expiresAt"] = now + DEFAULT_PENDING_TTL_MS
                self.pending[key] = continuation  # a change (see journal.py)
            elif not expires > now:  # also drops NaN
                del self.pending[key]

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
        """Contacts remembered for `number`. One that no longer reads is dropped from
        state (reported once in `problems`, as BAD_STATE), so the call is handled and
        the next one finds the entry repaired."""
        key = match_key(number)
        kept = self.matches.get(key)
        if not kept:
            return []
        contacts, good = [], []
        for raw in kept:
            try:
                contacts.append(contact_from_json(raw))
                good.append(raw)
            except CallbackError as exc:
                self.problems.append(
                    CallbackError(
                        ErrorCode.BAD_STATE, f"a remembered contact was dropped: {exc.message}"
                    )
                )
        if len(good) != len(kept):
            if good:
                self.matches[key] = good
            else:
                del self.matches[key]
        return contacts

    def bounded_json(self, limit: int = MAX_STATE_BYTES) -> tuple[str, bool]:
        """This state as JSON text of at most `limit` characters, and whether anything
        was evicted; what `fit` evicts is evicted here too (for a runtime that keeps its
        `State` between events)."""
        data = self.to_json()
        text, evicted = fit(data, limit)
        if evicted:
            fitted = State.from_json(json.loads(text))
            self.popped, self.matches, self.logs = fitted.popped, fitted.matches, fitted.logs
            self.chooser, self.pending = fitted.chooser, fitted.pending
            self.asked_numbers, self.asked_sessions = fitted.asked_numbers, fitted.asked_sessions
        return text, evicted


def fit(data: dict[str, Any], limit: int = MAX_STATE_BYTES) -> tuple[str, bool]:
    """`data` (a `State.to_json`) as JSON text of at most `limit` characters.

    Measures the text that is written anyway; only when it is too long are per-entry
    sizes taken, and the oldest entries evicted in `EVICTION_ORDER` (edits `data`'s
    tables in place). Returns (text, whether anything was evicted). Never raises:
    values JSON cannot carry (NaN, infinities, non-JSON types) become null.
    """
    text = dumps_json(data)
    if len(text) <= limit:
        return text, False
    excess = len(text) - limit
    for table in EVICTION_ORDER:
        value = data.get(table)
        if excess <= 0:
            break
        if table == "chooser":
            if value is not None:
                excess -= len(dumps_json(value))
                data[table] = None
        elif isinstance(value, list):
            while value and excess > 0:
                excess -= len(dumps_json(value.pop(0))) + 2
        elif isinstance(value, dict):
            for key in list(value):
                if excess <= 0:
                    break
                excess -= len(dumps_json(key)) + len(dumps_json(value.pop(key))) + 4
    text = dumps_json(data)
    if len(text) > limit:  # only unknown top-level keys are left: start afresh
        text = dumps_json(State().to_json())
    return text, True


def dumps_json(value: Any) -> str:
    """JSON text JS can parse: ASCII (lone surrogates escaped), no NaN or Infinity."""
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return json.dumps(_json_safe(value), allow_nan=False)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None
