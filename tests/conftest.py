"""Shared fixtures: the widget's real message shapes and a request builder."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crm_callbacks.adapters import default_registry
from crm_callbacks.service import service_name
from crm_callbacks.testing import load_widget_messages

WIDGET_MESSAGES: dict[str, Any] = load_widget_messages()
"""The widget's real message shapes, as shipped with ``crm_callbacks.testing``."""


def widget_message(name: str, **call_changes: Any) -> dict[str, Any]:
    """A deep copy of a real widget→parent message, with `call` fields changed."""
    message = copy.deepcopy(WIDGET_MESSAGES["widget_to_parent"][name])
    message.get("call", {}).update(call_changes)
    return message


def our_ring(hostname: str = "acme.pipedrive.com", **match_changes: Any) -> dict[str, Any]:
    """The web phone's ring whose ``contactMatch`` is one of our contacts on `hostname`'s CRM.

    The widget's contactMatch is ours only when its ``type`` is our service's registered
    name (the CRM record type is its ``entityType``); `match_changes` update the entry.
    """
    message = widget_message("webphone_ring")
    adapter = default_registry().for_hostname(hostname.lower().rstrip("."))
    message["call"]["contactMatch"]["type"] = service_name(adapter) if adapter else ""
    message["call"]["contactMatch"].update(match_changes)
    return message


def make_request(
    message: dict[str, Any],
    *,
    hostname: str = "acme.pipedrive.com",
    state: dict[str, Any] | None = None,
    **context: Any,
) -> dict[str, Any]:
    """A contract-v1 request for `message` on a CRM page at `hostname`."""
    page = {"hostname": hostname, "url": f"https://{hostname}/"}
    return {"v": 1, "message": message, "context": {"page": page, **context}, "state": state or {}}


@pytest.fixture
def ring() -> dict[str, Any]:
    return widget_message("active_call_ringing_inbound")
