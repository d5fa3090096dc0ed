"""The CRM in use: which CRM the phone pops on when the user is elsewhere.

The extension reports the CRM tab focused last (``crm-callbacks-crm-focused``, with that
tab's page); Python decides whether it is a CRM and which platform, and stores the
answer under `names.STORAGE_KEYS["CRM_IN_USE"]`. A page no adapter claims gets
UNKNOWN_PLATFORM and changes nothing: the last CRM focused stays the one in use.
"""

from __future__ import annotations

from ..actions import set_storage
from ..names import MESSAGE_TYPES, STORAGE_KEYS
from ..router import Context, handles


@handles(MESSAGE_TYPES["CRM_FOCUSED"])
def on_crm_focused(context: Context) -> None:
    adapter = context.adapter
    crm = {
        "platform": adapter.name,
        "displayName": adapter.display_name,
        "hostname": context.hostname,
    }
    context.actions.append(set_storage({STORAGE_KEYS["CRM_IN_USE"]: crm}))
