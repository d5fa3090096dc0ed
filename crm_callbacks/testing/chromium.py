"""The extension in real Chromium, for end-to-end tests and for authors who want to see it pop.

`serve_https` serves a stand-in CRM page (on any host, mapped to loopback) and a fake
RingCentral widget that posts the real widget's messages; `launch_extension` starts
Debian's Chromium (``$CRM_CALLBACKS_CHROMIUM``, default ``/usr/bin/chromium``) with a
built extension loaded, through Playwright for Python; `pop_in_chromium` puts them
together: widget messages in, the tabs the extension opened out::

    from crm_callbacks.testing import ring
    from crm_callbacks.testing.chromium import pop_in_chromium

    opened = pop_in_chromium("build/dist", "acme.zylo.localhost",
                             [ring(contact="42")], expect="https://acme.zylo.localhost/people/42")

Playwright is not a dependency of crm-callbacks: ``pip install playwright`` (the
browser is the system's Chromium, so no ``playwright install``).
"""

from __future__ import annotations

import os
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .._kit import SITE as _SITE_RELATIVE
from .._kit import kit_path
from ..server.tls import self_signed_certificate
from .simulation import as_the_widget_sends

__all__ = [
    "CHROMIUM",
    "SITE",
    "WIDGET_HOST",
    "extension_worker",
    "launch_extension",
    "pop_in_chromium",
    "serve_https",
    "wait_until",
]

CHROMIUM = os.environ.get("CRM_CALLBACKS_CHROMIUM", "/usr/bin/chromium")
WIDGET_HOST = "widget.test"
POP_TIMEOUT_S = 30
BOOT_TIMEOUT_S = 60
"""Set-up waits (Python booted, the CRM in use, the phone's widget): `timeout` is the pop's."""


def _site() -> Path:
    try:
        return kit_path(_SITE_RELATIVE)
    except FileNotFoundError:
        return Path(_SITE_RELATIVE)  # reported when served


SITE = _site()
"""The fake CRM page (``crm.html``) and widget (``widget.html``)."""


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves its site folder; every unknown path on a CRM host gets the CRM page."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        site = Path(self.directory)
        name = path.split("?", 1)[0].lstrip("/")
        return str(site / name) if name and (site / name).is_file() else str(site / "crm.html")


@contextmanager
def serve_https(folder: Path, site: Path | None = None) -> Iterator[int]:
    """Serve `site` (default `SITE`) over HTTPS on a free loopback port; yields the port.

    `folder` receives the self-signed certificate.
    """
    site = site or SITE
    if not (site / "crm.html").is_file():
        raise FileNotFoundError(f"no fake CRM page at {site / 'crm.html'}")
    cert, key = self_signed_certificate(folder, "crm-callbacks-test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site)))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


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


def extension_worker(context: Any) -> Any:
    """The extension's service worker in a context `launch_extension` made (it may start
    after the context does)."""
    if context.service_workers:
        return context.service_workers[0]
    return context.wait_for_event("serviceworker", timeout=15_000)


def pop_in_chromium(
    dist: str | Path,
    host: str,
    messages: Iterable[dict[str, Any]],
    *,
    expect: str | None = None,
    settings: dict[str, Any] | None = None,
    timeout: float = POP_TIMEOUT_S,
    headless: bool = True,
    playwright: Any = None,
) -> list[str]:
    """Open a CRM page on `host` with the extension in `dist` (it becomes the CRM in
    use), post `messages` from the fake widget in the phone page, and return the URLs of
    the tabs the extension opened (the phone page's own tab left out).

    With `expect`, waits until a tab at that URL is open (TimeoutError otherwise);
    without, waits until Python has answered and every message was handled. `host`
    must be one the extension runs on (its adapters' urlIdentifiers). Pass a running
    sync `playwright` driver when the caller already has one (a pytest fixture).
    """
    dist = Path(dist).resolve()
    if not (dist / "manifest.json").is_file():
        raise FileNotFoundError(f"{dist} holds no built extension: run `crm-callbacks build`")
    with (
        tempfile.TemporaryDirectory(prefix="crm-callbacks-chromium-") as tmp,
        serve_https(Path(tmp)) as port,
        _driver(playwright) as driver,
    ):
        rules = [f"MAP {host} 127.0.0.1", f"MAP {WIDGET_HOST} 127.0.0.1"]
        context = launch_extension(driver, dist, Path(tmp) / "profile", rules, headless=headless)
        try:
            worker = extension_worker(context)
            widget_url = f"https://{WIDGET_HOST}:{port}/widget.html"
            worker.evaluate(
                "items => chrome.storage.local.set({crmCallbacksSettings: items})",
                {**(settings or {}), "widgetUrl": widget_url},
            )
            # As a user would: the CRM tab, focused, becomes the CRM in use; the phone
            # page (the side panel's page, here in a tab) hosts the one widget.
            page = context.new_page()
            page.goto(f"https://{host}:{port}/")
            page.bring_to_front()
            wait_until(
                lambda: (
                    (
                        worker.evaluate(
                            "async () => (await chrome.storage.local.get('crmCallbacksCrmInUse'))"
                            ".crmCallbacksCrmInUse"
                        )
                        or {}
                    ).get("hostname")
                    == host
                ),
                timeout,
                f"{host} to become the CRM in use",
            )
            phone = context.new_page()
            phone.goto(f"chrome-extension://{worker.url.split('/')[2]}/phone.html")

            def find_widget() -> Any:
                phone.wait_for_timeout(20)  # lets the sync API take in frame events
                return next((f for f in phone.frames if "/widget.html" in f.url), None)

            widget = wait_until(find_widget, BOOT_TIMEOUT_S, "the widget in the phone page")
            widget.wait_for_function("() => window.widget !== undefined")
            before = set(_tab_urls(worker))
            for message in messages:
                typed = as_the_widget_sends(message, host)  # our contacts carry our type
                widget.evaluate("message => window.widget.post(message)", typed)
            if expect is not None:
                wait_until(lambda: expect in _tab_urls(worker), timeout, f"a tab at {expect}")
            else:
                wait_until(
                    lambda: worker.evaluate(
                        "async () => (await self.crmCallbacks.callOffscreen({type: 'status'}))"
                        ".ready"
                    ),
                    timeout,
                    "Python to boot in the offscreen document",
                )
                time.sleep(1)  # let the last message's actions be carried out
            return [
                url
                for url in _tab_urls(worker)
                if url not in before and not url.startswith("chrome-extension://")
            ]
        finally:
            context.close()


def _driver(running: Any) -> Any:
    """A context manager giving `running`, or a new sync Playwright driver."""
    if running is not None:
        return nullcontext(running)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ImportError(
            "pop_in_chromium needs Playwright for Python: pip install playwright "
            f"(the browser is {CHROMIUM}; no `playwright install` needed)"
        ) from None
    return sync_playwright()


def _tab_urls(worker: Any) -> list[str]:
    return worker.evaluate(
        "async () => (await chrome.tabs.query({})).map(t => t.pendingUrl || t.url)"
    )
