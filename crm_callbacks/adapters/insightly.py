"""Insightly: leads and contacts open as a details blade over their list.

The manifest declares the types as ``lead``/``contact``; the server answers ``Lead`` or
``Contact``, which is what the URL needs, so the type goes in as the server gave it.
"""

from .base import Adapter, Environment

ADAPTER = Adapter(
    name="insightly",
    display_name="Insightly",
    url_identifier="*.insightly.com",
    contact_page_url="https://{hostname}/list/{contactType}/?blade=/details/{contactType}/{contactId}",
    log_page_url="https://{hostname}/list/{contactType}/?blade=/details/Event/{logId}",
    can_open_log_page=True,
    contact_types=("lead", "contact"),
    default_contact_type="Contact",
    environment=Environment("dynamic", url_identifier="*.insightly.com"),
    # Sign-in fields App Connect's Insightly connector reads (its manifest's auth.apiKey.page).
    api_key_page={
        "title": "Connect to Insightly",
        "content": [
            {"const": "apiKey", "title": "API key", "type": "string", "required": True},
            {
                "const": "apiUrl",
                "title": "API URL (User Settings → API)",
                "type": "string",
                "required": True,
            },
        ],
    },
)
