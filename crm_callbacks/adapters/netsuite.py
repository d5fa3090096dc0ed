"""NetSuite: every entity kind has its own ``.nl`` page; calls are calendar records."""

from .base import Adapter

ADAPTER = Adapter(
    name="netsuite",
    display_name="NetSuite",
    url_identifier="*.app.netsuite.com",
    contact_page_url="https://{hostname}/app/common/entity/{contactType}.nl?id={contactId}",
    log_page_url="https://{hostname}/app/crm/calendar/call.nl?id={logId}",
    can_open_log_page=True,
    contact_types=("custjob", "contact", "vendor", "lead", "prospect"),
    auth_type="oauth",
)
