"""Clio: a call's log lives on its contact's communications tab, so it needs the contact.

Clio runs per region (US, EU, AU, CA): the user's region is ``{hostname}``.
"""

from .base import Adapter, Environment

ADAPTER = Adapter(
    name="clio",
    display_name="Clio",
    url_identifier="*app.clio.com",
    contact_page_url="https://{hostname}/nc/#/contacts/{contactId}",
    log_page_url="https://{hostname}/nc/#/contacts/{contactId}/communications",
    can_open_log_page=True,
    contact_types=("Person", "Company"),
    auth_type="oauth",
    environment=Environment(
        "selectable",
        selections=(
            ("US", "app.clio.com"),
            ("EU", "eu.app.clio.com"),
            ("AU", "au.app.clio.com"),
            ("CA", "ca.app.clio.com"),
        ),
    ),
)
