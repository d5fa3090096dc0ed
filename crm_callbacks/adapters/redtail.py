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
)
