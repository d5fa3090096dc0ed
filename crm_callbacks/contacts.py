"""Contacts as the router hands them to adapters: the seed's ``{id, name, phone, type}``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import CallbackError, ErrorCode

MAX_NAME_LENGTH = 256


@dataclass(frozen=True)
class Contact:
    """One CRM record that matches a phone number."""

    id: str
    name: str = ""
    phone: str = ""
    type: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "phone": self.phone, "type": self.type}


def contact_from_json(raw: Any, *, phone: str = "") -> Contact:
    """Read a contact from any shape the widget or `context.contacts` uses.

    Accepts ``type`` or the widget's ``entityType``; ids may be strings or integers.
    """
    if not isinstance(raw, dict):
        raise CallbackError(ErrorCode.BAD_CONTACT, "a contact must be an object")
    contact_id = raw.get("id")
    if isinstance(contact_id, bool) or not isinstance(contact_id, str | int):
        raise CallbackError(ErrorCode.BAD_CONTACT, "a contact needs a string or integer id")
    contact_id = str(contact_id)
    if not contact_id.strip():
        raise CallbackError(ErrorCode.BAD_CONTACT, "a contact id must not be empty")
    name = raw.get("name")
    kind = raw.get("type") or raw.get("entityType") or ""
    own_phone = raw.get("phone")
    return Contact(
        id=contact_id,
        name=name[:MAX_NAME_LENGTH] if isinstance(name, str) else "",
        phone=own_phone if isinstance(own_phone, str) and 0 < len(own_phone) <= 64 else phone,
        type=kind if isinstance(kind, str) else "",
    )


def unique(contacts: Iterable[Contact]) -> list[Contact]:
    """Drop repeats of the same (type, id), keeping the first one's order."""
    seen: set[tuple[str, str]] = set()
    result = []
    for contact in contacts:
        key = (contact.type.lower(), contact.id)
        if key not in seen:
            seen.add(key)
            result.append(contact)
    return result
