"""The README's demo works: a simulated call pops Sam Carter's page from the local testCRM."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import DIST, ROOT


def test_the_demo_pops_the_callers_contact_page(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "scripts/demo.py", "--dist", str(DIST), "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "DISPLAY": ""},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "popped https://demo.testcrm.localhost/contacts/43 — Sam Carter" in result.stdout
    assert (tmp_path / "contact-page.png").stat().st_size > 10_000
    assert "the phone page (the side panel's page) hosts the one phone" in result.stdout
    assert "calls pop on TestCRM" in result.stdout
    assert (tmp_path / "phone-beside-crm.png").stat().st_size > 10_000
