"""ExampleCRM: an adapter that lives in its own package, registered as a plug-in.

Its pyproject.toml names `ADAPTER` under the ``crm_callbacks.adapters`` entry-point
group; crm_callbacks validates and registers it when the registry is first used.
"""

from crm_callbacks.adapters.base import Adapter

ADAPTER = Adapter(
    name="exampleCRM",
    display_name="ExampleCRM",
    url_identifier="*.examplecrm.localhost",
    contact_page_url="https://{hostname}/people/{contactId}",
    log_page_url="https://{hostname}/people/{contactId}/calls/{logId}",
    can_open_log_page=True,
    unauthorize_keys=("crm_extension_examplecrm_token",),
)
