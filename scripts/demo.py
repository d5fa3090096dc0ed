#!/usr/bin/env python3
"""The end-to-end demo: a simulated incoming call opens the caller's record in the CRM.

It starts the bundled testCRM server (App Connect API on loopback, and the demo CRM
site over HTTPS as ``https://demo.testcrm.localhost``), opens Debian's Chromium with
``build/dist`` loaded (headless without a display, headed with one), opens the CRM in a
tab (it becomes the CRM in use) and the extension's phone page (``phone.html``, which
Chrome shows in its side panel from the toolbar button; here in a tab), connects to the
server with an API key through the demo phone, simulates an incoming call from
(650) 555-0123 and shows the contact page the extension opens: its URL is printed and
two screenshots saved, the contact page and the phone beside it.

    python scripts/demo.py [--dist build/dist] [--out build/demo] [--headed] [--docs-image]
                           [--server python|app-connect]

``--server app-connect`` answers the API from App Connect's real server core
(scripts/appconnect) instead of the bundled Python server; the CRM site stays the same.
``--docs-image`` also writes the phone-beside-the-CRM picture to `DOCS_IMAGE` (README).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm_callbacks.server import DEFAULT_API_KEY, Store, start  # noqa: E402
from crm_callbacks.server.tls import self_signed_certificate  # noqa: E402
from crm_callbacks.testing.chromium import extension_worker, launch_extension  # noqa: E402

CRM_HOST = "demo.testcrm.localhost"
CALLER = "+16505550123"
EXPECTED_CONTACT = f"https://{CRM_HOST}/contacts/43"
DOCS_IMAGE = ROOT / "docs" / "images" / "phone-beside-crm.png"
PHONE_SIZE = {"width": 400, "height": 720}
CRM_SIZE = {"width": 960, "height": 720}


def step(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise SystemExit(f"[demo] error: timed out after {timeout:.0f} s waiting for {what}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "build" / "dist")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "demo")
    parser.add_argument("--headed", action="store_true", help="show the browser (needs a display)")
    parser.add_argument(
        "--server",
        choices=["python", "app-connect"],
        default="python",
        help="which App Connect server answers: the bundled Python one or the real core",
    )
    parser.add_argument(
        "--docs-image", action="store_true", help=f"also save the picture as {DOCS_IMAGE}"
    )
    args = parser.parse_args(argv)
    if not (args.dist / "manifest.json").is_file():
        raise SystemExit(f"[demo] error: no extension in {args.dist}: run scripts/build.py first")
    from playwright.sync_api import sync_playwright

    headed = args.headed or bool(os.environ.get("DISPLAY"))
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as servers:
        store = Store()
        api = start(port=0, store=store)
        api_url = api.url
        if args.server == "app-connect":
            from scripts.appconnect import realcore

            api_url = servers.enter_context(realcore.running()).url
            step(f"App Connect's real server core: {api_url}")
        site = start(
            port=0,
            store=store,
            secret=api.config.secret,
            tls=self_signed_certificate(Path(scratch), CRM_HOST),
        )
        step(f"API {api_url}, CRM site https://{CRM_HOST} (→ port {site.port})")
        try:
            with sync_playwright() as playwright:
                context = launch_extension(
                    playwright,
                    args.dist,
                    Path(scratch) / "profile",
                    [f"MAP {CRM_HOST} 127.0.0.1:{site.port}"],
                    headless=not headed,
                    viewport={"width": 1200, "height": 800},
                )
                run_demo(context, api_url, args.out, DOCS_IMAGE if args.docs_image else None)
                context.close()
        finally:
            site.stop()
            api.stop()
    return 0


def run_demo(context: Any, server_url: str, out: Path, docs_image: Path | None) -> None:
    worker = extension_worker(context)
    step(f"Chromium {context.browser.version if context.browser else ''} loaded the extension")
    settings = {"serverUrl": server_url, "widgetUrl": f"https://{CRM_HOST}/phone.html"}
    worker.evaluate("s => chrome.storage.local.set({crmCallbacksSettings: s})", settings)

    crm = context.new_page()
    crm.set_viewport_size(CRM_SIZE)
    crm.goto(f"https://{CRM_HOST}/")
    crm.bring_to_front()
    in_use = wait_for(
        lambda: worker.evaluate(
            "async () => (await chrome.storage.local.get('crmCallbacksCrmInUse'))"
            ".crmCallbacksCrmInUse"
        ),
        "the CRM tab to become the CRM in use",
    )
    step(f"CRM tab https://{CRM_HOST}/ focused: calls pop on {in_use['displayName']}")

    extension_id = worker.url.split("/")[2]
    phone_page = context.new_page()
    phone_page.set_viewport_size(PHONE_SIZE)
    phone_page.goto(f"chrome-extension://{extension_id}/phone.html")
    phone_page.wait_for_selector("#widget-host iframe")
    phone = phone_page.frame_locator("#widget-host iframe")
    phone.locator("#sign-in").wait_for()
    header = phone_page.text_content("#crm-in-use").strip()
    step(f"the phone page (the side panel's page) hosts the one phone; its header: {header!r}")

    phone.locator("#sign-in").click()
    phone.locator("input[name=apiKey]").fill(DEFAULT_API_KEY)
    phone.locator("form button[type=submit]").click()
    wait_for(
        lambda: worker.evaluate(
            "async () => (await self.crmCallbacks.secrets.readSecrets()).rcUnifiedCrmExtJwt"
        ),
        "the sign-in to the testCRM server",
    )
    step(f"connected to testCRM with API key {DEFAULT_API_KEY!r}")

    crm.bring_to_front()  # the user is back in the CRM when the call comes
    started = time.monotonic()
    with context.expect_page(timeout=30_000) as opened:
        phone.locator("#ring").click()
    step(f"incoming call from {CALLER} …")
    contact_page = opened.value
    contact_page.wait_for_load_state()
    elapsed = time.monotonic() - started
    url = contact_page.url
    if url != EXPECTED_CONTACT:
        raise SystemExit(f"[demo] error: opened {url}, expected {EXPECTED_CONTACT}")
    name = contact_page.text_content("h1")
    screenshot = out / "contact-page.png"
    contact_page.set_viewport_size(CRM_SIZE)
    contact_page.screenshot(path=str(screenshot))
    step(f"popped {url} — {name} — in {elapsed:.2f} s")
    beside = out / "phone-beside-crm.png"
    save_side_by_side(context, contact_page.screenshot(), phone_page.screenshot(), beside)
    for path in (screenshot, beside):
        step(f"screenshot: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if docs_image is not None:
        docs_image.parent.mkdir(parents=True, exist_ok=True)
        docs_image.write_bytes(beside.read_bytes())
        step(f"screenshot: {docs_image.relative_to(ROOT)}")
    if os.environ.get("DISPLAY") and sys.stdin.isatty():
        input("[demo] press Enter to close the browser ")


def save_side_by_side(context: Any, crm_png: bytes, phone_png: bytes, path: Path) -> None:
    """The CRM tab and the phone as Chrome shows them: the side panel at the window's right.

    Headless Chromium draws no side panel, so the two screenshots are put side by side
    (laid out by a blank page of the same browser: no imaging library needed).
    """
    import base64

    def src(png: bytes) -> str:
        return "data:image/png;base64," + base64.b64encode(png).decode()

    width = CRM_SIZE["width"] + PHONE_SIZE["width"] + 1
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": CRM_SIZE["height"]})
    page.set_content(
        "<body style='margin:0;display:flex;background:#dadce0;gap:1px'>"
        f"<img src='{src(crm_png)}'><img src='{src(phone_png)}'></body>"
    )
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    page.screenshot(path=str(path))
    page.close()


if __name__ == "__main__":
    sys.exit(main())
