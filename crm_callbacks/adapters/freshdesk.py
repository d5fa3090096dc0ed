"""Freshdesk: contacts only; tickets are not opened as call logs."""

from .base import Adapter, Environment

ADAPTER = Adapter(
    name="freshdesk",
    display_name="Freshdesk",
    url_identifier="*.freshdesk.com",
    contact_page_url="https://{hostname}/a/contacts/{contactId}",
    contact_types=("contact",),
    environment=Environment("dynamic", url_identifier="*.freshdesk.com"),
    # App Connect's Freshdesk connector needs the helpdesk domain beside the key.
    api_key_page={
        "title": "Connect to Freshdesk",
        "content": [
            {"const": "apiKey", "title": "API key", "type": "string", "required": True},
            {
                "const": "fdDomain",
                "title": "Domain, e.g. acme.freshdesk.com",
                "type": "string",
                "required": True,
            },
        ],
    },
)
