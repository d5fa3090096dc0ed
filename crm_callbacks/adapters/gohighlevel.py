"""GoHighLevel: contacts live under a location, which the match carries as its type.

The declared type (``contact``) is only what the user picks when creating one; the
server answers each match's location id as its type, and that fills ``{contactType}``.
"""

from .base import Adapter, Environment

ADAPTER = Adapter(
    name="gohighlevel",
    display_name="GoHighLevel",
    url_identifier="app.gohighlevel.com",
    contact_page_url="https://{hostname}/v2/location/{contactType}/contacts/detail/{contactId}",
    contact_types=("contact",),
    auth_type="oauth",
    environment=Environment("fixed", host="app.gohighlevel.com"),
)
