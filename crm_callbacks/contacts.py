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


def is_service_contact(raw: object, service_name: str) -> bool:
    """A widget contact that came from our service: its ``type`` is our registered name.

    The widget's matcher also holds RingCentral directory (``"company"``) and address
    book (``"personal"``) contacts; those are not CRM records and never open a CRM page.
    """
    return isinstance(raw, dict) and bool(service_name) and raw.get("type") == service_name


def contact_from_json(raw: Any, *, phone: str = "", service_name: str = "") -> Contact:
    """Read a contact from any shape the widget or `context.contacts` uses.

    The CRM record type is the widget's ``entityType``, else ``type`` unless that is
    our registered `service_name` (how the widget names the contact's source); ids
    may be strings or integers.
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
    source = raw.get("type")
    kind = raw.get("entityType") or ("" if service_name and source == service_name else source)
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
