"""GoHighLevel: contacts live under a location, which the match carries as its type."""

from .base import Adapter

ADAPTER = Adapter(
    name="gohighlevel",
    display_name="GoHighLevel",
    url_identifier="app.gohighlevel.com",
    contact_page_url="https://{hostname}/v2/location/{contactType}/contacts/detail/{contactId}",
    auth_type="oauth",
)
