"""The e2e harness lives in the package (`crm_callbacks.testing.chromium`), so an adapter
author can use it from a pip install; this module keeps the names the tests import."""

from __future__ import annotations

from crm_callbacks.testing.chromium import (
    CHROMIUM,
    SITE,
    QuietHandler,
    extension_worker,
    launch_extension,
    serve_https,
    wait_until,
)

__all__ = [
    "CHROMIUM",
    "SITE",
    "QuietHandler",
    "extension_worker",
    "launch_extension",
    "serve_https",
    "wait_until",
]
