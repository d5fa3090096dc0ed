"""Throw-away TLS for local HTTPS (the demo CRM site, the test pages)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed_certificate(folder: Path, common_name: str) -> tuple[Path, Path]:
    """(certificate, key) made by openssl in `folder`, valid for two days.

    Browsers will not trust it: the demo and the tests run Chromium with
    ``--ignore-certificate-errors``.
    """
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={common_name}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
