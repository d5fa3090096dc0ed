"""``crm-callbacks-server``: run the local testCRM server until interrupted."""

from __future__ import annotations

import argparse
import sys
import time

from ..urls import is_loopback
from . import DEFAULT_API_KEY, DEFAULT_PORT, Store, start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="crm-callbacks-server",
        description="Local testCRM: App Connect's adapter-server API over SQLite, with demo data.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--db", default=":memory:", help="SQLite file (seeded when empty)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the API key users sign in with")
    parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        help="a Host name to answer besides loopback ones (repeatable; DNS-rebinding guard)",
    )
    args = parser.parse_args(argv)
    if not args.allow_remote and not is_loopback(args.host):
        parser.error(f"{args.host} is not a loopback address (add --allow-remote to insist)")
    try:
        server = start(
            host=args.host,
            port=args.port,
            store=Store(args.db),
            api_key=args.api_key,
            allowed_hosts=args.allowed_host,
        )
    except OSError as exc:
        print(
            f"crm-callbacks-server: cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    print(f"testCRM server on {server.url} (API key {args.api_key!r}, data {args.db})", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
