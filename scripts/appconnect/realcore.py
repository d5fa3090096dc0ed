"""Start the real App Connect server core (``server.js`` here) for the tests and the demo.

It runs on loopback only: a throwaway PostgreSQL cluster (Debian's ``postgresql``) on a free
port, then ``node server.js`` with ``DATABASE_URL``, ``APP_SERVER_SECRET_KEY`` and the demo
CRM's seed from ``crm_callbacks.server.store``. ``npm ci`` in this folder installs the core
(``scripts/dev.sh`` does it). As a script it serves until interrupted::

    python scripts/appconnect/realcore.py [--port 6067]
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
START_TIMEOUT_S = 60
DEFAULT_API_KEY = "testcrm-demo-key"


class RealCoreError(RuntimeError):
    """The real core could not be installed or started; the message says what to do."""


def installed() -> bool:
    return (HERE / "node_modules" / "@app-connect" / "core" / "package.json").is_file()


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise RealCoreError("PostgreSQL is not installed: run scripts/dev.sh build (Debian postgresql)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_db_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as Debian's ``postgres`` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass
class RealCore:
    """A running real core; `url` is its loopback base URL."""

    url: str
    process: subprocess.Popen[str]
    secret: str  # APP_SERVER_SECRET_KEY: signs the session tokens
    output: list[str] = field(default_factory=list)

    def log(self) -> str:
        return "".join(self.output[-200:])


@contextmanager
def _postgres(workdir: Path) -> Iterator[str]:
    bin_dir = _postgres_bin()
    data = workdir / "pgdata"
    port = _free_port()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    run = {"check": True, "capture_output": True, "text": True}
    try:
        subprocess.run(
            _as_db_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    "appconnect",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            **run,
        )
        options = f"-h 127.0.0.1 -p {port} -k {workdir} -F"
        subprocess.run(
            [
                *_as_db_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w"]),
                "-l",
                str(workdir / "postgres.log"),
                "start",
            ],
            **run,
        )
    except subprocess.CalledProcessError as error:
        raise RealCoreError(f"PostgreSQL did not start: {error.stderr or error.stdout}") from None
    try:
        yield f"postgres://appconnect@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_db_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )


@contextmanager
def running(
    *, port: int = 0, api_key: str = DEFAULT_API_KEY, env: dict[str, str] | None = None
) -> Iterator[RealCore]:
    """The real core serving the demo CRM's data on 127.0.0.1 until the block ends."""
    if not installed():
        raise RealCoreError(f"the real App Connect core is not installed: run npm ci in {HERE}")
    sys.path.insert(0, str(ROOT))
    from crm_callbacks.server.store import demo_seed

    workdir = Path(tempfile.mkdtemp(prefix="appconnect-"))
    try:
        seed_file = workdir / "seed.json"
        seed_file.write_text(json.dumps(demo_seed()))
        os.chmod(workdir, 0o755)
        secret = secrets.token_hex(32)
        with _postgres(workdir) as database_url:
            process_env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(workdir),
                "DATABASE_URL": database_url,
                "APP_SERVER_SECRET_KEY": secret,
                "HASH_KEY": secrets.token_hex(16),
                "TESTCRM_SEED": str(seed_file),
                "TESTCRM_API_KEY": api_key,
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "IS_PROD": "true",
                **(env or {}),
            }
            process = subprocess.Popen(
                ["node", str(HERE / "server.js")],
                cwd=HERE,
                env=process_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            core = RealCore("", process, secret)
            ready = threading.Event()

            def read_output() -> None:
                assert process.stdout is not None
                for line in process.stdout:
                    core.output.append(line)
                    if line.startswith("READY ") and not ready.is_set():
                        core.url = line.split()[1]
                        ready.set()

            threading.Thread(target=read_output, daemon=True).start()
            try:
                deadline = time.monotonic() + START_TIMEOUT_S
                while not ready.wait(0.1):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RealCoreError(f"the real core did not start:\n{core.log()}")
                yield core
            finally:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=6067)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    args = parser.parse_args()
    started = time.monotonic()
    with running(port=args.port, api_key=args.api_key) as core:
        print(f"real App Connect core at {core.url} ({time.monotonic() - started:.1f} s to start)")
        with suppress(KeyboardInterrupt):
            core.process.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
