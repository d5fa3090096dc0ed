"""Router rules; importing this package registers every rule with the router."""

from . import (
    authorization,
    call_log,
    callpop,
    chooser,
    crm_in_use,
    effects,
    options,
    requests,
    service,
)

__all__ = [
    "authorization",
    "call_log",
    "callpop",
    "chooser",
    "crm_in_use",
    "effects",
    "options",
    "requests",
    "service",
]
