"""Shared fixtures: the widget's real message shapes and a request builder."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crm_callbacks.testing import load_widget_messages

WIDGET_MESSAGES: dict[str, Any] = load_widget_messages()
"""The widget's real message shapes, as shipped with ``crm_callbacks.testing``."""


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


@pytest.fixture(scope="session")
def real_core() -> Any:
    """The real App Connect server core (scripts/appconnect) with our testCRM connector.

    Fails when it is not installed in CI (scripts/dev.sh installs it); skips elsewhere.
    """
    import os

    from scripts.appconnect import realcore

    if not realcore.installed():
        message = "the real App Connect core is not installed: run scripts/dev.sh build"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with realcore.running() as core:
        yield core
