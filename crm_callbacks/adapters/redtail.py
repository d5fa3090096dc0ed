"""Redtail CRM: contacts and activities by id."""

from .base import Adapter, Environment

ADAPTER = Adapter(
    name="redtail",
    display_name="Redtail CRM",
    url_identifier="*.redtailtechnology.com",
    contact_page_url="https://{hostname}/contacts/{contactId}",
    log_page_url="https://{hostname}/activities/{logId}",
    can_open_log_page=True,
    environment=Environment("fixed", host="crm.redtailtechnology.com"),
    # Redtail signs in with the user's credentials (App Connect's auth.apiKey.page).
    api_key_page={
        "title": "Connect to Redtail CRM",
        "content": [
            {"const": "username", "title": "Username", "type": "string", "required": True},
            {
                "const": "password",
                "title": "Password",
                "type": "string",
                "required": True,
                "uiSchema": {"ui:widget": "password"},
            },
        ],
    },
)
