"""NetSuite: every entity kind has its own ``.nl`` page; calls are calendar records."""

from .base import Adapter, Environment

ADAPTER = Adapter(
    name="netsuite",
    display_name="NetSuite",
    url_identifier="*.app.netsuite.com/app*",
    contact_page_url="https://{hostname}/app/common/entity/{contactType}.nl?id={contactId}&source=ringcentral",
    log_page_url="https://{hostname}/app/crm/calendar/call.nl?id={logId}",
    can_open_log_page=True,
    contact_types=("custjob", "contact", "vendor", "lead", "prospect"),
    default_contact_type="custjob",
    auth_type="oauth",
    environment=Environment("dynamic", url_identifier="*.app.netsuite.com/app*"),
)
