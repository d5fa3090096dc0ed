"""Shared fixtures: the widget's real message shapes and a request builder."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
WIDGET_MESSAGES: dict[str, Any] = json.loads((FIXTURES / "widget-messages.json").read_text())


def widget_message(name: str, **call_changes: Any) -> dict[str, Any]:
    """A deep copy of a real widget→parent message, with `call` fields changed."""
    message = copy.deepcopy(WIDGET_MESSAGES["widget_to_parent"][name])
    message.get("call", {}).update(call_changes)
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
