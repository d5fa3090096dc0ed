"""The HTTP layer of the local testCRM server, hardened for a tool that listens on a port.

Standard library only. What it guarantees, before any route runs:

* **Host check** (DNS rebinding): a request is served only when its ``Host`` is a
  loopback name or address (``localhost``, ``*.localhost``, 127.0.0.0/8, ``[::1]``) or
  one of the hosts the server was started with; otherwise 421, nothing read.
* **Bodies**: ``Content-Length`` must be plain decimal digits (400 otherwise, never a
  dropped connection), at most `MAX_BODY_BYTES` (413, the body left unread), and
  ``Transfer-Encoding`` is refused (501); the connection closes after any refusal.
* **Time**: every socket read times out after `READ_TIMEOUT_S`, so a half-sent
  request (or TLS handshake) is closed instead of holding a thread.
* **Concurrency**: at most `MAX_CONNECTIONS` connections are served at once; one
  more is answered 503 and closed at once, without a thread.
* **Access log**: the last `ACCESS_LOG_LINES` lines only, with session tokens
  (``jwtToken=…`` in a query) replaced by ``[redacted]``.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections import deque
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..urls import is_loopback

MAX_BODY_BYTES = 1024 * 1024
READ_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 32
ACCESS_LOG_LINES = 1000
_DIGITS = re.compile(r"[0-9]{1,16}")
_TOKEN_IN_QUERY = re.compile(r"(?i)(jwtToken=)[^&\s\"]*")
_HOST_HEADER = re.compile(r"(\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::([0-9]{1,5}))?")


def redact(line: str) -> str:
    """`line` with every ``jwtToken=`` value replaced: the log never holds a session."""
    return _TOKEN_IN_QUERY.sub(r"\1[redacted]", line)


class AccessLog(deque[str]):
    """The last `ACCESS_LOG_LINES` request lines, tokens redacted."""

    def __init__(self, lines: int = ACCESS_LOG_LINES) -> None:
        super().__init__(maxlen=lines)

    def append(self, line: str) -> None:
        super().append(redact(line))


def host_allowed(header: str | None, extra_hosts: Iterable[str] = ()) -> bool:
    """True when a ``Host`` header names loopback or one of `extra_hosts` (any port)."""
    if not header:
        return False
    match = _HOST_HEADER.fullmatch(header.strip().lower())
    if match is None:
        return False
    host = match.group(1)
    return is_loopback(host) or host in {h.lower() for h in extra_hosts}


class BoundedThreadingHTTPServer(ThreadingHTTPServer):
    """`ThreadingHTTPServer` with at most `max_connections` handler threads at once."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Any, *, max_connections: int) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._turn_away(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _turn_away(self, request: socket.socket) -> None:
        try:
            request.settimeout(0.5)
            request.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                b"Connection: close\r\nRetry-After: 1\r\n\r\n"
            )
        except OSError:
            pass
        self.shutdown_request(request)


class HardenedHandler(BaseHTTPRequestHandler):
    """Checks `Host`, ``Content-Length`` and body size before a route runs.

    Subclasses set `extra_hosts` and `access_log`, and read bodies with `read_body`.
    """

    timeout = READ_TIMEOUT_S  # StreamRequestHandler applies it to every socket read
    max_body_bytes = MAX_BODY_BYTES
    extra_hosts: frozenset[str] = frozenset()
    access_log: AccessLog

    def parse_request(self) -> bool:
        """http.server's parse, then the layer's checks; False when refused (answered)."""
        if not super().parse_request():
            return False
        if not host_allowed(self.headers.get("Host"), self.extra_hosts):
            self.refuse(HTTPStatus.MISDIRECTED_REQUEST, "this server answers loopback hosts only")
            return False
        if self.headers.get("Transfer-Encoding") is not None:
            self.refuse(HTTPStatus.NOT_IMPLEMENTED, "Transfer-Encoding is not supported")
            return False
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1 or (lengths and not _DIGITS.fullmatch(lengths[0].strip())):
            self.refuse(HTTPStatus.BAD_REQUEST, "Content-Length must be one decimal number")
            return False
        if lengths and int(lengths[0]) > self.max_body_bytes:
            self.refuse(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body is over {self.max_body_bytes} bytes",
            )
            return False
        return True

    def read_body(self) -> bytes:
        """The request body, whose length `parse_request` has checked."""
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer `status` with a JSON error and close the connection (the body, if
        any, is never read, so nothing of it can be taken for a next request)."""
        data = json.dumps({"successful": False, "message": message}).encode()
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        self.access_log.append(format % args)
