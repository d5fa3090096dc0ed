#!/usr/bin/env python3
"""The end-to-end demo: a simulated incoming call opens the caller's record in the CRM.

It starts the bundled testCRM server (App Connect API on loopback, and the demo CRM
site over HTTPS as ``https://demo.testcrm.localhost``), opens Debian's Chromium with
``build/dist`` loaded (headless without a display, headed with one), connects the
extension to the server with an API key through the demo phone, simulates an
incoming call from (650) 555-0123 and shows the contact page the extension opens:
its URL is printed and a screenshot saved.

    python scripts/demo.py [--dist build/dist] [--out build/demo] [--headed]
                           [--server python|app-connect]

``--server app-connect`` answers the API from App Connect's real server core
(scripts/appconnect) instead of the bundled Python server; the CRM site stays the same.
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
from crm_callbacks.testing.chromium import launch_extension  # noqa: E402

CRM_HOST = "demo.testcrm.localhost"
CALLER = "+16505550123"
EXPECTED_CONTACT = f"https://{CRM_HOST}/contacts/43"


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
                run_demo(context, api_url, args.out)
                context.close()
        finally:
            site.stop()
            api.stop()
    return 0


def run_demo(context: Any, server_url: str, out: Path) -> None:
    worker = (
        context.service_workers[0]
        if context.service_workers
        else context.wait_for_event("serviceworker", timeout=15_000)
    )
    step(f"Chromium {context.browser.version if context.browser else ''} loaded the extension")
    settings = {"serverUrl": server_url, "widgetUrl": f"https://{CRM_HOST}/phone.html"}
    worker.evaluate("s => chrome.storage.local.set({crmCallbacksSettings: s})", settings)

    page = context.new_page()
    page.goto(f"https://{CRM_HOST}/")
    phone = page.wait_for_selector("iframe#crm-callbacks-widget").content_frame()
    phone.wait_for_selector("#sign-in")
    step(f"CRM page https://{CRM_HOST}/ shows the phone (the demo stands in for RingCentral's)")

    phone.click("#sign-in")
    phone.fill("input[name=apiKey]", DEFAULT_API_KEY)
    phone.click("form button[type=submit]")
    wait_for(
        lambda: worker.evaluate(
            "async () => (await self.crmCallbacks.secrets.readSecrets()).rcUnifiedCrmExtJwt"
        ),
        "the sign-in to the testCRM server",
    )
    step(f"connected to testCRM with API key {DEFAULT_API_KEY!r}")

    started = time.monotonic()
    with context.expect_page(timeout=30_000) as opened:
        phone.click("#ring")
    step(f"incoming call from {CALLER} …")
    contact_page = opened.value
    contact_page.wait_for_load_state()
    elapsed = time.monotonic() - started
    url = contact_page.url
    if url != EXPECTED_CONTACT:
        raise SystemExit(f"[demo] error: opened {url}, expected {EXPECTED_CONTACT}")
    name = contact_page.text_content("h1")
    screenshot = out / "contact-page.png"
    contact_page.screenshot(path=str(screenshot))
    step(f"popped {url} — {name} — in {elapsed:.2f} s")
    shown = screenshot.relative_to(ROOT) if screenshot.is_relative_to(ROOT) else screenshot
    step(f"screenshot: {shown}")
    if os.environ.get("DISPLAY") and sys.stdin.isatty():
        input("[demo] press Enter to close the browser ")


if __name__ == "__main__":
    sys.exit(main())
