"""A local HTTPS server for end-to-end tests: the fake CRM page and the fake widget.

Chromium reaches it through ``--host-resolver-rules``, so the CRM page really is
``https://acme.pipedrive.com:PORT/`` as far as the extension can tell.
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from crm_callbacks.server.tls import self_signed_certificate

SITE = Path(__file__).parent / "site"


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves `SITE`; every unknown path on a CRM host gets the CRM page."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        name = path.split("?", 1)[0].lstrip("/")
        return str(SITE / name) if name and (SITE / name).is_file() else str(SITE / "crm.html")


@contextmanager
def serve_https(folder: Path) -> Iterator[int]:
    """Serve `SITE` over HTTPS on a free loopback port; yields the port."""
    cert, key = self_signed_certificate(folder, "crm-callbacks-test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(SITE)))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


CHROMIUM = os.environ.get("CRM_CALLBACKS_CHROMIUM", "/usr/bin/chromium")


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `check` until it returns something truthy; TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def launch_extension(
    playwright: Any,
    dist: Path,
    profile: Path,
    resolver_rules: list[str],
    *,
    headless: bool = True,
    **options: Any,
) -> Any:
    """Debian's Chromium with the extension in `dist` loaded (a persistent context).

    `resolver_rules` map test hosts to loopback; every other name fails at once
    (``MAP * ~NOTFOUND``: offline, Chromium would stall seconds on DNS), loopback
    addresses stay reachable. The other flags keep it quiet on a closed network.
    """
    rules = ", ".join([*resolver_rules, "MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1"])
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=headless,
        args=[
            f"--disable-extensions-except={dist}",
            f"--load-extension={dist}",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--ignore-certificate-errors",
            f"--host-resolver-rules={rules}",
        ],
        **options,
    )
