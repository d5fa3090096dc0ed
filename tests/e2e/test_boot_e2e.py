"""How Python boots: from the build's snapshot, or with micropip when the snapshot is unusable.

The offscreen document's ``status`` says which path ran (``bootPath``), why the snapshot
was not used (``bootFallbackReason``) and which wheel runs (``wheelSha256``). Each
damaged build is a copy of ``build/dist`` in the test's temp folder.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DIST, ExtensionBrowser
from tests.e2e.test_callpop_e2e import JANE_URL, ring


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def config_of(dist: Path) -> dict[str, Any]:
    return json.loads((dist / "config.json").read_text())


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def the_wheel(dist: Path) -> Path:
    (wheel,) = (dist / "pyodide").glob("crm_callbacks-*.whl")
    return wheel


# ------------------------------------------------------------- ways to damage a build


def flip_bytes(dist: Path) -> None:
    snapshot = dist / config_of(dist)["snapshot"]["path"]
    data = bytearray(snapshot.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    snapshot.write_bytes(bytes(data))


def another_wheel(dist: Path) -> None:
    """The same package in a wheel with other bytes (and the lock updated), as when the
    wheel was rebuilt after the snapshot was made."""
    wheel = the_wheel(dist)
    rebuilt = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for item in source.infolist():
            item.date_time = (2001, 2, 3, 4, 5, 6)
            target.writestr(item, source.read(item), compress_type=zipfile.ZIP_STORED)
    rebuilt.replace(wheel)
    edit_json(
        dist / "pyodide" / "pyodide-lock.json",
        lambda lock: lock["packages"]["crm-callbacks"].update(sha256=sha256(wheel)),
    )


def another_wheel_and_config(dist: Path) -> None:
    """As `another_wheel`, with config.json claiming the snapshot matches it: only the
    wheel's sha256 stored inside the snapshot can tell."""
    another_wheel(dist)
    new = sha256(the_wheel(dist))
    edit_json(dist / "config.json", lambda config: config["snapshot"].update(wheelSha256=new))


def with_crm_manifest(dist: Path) -> None:
    """A bundled CRM manifest that moves Pipedrive's contact page to /people/."""
    manifest = {
        "platforms": {"pipedrive": {"contactPageUrl": "https://{hostname}/people/{contactId}"}}
    }
    (dist / "crm-manifest.json").write_text(json.dumps(manifest))
    edit_json(dist / "config.json", lambda config: config.update(crmManifest="crm-manifest.json"))


# ------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _needs_a_snapshot() -> None:
    if not config_of(DIST).get("snapshot"):
        pytest.skip("build/dist was built with --no-snapshot")


def pops(browser: ExtensionBrowser, url: str = JANE_URL) -> None:
    crm = browser.open_crm()
    crm.post_from_widget(ring("s-boot-path"))
    browser.wait_for_tab(url)
    assert browser.tab_urls().count(url) == 1


# ---------------------------------------------------------------------------- tests


def test_python_boots_from_the_snapshot_of_the_shipped_wheel(browser: ExtensionBrowser, dist: Path):
    status = browser.wait_for_python()
    assert status["bootPath"] == "snapshot", status
    assert status["bootFallbackReason"] is None
    assert status["wheelSha256"] == sha256(the_wheel(dist))
    assert status["wheelSha256"] == config_of(dist)["snapshot"]["wheelSha256"]
    assert status["bootMs"] > 0
    pops(browser)


@pytest.mark.parametrize("dist", [with_crm_manifest], indirect=True)
def test_a_bundled_crm_manifest_applies_after_a_snapshot_boot(browser: ExtensionBrowser):
    status = browser.wait_for_python()
    assert status["bootPath"] == "snapshot", status
    pops(browser, "https://acme.pipedrive.com/people/42")


@pytest.mark.parametrize(
    ("dist", "reason"),
    [
        (flip_bytes, "sha256 differs from config.json"),
        (another_wheel, "made from another wheel"),
        (another_wheel_and_config, "the restored Python holds wheel"),
    ],
    indirect=["dist"],
    ids=["corrupt", "another-wheel", "another-wheel-config-edited"],
)
def test_an_unusable_snapshot_falls_back_to_micropip_and_still_pops(
    browser: ExtensionBrowser, dist: Path, reason: str
):
    status = browser.wait_for_python()
    assert status["bootPath"] == "micropip", status
    assert reason in status["bootFallbackReason"]
    assert status["wheelSha256"] == sha256(the_wheel(dist))  # the wheel that runs
    pops(browser)
