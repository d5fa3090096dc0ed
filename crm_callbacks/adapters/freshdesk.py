"""Freshdesk: contacts only; tickets are not opened as call logs."""

from .base import Adapter

ADAPTER = Adapter(
    name="freshdesk",
    display_name="Freshdesk",
    url_identifier="*.freshdesk.com",
    contact_page_url="https://{hostname}/a/contacts/{contactId}",
)
