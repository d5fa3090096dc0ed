#!/usr/bin/env python3
"""Load: bursts of widget events through the real extension; prints what it measured.

Each burst is 1,000 events over 100 concurrent calls: every call's web-phone ring
(with its contact match) and its active-call events flapping Ringing/NoCall 9 times.
After each burst it prints how often each call popped (must be exactly once), the
size of Python's state in chrome.storage.session and of its popped-call memory (both
bounded), and the offscreen document's memory (JS heap after a GC, wasm heap), which
should stay flat across bursts. A script, not a test: nothing here is a timed
assertion; it exits non-zero only if a call did not pop exactly once.

    python scripts/load.py [--bursts 10] [--calls 100] [--dist build/dist]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import CRM_HOST, MIB, Browser, playwright_driver, serve_https

ROOT = Path(__file__).resolve().parent.parent
FLAPS = 9  # active-call events per call besides its web-phone ring: 100 calls -> 1,000 events

BURST = """([burst, calls, flaps]) => {
  for (let round = 0; round < flaps; round++) {
    for (let call = 0; call < calls; call++) {
      const session = `load-${burst}-${call}`;
      const number = `+1650${String(burst).padStart(2, "0")}${String(call).padStart(5, "0")}`;
      if (round === 0) window.widget.post({type: "rc-call-ring-notify", call: {
        id: `wp-${session}`, direction: "Inbound", from: number, to: "+16505550199",
        partyData: {sessionId: session},
        contactMatch: {id: `b${burst}c${call}`, type: "Pipedrive"}}});
      window.widget.post({type: "rc-active-call-notify", call: {
        sessionId: `p-${session}`, telephonySessionId: session, direction: "Inbound",
        telephonyStatus: round % 2 ? "NoCall" : "Ringing",
        from: {phoneNumber: number}, to: {phoneNumber: "+16505550199"}}});
    }
  }
}"""

COUNT_AND_CLOSE = """async (prefix) => {
  const tabs = await chrome.tabs.query({});
  const mine = tabs.filter(t => (t.pendingUrl || t.url || "").startsWith(prefix));
  const urls = mine.map(t => t.pendingUrl || t.url);
  await chrome.tabs.remove(mine.map(t => t.id));
  return urls;
}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bursts of widget events; prints figures.")
    parser.add_argument("--bursts", type=int, default=10)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--dist", type=Path, default=ROOT / "build" / "dist")
    args = parser.parse_args(argv)
    events = args.calls * (FLAPS + 1)
    failures = 0
    header = "burst  events  s     pops ok  state KB  popped  numbers  JS heap MiB  wasm MiB"
    with (
        tempfile.TemporaryDirectory() as scratch,
        serve_https(Path(scratch)) as port,
        playwright_driver() as playwright,
    ):
        browser = Browser(playwright, args.dist.resolve(), Path(scratch) / "profile", port)
        try:
            browser.open_crm()
            before = browser.wait_for_python()["dispatched"]
            print(f"[load] {args.bursts} bursts of {events} events over {args.calls} calls")
            print(header)
            for burst in range(args.bursts):
                started = time.monotonic()
                browser.widget.evaluate(BURST, [burst, args.calls, FLAPS])
                target = before + events * (burst + 1)
                while browser.status()["dispatched"] < target:
                    time.sleep(0.05)
                seconds = time.monotonic() - started
                time.sleep(0.5)  # the last tabs.create calls
                urls = browser.worker.evaluate(
                    COUNT_AND_CLOSE, f"https://{CRM_HOST}/person/b{burst}c"
                )
                wanted = {f"https://{CRM_HOST}/person/b{burst}c{c}" for c in range(args.calls)}
                exact = set(urls) == wanted and len(urls) == len(wanted)
                failures += not exact
                memory = browser.status()["memory"]
                held = memory["state"]  # the state Python holds (Session.summary)
                state_bytes, popped, numbers = held["bytes"], held["popped"], held["numbers"]
                heap = browser.offscreen_js_heap() / MIB
                wasm = memory["wasmHeapBytes"] / MIB
                ok = f"{len(urls)}/{len(wanted)}" + ("" if exact else " !")
                print(
                    f"{burst + 1:5}  {events:6}  {seconds:4.1f}  {ok:>7}  {state_bytes / 1024:8.1f}"
                    f"  {popped:6}  {numbers:7}  {heap:11.1f}  {wasm:8.1f}",
                    flush=True,
                )
        finally:
            browser.close()
    print(json.dumps({"burstsWithWrongPops": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
