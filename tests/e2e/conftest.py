"""End-to-end fixtures: build/dist loaded into Debian's Chromium, driven by Playwright.

Each test gets a fresh browser profile (so Python boots from cold), a fake CRM page at
``https://acme.pipedrive.com:PORT/`` and a fake widget at ``https://widget.test:PORT/``,
both served by `server.serve_https` through ``--host-resolver-rules``.

The widget runs in the phone page, ``chrome-extension://<id>/phone.html``, opened in a
tab as the side panel would show it (headless Chromium has no side panel). That tab is
left out of `ExtensionBrowser.tab_urls` so tests count only the tabs the extension opened.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import extension_worker, launch_extension, serve_https, wait_until

ROOT = Path(__file__).resolve().parents[2]
DIST = Path(os.environ.get("CRM_CALLBACKS_DIST", ROOT / "build" / "dist"))
CRM_HOST = "acme.pipedrive.com"
WIDGET_HOST = "widget.test"
OTHER_HOST = "evil.test"  # serves the same pages from an origin the extension must not trust
MAPPED_HOSTS = (CRM_HOST, "app.bullhornstaffing.com", WIDGET_HOST, OTHER_HOST)
PYTHON_READY_TIMEOUT_S = 30
WIDGET_PATH = "/widget.html"

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def widget_frame(page: Any, timeout: float = PYTHON_READY_TIMEOUT_S) -> Any:
    """The fake widget's frame inside `page` (found by URL: it may sit in a closed shadow root)."""

    def find() -> Any:
        page.wait_for_timeout(20)  # lets Playwright's sync API take in the frame events
        return next((f for f in page.frames if f.url.split("?")[0].endswith(WIDGET_PATH)), None)

    frame = wait_until(
        find,
        timeout=timeout,
        what=f"the widget frame in {page.url}",
    )
    frame.wait_for_function("() => window.widget !== undefined")
    return frame


class CrmPage:
    """A CRM tab and the phone's widget; posts as the widget or as the CRM page itself.

    `widget` is the widget in the phone page, or (`in_page`) the one embedded in this tab.
    """

    def __init__(self, page: Any, phone: Any, *, in_page: bool = False) -> None:
        self.page = page
        self.phone = phone
        self.widget = widget_frame(page if in_page else phone)

    def post_from_widget(self, message: dict[str, Any]) -> None:
        self.widget.evaluate("message => window.widget.post(message)", message)

    def post_from_page(self, message: dict[str, Any]) -> None:
        self.page.evaluate("message => window.postMessage(message, '*')", message)

    def notices(self) -> list[str]:
        """Texts of the notices the extension showed on the phone page."""
        return self.phone.eval_on_selector_all(
            "[data-crm-callbacks-notice]", "nodes => nodes.map(n => n.textContent)"
        )

    def received(self) -> list[dict[str, Any]]:
        """Everything the extension posted to the widget so far."""
        return self.widget.evaluate("() => window.widget.received")

    def wait_for_received(self, predicate: Callable[[dict[str, Any]], bool], what: str) -> Any:
        return wait_until(
            lambda: next((m for m in self.received() if predicate(m)), None),
            timeout=PYTHON_READY_TIMEOUT_S,
            what=what,
        )


class ExtensionBrowser:
    """Chromium with the extension loaded; reads tabs and Python's status from the worker."""

    def __init__(self, context: Any, worker: Any, port: int) -> None:
        self.context = context
        self.worker = worker
        self.port = port
        self._seen_urls: dict[int, str] = {}
        self._phone: Any = None
        self.widget_loads: list[str] = []  # every request for the widget app, any page
        context.on(
            "request",
            lambda r: self.widget_loads.append(r.url) if "/widget.html" in r.url else None,
        )

    @property
    def extension_id(self) -> str:
        return self.worker.url.split("/")[2]

    @property
    def phone_url(self) -> str:
        return f"chrome-extension://{self.extension_id}/phone.html"

    def open_phone(self, query: str = "") -> Any:
        """The phone page in a tab (as the side panel shows it); opened once, then reused."""
        if self._phone is None or self._phone.is_closed():
            self._phone = self.context.new_page()
            self._phone.goto(self.phone_url + query)
            widget_frame(self._phone)
        return self._phone

    def crm_in_use(self) -> dict[str, Any] | None:
        return self.storage().get("crmCallbacksCrmInUse")

    def focus(self, page: Any, *, wait: bool = True) -> None:
        """Bring `page` (a CRM tab) to front and (`wait`) until it is the CRM in use."""
        page.bring_to_front()
        if not wait:
            return  # Python decides the CRM in use: it cannot while it is down
        host = page.url.split("/")[2].split(":")[0]
        wait_until(
            lambda: (self.crm_in_use() or {}).get("hostname") == host,
            timeout=PYTHON_READY_TIMEOUT_S,
            what=f"{host} to be the CRM in use",
        )

    def evaluate(self, script: str, arg: Any = None) -> Any:
        """Evaluate in the service worker, again if Chrome restarted it meanwhile."""
        for attempt in range(3):
            try:
                return self.worker.evaluate(script, arg)
            except Exception as error:  # playwright's Error; only a restart is retried
                if "Service worker restarted" not in str(error) or attempt == 2:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def open_crm(
        self,
        path: str = "/deal/1",
        host: str = CRM_HOST,
        *,
        in_page: bool = False,
        python_up: bool = True,
    ) -> CrmPage:
        """Open and focus a CRM tab (the CRM in use); `in_page`: its own embedded widget.

        `python_up=False` (Python cannot start): the tab is not waited for as the CRM in
        use; Python takes it in once it starts.
        """
        phone = self.open_phone()
        page = self.context.new_page()
        page.goto(f"https://{host}:{self.port}{path}")
        self.focus(page, wait=python_up)
        return CrmPage(page, phone, in_page=in_page)

    def storage(self) -> dict[str, Any]:
        return self.evaluate("() => chrome.storage.local.get(null)")

    def set_storage(self, items: dict[str, Any]) -> None:
        self.evaluate("items => chrome.storage.local.set(items)", items)

    def secrets(self) -> dict[str, Any]:
        """The session secrets (token, issuing server), kept out of chrome.storage.local."""
        return self.evaluate("() => self.crmCallbacks.secrets.readSecrets()")

    def set_secrets(self, items: dict[str, Any]) -> None:
        self.evaluate("items => self.crmCallbacks.secrets.writeSecrets(items)", items)

    def set_settings(self, **changes: Any) -> None:
        """Change stored settings (as the options page would), keeping the others."""
        self.evaluate(
            """async changes => {
                const {crmCallbacksSettings: current = {}} =
                    await chrome.storage.local.get('crmCallbacksSettings');
                await chrome.storage.local.set({crmCallbacksSettings: {...current, ...changes}});
            }""",
            changes,
        )

    def popup_urls(self) -> list[str]:
        return self.evaluate(
            """async () => (await chrome.windows.getAll({populate: true, windowTypes: ['popup']}))
                .flatMap(w => w.tabs.map(t => t.pendingUrl || t.url))"""
        )

    def tab_urls(self) -> list[str]:
        """The URL of every open tab, one entry per tab.

        A tab's URL reads empty for a moment while a navigation that fails offline
        commits its error page: the last URL seen for that tab is kept instead.
        """
        deadline = time.monotonic() + 2
        while True:
            tabs = self.evaluate(
                """async phone => (await chrome.tabs.query({}))
                    .map(t => [t.id, t.pendingUrl || t.url])
                    .filter(([, url]) => !(url || '').startsWith(phone))""",
                self.phone_url,
            )
            for tab_id, url in tabs:
                if url:
                    self._seen_urls[tab_id] = url
            unknown = [tab_id for tab_id, _ in tabs if tab_id not in self._seen_urls]
            if not unknown or time.monotonic() > deadline:
                return [self._seen_urls.get(tab_id, url) for tab_id, url in tabs]
            time.sleep(0.05)  # a tab just created, before its URL is known

    def wait_for_tab(self, url: str, timeout: float = PYTHON_READY_TIMEOUT_S) -> None:
        wait_until(lambda: url in self.tab_urls(), timeout=timeout, what=f"a tab at {url}")

    def stop_service_worker(self) -> None:
        """Terminate the extension's service worker, as Chrome does when it is idle.

        The next extension event starts a new one; `worker` keeps driving it.
        """
        page = self.context.pages[0] if self.context.pages else self.context.new_page()
        session = self.context.new_cdp_session(page)
        targets = session.send("Target.getTargets")["targetInfos"]
        for target in targets:
            if target["type"] == "service_worker" and target["url"] == self.worker.url:
                session.send("Target.closeTarget", {"targetId": target["targetId"]})
        session.detach()

    def worker_started_at(self) -> float:
        """When the running service worker started (changes when it is restarted)."""
        return self.evaluate("() => performance.timeOrigin")

    def badge(self) -> str:
        return self.evaluate("() => chrome.action.getBadgeText({})")

    def offscreen_status(self) -> dict[str, Any]:
        return self.evaluate("() => self.crmCallbacks.callOffscreen({type: 'status'})")

    def wait_for_python(self) -> dict[str, Any]:
        return wait_until(
            lambda: (status := self.offscreen_status()).get("ready") and status,
            timeout=PYTHON_READY_TIMEOUT_S,
            what="Python to boot in the offscreen document",
        )

    def close_offscreen(self) -> None:
        self.evaluate(
            "async () => { if (await chrome.offscreen.hasDocument()) "
            "await chrome.offscreen.closeDocument(); }"
        )


@pytest.fixture
def dist(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """build/dist, or (parametrized indirectly) a copy of it changed by the parameter."""
    if not (DIST / "manifest.json").is_file():
        pytest.fail(f"{DIST} has no built extension: run `python scripts/build.py` first")
    change = getattr(request, "param", None)
    if change is None:
        return DIST
    copy = tmp_path / "dist"
    shutil.copytree(DIST, copy)
    change(copy)
    return copy


@pytest.fixture(scope="session")
def site_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with serve_https(tmp_path_factory.mktemp("tls")) as port:
        yield port


@pytest.fixture
def testcrm_server() -> Iterator[Any]:
    """The bundled testCRM server on a free loopback port, seeded with the demo data."""
    from crm_callbacks.server import running

    with running(port=0) as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(
    playwright: Any, dist: Path, site_port: int, tmp_path: Path
) -> Iterator[ExtensionBrowser]:
    rules = [f"MAP {host} 127.0.0.1" for host in MAPPED_HOSTS] + ["MAP *.localhost 127.0.0.1"]
    context = launch_extension(playwright, dist, tmp_path / "profile", rules)
    try:
        worker = extension_worker(context)
        widget_url = f"https://{WIDGET_HOST}:{site_port}/widget.html"
        worker.evaluate(
            "url => chrome.storage.local.set({crmCallbacksSettings: {widgetUrl: url}})",
            widget_url,
        )
        yield ExtensionBrowser(context, worker, site_port)
    finally:
        context.close()
