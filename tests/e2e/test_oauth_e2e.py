"""OAuth sign-in end to end: chrome.identity.launchWebAuthFlow, a stand-in OAuth provider on
loopback (authorize page + token endpoint) and App Connect's real server core exchanging the
code at ``/oauth-callback``. The platform's ``auth.oauth`` comes from a CRM manifest.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.conftest import widget_message
from tests.e2e.conftest import DIST, ExtensionBrowser, wait_until

HOST = "acme.testcrm.localhost"
AUTH_HOST = "auth.testcrm.localhost"  # mapped to 127.0.0.1 by the harness's *.localhost rule
CLIENT_ID, CLIENT_SECRET, CODE = "demo-client", "demo-secret", "code-123"


class Provider(BaseHTTPRequestHandler):
    """The CRM's OAuth: /authorize redirects with a code, /token exchanges it."""

    seen: list[dict[str, Any]]

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.seen.append({"path": url.path, **query})
        target = f"{query['redirect_uri']}?{urlencode({'code': CODE, 'state': query['state']})}"
        self.send_response(302)
        self.send_header("Location", target)
        self.end_headers()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.seen.append({"path": "/token", **form})
        ok = form.get("code") == CODE
        body = (
            {"access_token": "crm-access", "refresh_token": "crm-refresh", "expires_in": 3600}
            if ok
            else {"error": "invalid_grant"}
        )
        data = json.dumps({**body, "token_type": "bearer"}).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("P", (Provider,), {"seen": seen}))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_address[1], seen
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def oauth_core(provider: tuple[int, list[dict[str, Any]]]) -> Iterator[Any]:
    from scripts.appconnect import realcore

    if not realcore.installed():
        pytest.skip("the real App Connect core is not installed: run scripts/dev.sh build")
    port, _ = provider
    env = {
        "TESTCRM_OAUTH_TOKEN_URL": f"http://127.0.0.1:{port}/token",
        "TESTCRM_OAUTH_CLIENT_ID": CLIENT_ID,
        "TESTCRM_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        # client-oauth2 checks that the callback's path is the configured redirect's path
        "TESTCRM_OAUTH_REDIRECT_URI": "https://extension.chromiumapp.org/",
    }
    with realcore.running(env=env) as core:
        yield core


def write_oauth_manifest(dist: Path, provider_port: int) -> None:
    """Make testCRM an OAuth platform in this copy of the extension (a runtime CRM manifest)."""
    manifest = {
        "platforms": {
            "testCRM": {
                "auth": {
                    "type": "oauth",
                    "oauth": {
                        "authUrl": f"http://{AUTH_HOST}:{provider_port}/authorize",
                        "clientId": CLIENT_ID,
                    },
                }
            }
        }
    }
    (dist / "crm-manifest.json").write_text(json.dumps(manifest))
    config = json.loads((dist / "config.json").read_text())
    config["crmManifest"] = "crm-manifest.json"
    (dist / "config.json").write_text(json.dumps(config))


@pytest.fixture
def dist(provider: tuple[int, list[dict[str, Any]]], tmp_path: Path) -> Path:
    """build/dist with a CRM manifest that makes testCRM an OAuth platform."""
    copy = tmp_path / "dist"
    shutil.copytree(DIST, copy)
    write_oauth_manifest(copy, provider[0])
    return copy


def test_oauth_sign_in_through_the_browser_and_the_servers_oauth_callback(
    browser: ExtensionBrowser, oauth_core: Any, provider: tuple[int, list[dict[str, Any]]]
):
    _, seen = provider
    browser.set_settings(serverUrl=oauth_core.url)
    crm = browser.open_crm(host=HOST)
    crm.post_from_widget(widget_message("login_status"))
    crm.post_from_widget(widget_message("request_authorize_toggle"))
    wait_until(
        lambda: any(
            m.get("type") == "rc-adapter-update-authorization-status" and m["authorized"]
            for m in crm.received()
        ),
        timeout=30,
        what="authorized: true after the OAuth sign-in",
    )
    authorize, token = seen[0], seen[1]
    assert authorize["path"] == "/authorize" and authorize["client_id"] == CLIENT_ID
    assert authorize["response_type"] == "code" and authorize["state"] == "platform=testCRM"
    assert urlsplit(authorize["redirect_uri"]).hostname.endswith(".chromiumapp.org")
    assert token["path"] == "/token" and token["code"] == CODE
    stored = browser.evaluate("() => self.crmCallbacks.secrets.readSecrets()")
    assert stored["rcUnifiedCrmExtJwt"].count(".") == 2
    assert stored["crmCallbacksSessionServer"] == oauth_core.url
    # the OAuth session looks up contacts like any other
    crm.post_from_widget(
        widget_message(
            "active_call_ringing_inbound",
            sessionId="oauth-1",
            **{"from": {"phoneNumber": "+16505550123"}},
        )
    )
    browser.wait_for_tab(f"https://{HOST}/contacts/43")
