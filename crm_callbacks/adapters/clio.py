"""Clio: a call's log lives on its contact's communications tab, so it needs the contact."""

from .base import Adapter

ADAPTER = Adapter(
    name="clio",
    display_name="Clio",
    url_identifier="*.clio.com",
    contact_page_url="https://{hostname}/nc/#/contacts/{contactId}",
    log_page_url="https://{hostname}/nc/#/contacts/{contactId}/communications",
    can_open_log_page=True,
    contact_types=("Person", "Company"),
    auth_type="oauth",
)
