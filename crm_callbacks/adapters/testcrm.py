"""testCRM: the sample adapter new CRMs copy, served by the local demo CRM."""

from .base import Adapter

ADAPTER = Adapter(
    name="testCRM",
    display_name="TestCRM",
    url_identifier="*.testcrm.localhost",
    contact_page_url="https://{hostname}/contacts/{contactId}",
    log_page_url="https://{hostname}/logs/{logId}",
    fallback_contact_page_url="https://{hostname}/contacts?phone={phoneNumber}",
    can_open_log_page=True,
)
