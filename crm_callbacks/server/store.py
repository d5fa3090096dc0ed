"""The testCRM's data: contacts, call logs and revoked sessions, in SQLite."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, phone TEXT NOT NULL, type TEXT NOT NULL,
    company TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS contacts_phone ON contacts (phone);
CREATE TABLE IF NOT EXISTS call_logs (
    session_id TEXT PRIMARY KEY, log_id TEXT NOT NULL UNIQUE, contact_id TEXT NOT NULL,
    subject TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS revoked_sessions (jti TEXT PRIMARY KEY);
"""

# Phones are stored the way people type them into a CRM, not normalised: matching
# them is the point of App Connect's overriding formats.
DEMO_CONTACTS = [
    ("42", "Jane Doe", "+16505550100", "Contact", "Acme Corp"),
    ("43", "Sam Carter", "(650) 555-0123", "Contact", "Globex"),
    ("44", "Lee Wong", "650-555-0147", "Lead", "Initech"),
    ("45", "Ann Ito", "+16505550188", "Contact", "Umbrella"),
    ("46", "Bob Ito", "+16505550188", "Lead", "Umbrella"),
]
DEMO_CALL_LOGS = [
    ("214705503020", "9001", "42", "Inbound call from Jane Doe", "Discussed renewal"),
    ("214705503055", "9002", "43", "Outbound call to Sam Carter", "Sent the quote"),
]


def demo_seed() -> dict[str, list[dict[str, str]]]:
    """The demo CRM's data as JSON, for the real App Connect core's testCRM connector."""
    contacts = [
        dict(zip(("id", "name", "phone", "type", "company"), row, strict=True))
        for row in DEMO_CONTACTS
    ]
    logs = [
        dict(zip(("sessionId", "logId", "contactId", "subject", "note"), row, strict=True))
        for row in DEMO_CALL_LOGS
    ]
    return {"contacts": contacts, "callLogs": logs}


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    phone: str
    type: str
    company: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "phone": self.phone, "type": self.type}


@dataclass(frozen=True)
class CallLog:
    session_id: str
    log_id: str
    contact_id: str
    subject: str
    note: str


class Store:
    """Thread-safe access to one SQLite database (the server handles requests in threads)."""

    def __init__(self, path: str = ":memory:", *, seed: bool = True) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.executescript(SCHEMA)
            empty = self._db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0
            if seed and empty:
                self._db.executemany("INSERT INTO contacts VALUES (?, ?, ?, ?, ?)", DEMO_CONTACTS)
                self._db.executemany("INSERT INTO call_logs VALUES (?, ?, ?, ?, ?)", DEMO_CALL_LOGS)

    def contacts_by_phone(self, spellings: Iterable[str]) -> list[Contact]:
        wanted = list(spellings)
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self._query(f"SELECT * FROM contacts WHERE phone IN ({marks}) ORDER BY id", wanted)
        return [Contact(*row) for row in rows]

    def contact(self, contact_id: str) -> Contact | None:
        rows = self._query("SELECT * FROM contacts WHERE id = ?", [contact_id])
        return Contact(*rows[0]) if rows else None

    def all_contacts(self) -> list[Contact]:
        return [Contact(*row) for row in self._query("SELECT * FROM contacts ORDER BY name", [])]

    def logs_for_sessions(self, session_ids: Iterable[str]) -> dict[str, CallLog]:
        wanted = list(session_ids)
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self._query(f"SELECT * FROM call_logs WHERE session_id IN ({marks})", wanted)
        return {row[0]: CallLog(*row) for row in rows}

    def log(self, log_id: str) -> CallLog | None:
        rows = self._query("SELECT * FROM call_logs WHERE log_id = ?", [log_id])
        return CallLog(*rows[0]) if rows else None

    def logs_of_contact(self, contact_id: str) -> list[CallLog]:
        rows = self._query("SELECT * FROM call_logs WHERE contact_id = ?", [contact_id])
        return [CallLog(*row) for row in rows]

    def revoke(self, jti: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR IGNORE INTO revoked_sessions VALUES (?)", [jti])

    def is_revoked(self, jti: str) -> bool:
        return bool(self._query("SELECT 1 FROM revoked_sessions WHERE jti = ?", [jti]))

    def _query(self, sql: str, params: list[str]) -> list[tuple[str, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()
