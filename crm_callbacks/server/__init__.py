"""A local testCRM server: App Connect's adapter-server API over SQLite, plus the demo
CRM's pages. Loopback only by default; it refuses API calls without a valid session.

Not imported by `crm_callbacks` itself: the callbacks stay free of I/O, this is a
separate program (``crm-callbacks-server`` / ``python -m crm_callbacks.server``).
"""

from __future__ import annotations

import secrets
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .app import ServerConfig, make_handler
from .http import MAX_CONNECTIONS, BoundedThreadingHTTPServer
from .store import Store

DEFAULT_PORT = 6066
DEFAULT_API_KEY = "testcrm-demo-key"


@dataclass
class RunningServer:
    """A server serving in a background thread."""

    httpd: BoundedThreadingHTTPServer
    config: ServerConfig
    thread: threading.Thread
    scheme: str

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.httpd.server_address[0]}:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def start(
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    store: Store | None = None,
    api_key: str = DEFAULT_API_KEY,
    secret: bytes | None = None,
    tls: tuple[Path, Path] | None = None,
    allowed_hosts: Iterable[str] = (),
    max_connections: int = MAX_CONNECTIONS,
) -> RunningServer:
    """Serve in a daemon thread; `tls` is (certificate, key) for HTTPS.

    Requests whose ``Host`` is neither loopback nor in `allowed_hosts` are refused
    (DNS rebinding); see `crm_callbacks.server.http` for the other limits.
    """
    config = ServerConfig(
        store or Store(),
        api_key,
        secret or secrets.token_bytes(32),
        allowed_hosts=frozenset(h.lower() for h in allowed_hosts),
    )
    httpd = BoundedThreadingHTTPServer(
        (host, port), make_handler(config), max_connections=max_connections
    )
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        # The handshake runs in the handler's thread, under its read timeout, not in
        # the accept loop, where one silent client would stall every other.
        httpd.socket = context.wrap_socket(
            httpd.socket, server_side=True, do_handshake_on_connect=False
        )
    thread = threading.Thread(target=httpd.serve_forever, name="testcrm-server", daemon=True)
    thread.start()
    return RunningServer(httpd, config, thread, "https" if tls else "http")


@contextmanager
def running(**options: object) -> Iterator[RunningServer]:
    """`start` as a context manager that always stops the server."""
    server = start(**options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


__all__ = ["DEFAULT_API_KEY", "DEFAULT_PORT", "RunningServer", "Store", "running", "start"]
