"""Pipedrive: people are ``/person/<id>``; its log page is not opened (canOpenLogPage false)."""

from .base import Adapter, Environment

ADAPTER = Adapter(
    name="pipedrive",
    display_name="Pipedrive",
    url_identifier="*.pipedrive.com",
    contact_page_url="https://{hostname}/person/{contactId}",
    log_page_url="https://{hostname}/activities/{logId}",
    can_open_log_page=False,
    auth_type="oauth",
    environment=Environment("dynamic", url_identifier="*.pipedrive.com"),
)
