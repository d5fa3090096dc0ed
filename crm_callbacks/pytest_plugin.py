"""pytest fixtures for adapter tests, loaded through the ``pytest11`` entry point.

Installing crm-callbacks is enough: every pytest run then has ``crm_phone`` (a
`crm_callbacks.testing.CrmPhone`, dispatching exactly as the extension does) and
``widget_messages`` (the widget's real message shapes). Bind the phone to your CRM by
overriding ``crm_adapter`` (an Adapter under test), ``crm_platform`` (a registered
adapter's name) or ``crm_hostname`` (the CRM page's host) in a test module or
conftest, or per test with ``crm_phone.on("pipedrive")``.
"""

from __future__ import annotations

from typing import Any

import pytest

from .adapters import Adapter
from .testing import CrmPhone, load_widget_messages

__all__ = ["crm_adapter", "crm_hostname", "crm_phone", "crm_platform", "widget_messages"]


@pytest.fixture
def crm_adapter() -> Adapter | None:
    """The adapter under test; override it to test one that is not registered yet."""
    return None


@pytest.fixture
def crm_platform() -> str | None:
    """A registered adapter's name (``"pipedrive"``); override it to bind ``crm_phone``."""
    return None


@pytest.fixture
def crm_hostname() -> str | None:
    """The CRM page's host; by default one the adapter's urlIdentifier matches."""
    return None


@pytest.fixture
def crm_phone(
    crm_adapter: Adapter | None, crm_platform: str | None, crm_hostname: str | None
) -> CrmPhone:
    """A phone on the CRM page, with the extension (and a fresh state) behind it."""
    return CrmPhone(crm_platform, hostname=crm_hostname, adapter=crm_adapter)


@pytest.fixture
def widget_messages() -> dict[str, Any]:
    """A fresh copy of the widget's message shapes (``widget-messages.json``)."""
    return load_widget_messages()
