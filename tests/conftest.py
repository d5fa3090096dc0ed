"""Shared fixtures: the widget's real message shapes and a request builder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crm_callbacks.adapters import default_registry
from crm_callbacks.service import service_name
from crm_callbacks.testing import load_widget_messages, request, widget_message

ROOT = Path(__file__).resolve().parents[1]

WIDGET_MESSAGES: dict[str, Any] = load_widget_messages()
"""The widget's real message shapes, as shipped with ``crm_callbacks.testing``."""

__all__ = ["ROOT", "WIDGET_MESSAGES", "make_request", "run_build", "widget_message"]


def run_build(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`scripts/build.py ARGS` in this checkout, its output captured (tests read it)."""
    return subprocess.run(
        [sys.executable, "scripts/build.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def our_ring(hostname: str = "acme.pipedrive.com", **match_changes: Any) -> dict[str, Any]:
    """The web phone's ring whose ``contactMatch`` is one of our contacts on `hostname`'s CRM.

    The widget's contactMatch is ours only when its ``type`` is our service's registered
    name (the CRM record type is its ``entityType``); `match_changes` update the entry.
    `hostname` may carry the page's path, as in `make_request`; only the host names the CRM.
    """
    message = widget_message("webphone_ring")
    host = hostname.partition("/")[0]
    adapter = default_registry().for_hostname(host.lower().rstrip("."))
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
    """A contract-v1 request for `message` on a CRM page at `hostname`.

    `hostname` may carry the page's path (``1.app.netsuite.com/app/center/card.nl``):
    urlIdentifiers such as NetSuite's ``*.app.netsuite.com/app*`` match the whole URL.
    """
    host, _, path = hostname.partition("/")
    return request(
        message, hostname=host, page_url=f"https://{host}/{path}", state=state, **context
    )


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
