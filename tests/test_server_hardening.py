"""Issue 13, the bundled testCRM server under abuse: each check of that section, over
raw sockets on loopback (what a hostile page or a broken client would send)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from crm_callbacks.server import DEFAULT_API_KEY, RunningServer, http, running


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    monkeypatch.setattr(http.HardenedHandler, "timeout", 1.0)
    with running(port=0, allowed_hosts=["crm.example.test"], max_connections=4) as started:
        yield started


def exchange(server: RunningServer, raw: bytes, *, wait_s: float = 5.0) -> bytes:
    """Send `raw` and read until the server closes; b"" if it closed without a word."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait_s) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def status_of(answer: bytes) -> int:
    assert answer, "the server dropped the connection without an answer"
    return int(answer.split(b" ", 2)[1])


def get(path: str, host: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


@pytest.mark.parametrize("host", ["evil.com", "evil.com:6066", "127.0.0.1.nip.io", ""])
def test_a_foreign_host_header_is_refused(server, host):
    answer = exchange(server, get("/", host))
    assert status_of(answer) == 421 and b"Jane Doe" not in answer


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:6066", "localhost:1", "demo.testcrm.localhost", "[::1]:6066"]
)
def test_loopback_and_configured_hosts_are_served(server, host):
    answer = exchange(server, get("/", host))
    assert status_of(answer) == 200 and b"Jane Doe" in answer
    assert status_of(exchange(server, get("/", "crm.example.test:443"))) == 200


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "0x10", "5, 5"])
def test_a_malformed_content_length_is_a_400_not_a_dropped_connection(server, length):
    request = (
        f"POST /apiKeyLogin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n\r\n"
        + "x" * 100
    )
    answer = exchange(server, request.encode())
    assert status_of(answer) == 400
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["successful"] is False


def test_a_huge_body_is_refused_with_413_without_being_read(server):
    started = time.monotonic()
    head = b"POST /apiKeyLogin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 40000000\r\n\r\n"
    answer = exchange(server, head)  # the 40 MB never come: the answer must not wait
    assert status_of(answer) == 413
    assert time.monotonic() - started < 0.9  # under the read timeout: nothing was read


def test_a_chunked_body_is_refused(server):
    head = b"POST /apiKeyLogin HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert status_of(exchange(server, head + b"0\r\n\r\n")) == 501


def test_a_half_sent_request_is_closed_after_the_read_timeout(server):
    started = time.monotonic()
    answer = exchange(server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", wait_s=10)
    assert time.monotonic() - started < 5 and b"Jane Doe" not in answer


def test_connections_beyond_the_cap_are_turned_away_without_a_thread(server):
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(4)]
    try:
        for sock in idle:
            sock.sendall(b"GET / HTTP/1.1\r\n")  # half-sent: each holds a handler
        time.sleep(0.3)
        answer = exchange(server, get("/", "127.0.0.1"))
        assert status_of(answer) == 503
        assert threading.active_count() <= before + 4
    finally:
        for sock in idle:
            sock.close()
    time.sleep(1.5)  # the half-sent ones time out and free their slots
    assert status_of(exchange(server, get("/", "127.0.0.1"))) == 200


def test_the_access_log_is_bounded_and_never_holds_a_session_token(server):
    login = json.dumps({"platform": "testCRM", "apiKey": DEFAULT_API_KEY}).encode()
    head = (
        b"POST /apiKeyLogin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + f"Content-Length: {len(login)}\r\n\r\n".encode()
    )
    body = exchange(server, head + login).split(b"\r\n\r\n", 1)[1]
    token = json.loads(body)["jwtToken"]
    exchange(server, get(f"/contact?jwtToken={token}&phoneNumber=%2B16505550100", "127.0.0.1"))
    assert server.config.log and not any(token in line for line in server.config.log)
    assert any("jwtToken=[redacted]" in line for line in server.config.log)
    for _ in range(http.ACCESS_LOG_LINES + 10):
        server.config.log.append("GET /x")
    assert len(server.config.log) == http.ACCESS_LOG_LINES


def test_redaction_covers_every_spelling_of_the_token_parameter():
    line = '"GET /callLog?sessionIds=1&JWTTOKEN=abc.def.ghi&x=1 HTTP/1.1" 200 -'
    assert "abc" not in http.redact(line) and "x=1" in http.redact(line)
