"""A local HTTPS server for end-to-end tests: the fake CRM page and the fake widget.

Chromium reaches it through ``--host-resolver-rules``, so the CRM page really is
``https://acme.pipedrive.com:PORT/`` as far as the extension can tell.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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
