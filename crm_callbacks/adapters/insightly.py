"""Insightly: leads and contacts open as a details blade over their list."""

from .base import Adapter

ADAPTER = Adapter(
    name="insightly",
    display_name="Insightly",
    url_identifier="*.insightly.com",
    contact_page_url="https://{hostname}/list/{contactType}/?blade=/details/{contactType}/{contactId}",
    log_page_url="https://{hostname}/list/{contactType}/?blade=/details/Event/{logId}",
    can_open_log_page=True,
    contact_types=("Lead", "Contact"),
)
