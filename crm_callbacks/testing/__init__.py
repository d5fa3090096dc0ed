"""Test helpers for adapter authors: real widget messages, a simulated phone, `simulate`.

An adapter test reads like the callback documentation::

    from crm_callbacks.testing import CrmPhone

    phone = CrmPhone("pipedrive")                      # a phone on acme.pipedrive.com
    assert phone.ring("+16505550100", contact="42").opened == [
        "https://acme.pipedrive.com/person/42"        # call-pop
    ]

The message factories (`ring`, `answer`, `end`, `flapping`, `view_log`, `logout`,
`contact_match_request`, `entity_match_request`, `login_status`, `button_click`,
`choose_contact`, and the extension's own `save_settings` and `fetch_result`)
produce the widget's real shapes; `CrmPhone` and `simulate` send them through
`crm_callbacks.dispatch_json` exactly as the extension does, carrying ``state`` and
applying storage changes; `CrmPhone(server=handler)` also answers the ``fetch``
actions Python returns, and `request` builds one contract request by hand.
`check_adapter(adapter)` is the conformance suite every adapter should pass. With
pytest, the fixtures ``crm_phone`` and ``widget_messages`` come from this package's plugin
(`crm_callbacks.pytest_plugin`).
"""

from __future__ import annotations

from .conformance import HOSTILE_IDS, OVERRIDABLE, check_adapter
from .messages import (
    AGENT,
    CALLER,
    ContactLike,
    Direction,
    Message,
    answer,
    auth_result,
    button_click,
    choose_contact,
    contact_match,
    contact_match_request,
    crm_focused,
    end,
    entity_match_request,
    fetch_result,
    flapping,
    load_widget_messages,
    login_status,
    logout,
    ring,
    save_settings,
    view_contact,
    view_log,
    widget_message,
)
from .simulation import (
    CrmPhone,
    HttpResponse,
    Result,
    Server,
    example_hostname,
    example_page_path,
    registry_with,
    request,
    simulate,
)

__all__ = [
    "AGENT",
    "CALLER",
    "HOSTILE_IDS",
    "OVERRIDABLE",
    "ContactLike",
    "CrmPhone",
    "Direction",
    "HttpResponse",
    "Message",
    "Result",
    "Server",
    "answer",
    "auth_result",
    "button_click",
    "check_adapter",
    "choose_contact",
    "contact_match",
    "contact_match_request",
    "crm_focused",
    "end",
    "entity_match_request",
    "example_hostname",
    "example_page_path",
    "fetch_result",
    "flapping",
    "load_widget_messages",
    "login_status",
    "logout",
    "registry_with",
    "request",
    "ring",
    "save_settings",
    "simulate",
    "view_contact",
    "view_log",
    "widget_message",
]
