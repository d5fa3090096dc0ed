"""The HTTP side of the local testCRM server: App Connect's API and the demo CRM's pages.

API (JSON): ``POST /apiKeyLogin``, ``GET /contact``, ``GET /callLog``,
``POST /unAuthorize``; every call but the login needs a valid, unrevoked
``jwtToken``. Pages (HTML): the demo CRM the testCRM adapter opens
(``/contacts/<id>``, ``/logs/<id>``, ``/contacts?phone=``) and a demo phone
(``/phone.html``) that posts the RingCentral widget's messages.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import CallbackError
from ..phone import spellings
from ..settings import check_phone_formats
from . import tokens
from .http import AccessLog, HardenedHandler
from .store import Store

DEFAULT_FORMATS = ["(***) ***-****", "***-***-****"]


@dataclass
class ServerConfig:
    """What one server instance serves and accepts."""

    store: Store
    api_key: str
    secret: bytes
    platform: str = "testCRM"
    log: AccessLog = field(default_factory=AccessLog)
    allowed_hosts: frozenset[str] = frozenset()
    """Host names served besides loopback ones (the `Host` check, see `http`)."""


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class Handler(HardenedHandler):
    """One request. `config` is set on a subclass per server (see `make_handler`)."""

    config: ServerConfig
    server_version = "crm-callbacks-testcrm"

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    # --- routing -------------------------------------------------------------------

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        api = API_ROUTES.get((method, url.path))
        try:
            if api is not None:
                self._json(HTTPStatus.OK, api(self, query))
                return
            page = _page_for(method, url.path)
            if page is None:
                raise ApiError(HTTPStatus.NOT_FOUND, f"no {method} {url.path}")
            self._send(HTTPStatus.OK, *page(self, url.path, query))
        except ApiError as error:
            if api is not None:
                self._json(error.status, {"successful": False, "message": str(error)})
            else:
                self._send(
                    error.status,
                    "text/html; charset=utf-8",
                    _html_page("Not found", f"<p>{html.escape(str(error))}</p>"),
                )

    def _send(self, status: HTTPStatus, content_type: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        self._send(status, "application/json", json.dumps(body))

    def _body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.read_body() or b"{}")
        except ValueError:
            raise ApiError(HTTPStatus.BAD_REQUEST, "the body must be JSON") from None
        if not isinstance(body, dict):
            raise ApiError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        return body

    def _session(self, query: dict[str, str]) -> dict[str, Any]:
        token = query.get("jwtToken", "")
        if not token:
            raise ApiError(HTTPStatus.UNAUTHORIZED, "jwtToken is required")
        try:
            claims = tokens.verify(self.config.secret, token)
        except tokens.TokenError as exc:
            raise ApiError(HTTPStatus.UNAUTHORIZED, f"invalid session: {exc}") from None
        if self.config.store.is_revoked(str(claims.get("jti"))):
            raise ApiError(HTTPStatus.UNAUTHORIZED, "this session was logged out")
        return claims

    # --- App Connect API -----------------------------------------------------------

    def api_key_login(self, query: dict[str, str]) -> dict[str, Any]:
        body = self._body()
        platform = body.get("platform")
        if not isinstance(platform, str) or platform.lower() != self.config.platform.lower():
            raise ApiError(
                HTTPStatus.BAD_REQUEST, f"this server serves {self.config.platform} only"
            )
        if body.get("apiKey") != self.config.api_key:
            raise ApiError(HTTPStatus.UNAUTHORIZED, "Invalid API key")
        claims = {
            "platform": self.config.platform,
            "hostname": str(body.get("hostname", "")),
            "rcUserNumber": str(body.get("rcUserNumber", "")),
        }
        token = tokens.issue(self.config.secret, claims)
        return {"successful": True, "message": "Connected", "jwtToken": token, "name": "Demo user"}

    def find_contact(self, query: dict[str, str]) -> dict[str, Any]:
        self._session(query)
        number = query.get("phoneNumber", "").strip()
        if not number:
            raise ApiError(HTTPStatus.BAD_REQUEST, "phoneNumber is required")
        formats = DEFAULT_FORMATS
        if query.get("overridingFormat"):
            try:
                formats = check_phone_formats(query["overridingFormat"])
            except CallbackError as exc:
                raise ApiError(HTTPStatus.BAD_REQUEST, exc.message) from None
        contacts = self.config.store.contacts_by_phone(spellings(number, formats))
        message = f"{len(contacts)} contact(s) found" if contacts else "No contact found"
        return {"successful": True, "message": message, "contact": [c.as_json() for c in contacts]}

    def find_call_logs(self, query: dict[str, str]) -> dict[str, Any]:
        self._session(query)
        session_ids = [s for s in query.get("sessionIds", "").split(",") if s]
        found = self.config.store.logs_for_sessions(session_ids)
        logs = [
            {
                "sessionId": s,
                "matched": s in found,
                "logId": found[s].log_id if s in found else None,
            }
            for s in session_ids
        ]
        return {"successful": True, "logs": logs}

    def unauthorize(self, query: dict[str, str]) -> dict[str, Any]:
        claims = self._session(query)
        self.config.store.revoke(str(claims["jti"]))
        return {"successful": True, "message": "Logged out"}

    # --- the demo CRM's pages ------------------------------------------------------

    def home_page(self, path: str, query: dict[str, str]) -> tuple[str, str]:
        rows = "".join(
            f'<li><a href="/contacts/{html.escape(c.id)}">{html.escape(c.name)}</a> '
            f"— {html.escape(c.phone)} ({html.escape(c.type)})</li>"
            for c in self.config.store.all_contacts()
        )
        return _html(_html_page("TestCRM — contacts", f"<ul>{rows}</ul>"))

    def contact_page(self, path: str, query: dict[str, str]) -> tuple[str, str]:
        if path == "/contacts":
            return self.search_page(query)
        contact = self.config.store.contact(path.removeprefix("/contacts/"))
        if contact is None:
            raise ApiError(HTTPStatus.NOT_FOUND, "no such contact")
        logs = (
            "".join(
                f'<li><a href="/logs/{html.escape(log.log_id)}">{html.escape(log.subject)}</a></li>'
                for log in self.config.store.logs_of_contact(contact.id)
            )
            or "<li>No calls logged yet</li>"
        )
        body = (
            f'<dl><dt>Phone</dt><dd data-field="phone">{html.escape(contact.phone)}</dd>'
            f"<dt>Type</dt><dd>{html.escape(contact.type)}</dd>"
            f"<dt>Company</dt><dd>{html.escape(contact.company)}</dd></dl>"
            f"<h2>Calls</h2><ul>{logs}</ul>"
        )
        return _html(_html_page(contact.name, body, contact_id=contact.id))

    def search_page(self, query: dict[str, str]) -> tuple[str, str]:
        number = query.get("phone", "")
        found = self.config.store.contacts_by_phone(spellings(number, DEFAULT_FORMATS))
        rows = (
            "".join(
                f'<li><a href="/contacts/{html.escape(c.id)}">{html.escape(c.name)}</a></li>'
                for c in found
            )
            or "<li>No contact has this number. Create one?</li>"
        )
        return _html(_html_page(f"Search: {number}", f"<ul>{rows}</ul>"))

    def log_page(self, path: str, query: dict[str, str]) -> tuple[str, str]:
        log = self.config.store.log(path.removeprefix("/logs/"))
        if log is None:
            raise ApiError(HTTPStatus.NOT_FOUND, "no such call log")
        body = (
            f"<p>{html.escape(log.note)}</p><p>Session {html.escape(log.session_id)} · "
            f'<a href="/contacts/{html.escape(log.contact_id)}">contact</a></p>'
        )
        return _html(_html_page(log.subject, body))

    def static_file(self, path: str, query: dict[str, str]) -> tuple[str, str]:
        name = path.lstrip("/")
        kind = "text/html; charset=utf-8" if name.endswith(".html") else "text/javascript"
        return kind, resources.files(__package__).joinpath("static", name).read_text()


API_ROUTES = {
    ("POST", "/apiKeyLogin"): Handler.api_key_login,
    ("GET", "/contact"): Handler.find_contact,
    ("GET", "/callLog"): Handler.find_call_logs,
    ("POST", "/unAuthorize"): Handler.unauthorize,
}
PAGE_ROUTES = [
    (re.compile(r"/"), Handler.home_page),
    (re.compile(r"/contacts(/[^/]+)?"), Handler.contact_page),
    (re.compile(r"/logs/[^/]+"), Handler.log_page),
    (re.compile(r"/phone\.(html|js)"), Handler.static_file),
]


def _page_for(method: str, path: str) -> Any:
    if method != "GET":
        return None
    return next((page for pattern, page in PAGE_ROUTES if pattern.fullmatch(path)), None)


def _html(body: str) -> tuple[str, str]:
    return "text/html; charset=utf-8", body


def _html_page(title: str, body: str, *, contact_id: str | None = None) -> str:
    marker = f' data-contact-id="{html.escape(contact_id)}"' if contact_id else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · TestCRM</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1f2328}}
header{{background:#0b5cad;color:#fff;padding:10px 24px;font-weight:600}}
main{{max-width:720px;padding:16px 24px}} dt{{font-weight:600}} dd{{margin:0 0 8px}}
a{{color:#0b5cad}}</style></head>
<body><header><a href="/" style="color:#fff;text-decoration:none">TestCRM</a></header>
<main{marker}><h1>{html.escape(title)}</h1>{body}</main></body></html>"""


def make_handler(config: ServerConfig) -> type[Handler]:
    """A handler class bound to `config` (http.server builds one handler per request)."""
    bound = {"config": config, "access_log": config.log, "extra_hosts": config.allowed_hosts}
    return type("BoundHandler", (Handler,), bound)
