"""The build: a CRM manifest reaches the manifest, config and bundle; bad input fails clearly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_build
from tests.unit.test_identifier import chrome_matches

ROOT = Path(__file__).resolve().parents[1]
APP_CONNECT_MANIFEST = ROOT.parent / "shared" / "app-connect" / "manifest.json"
ACME = {
    "platforms": {
        "acmecrm": {
            "displayName": "Acme CRM",
            "urlIdentifier": "*.acmecrm.example",
            "contactPageUrl": "https://{hostname}/people/{contactId}",
        }
    }
}


@pytest.fixture(scope="module")
def dist_with_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("build")
    manifest = folder / "crms.json"
    manifest.write_text(json.dumps(ACME))
    result = run_build(
        "--out",
        str(folder / "dist"),
        "--crm-manifest",
        str(manifest),
        "--client-id",
        "abc",
        "--extra-host",
        "https://*.test/*",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder / "dist"


def test_a_crm_manifest_adds_its_hosts_and_is_bundled(dist_with_manifest: Path):
    manifest = json.loads((dist_with_manifest / "manifest.json").read_text())
    matches = manifest["content_scripts"][0]["matches"]
    assert "https://*.acmecrm.example/*" in matches
    assert "https://*.pipedrive.com/*" in matches and "https://*.test/*" in matches
    # the CRM hosts, and the default App Connect server's (any port)
    assert manifest["host_permissions"] == [*matches, "http://127.0.0.1/*"]
    config = json.loads((dist_with_manifest / "config.json").read_text())
    assert config["crmManifest"] == "crm-manifest.json"
    assert json.loads((dist_with_manifest / "crm-manifest.json").read_text()) == ACME
    assert "clientId=abc" in config["widgetUrl"]
    # only what adapters declare reaches Python
    assert config["storageKeys"] == [
        "rcUnifiedCrmExtJwt",
        "crmCallbacksSessionServer",
        "crm_extension_bullhorn_user_urls",
    ]
    schema = json.loads((dist_with_manifest / "settings-schema.json").read_text())
    platforms = [
        p["name"] for g in schema["groups"] for f in g["fields"] for p in f.get("platforms", [])
    ]
    assert "acmecrm" in platforms


def test_the_bundle_has_everything_the_manifest_names(dist_with_manifest: Path):
    manifest = json.loads((dist_with_manifest / "manifest.json").read_text())
    named = [
        manifest["background"]["service_worker"],
        manifest["options_ui"]["page"],
        *manifest["content_scripts"][0]["js"],
    ]
    assert all((dist_with_manifest / name).is_file() for name in named)
    lock = json.loads((dist_with_manifest / "pyodide" / "pyodide-lock.json").read_text())
    assert set(lock["packages"]) == {"micropip", "crm-callbacks"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "CRM manifest"),
        (json.dumps({"platforms": []}), "non-empty 'platforms'"),
    ],
)
def test_an_invalid_crm_manifest_fails_the_build_in_one_line(tmp_path: Path, content, message):
    manifest = tmp_path / "crms.json"
    manifest.write_text(content)
    result = run_build("--out", str(tmp_path / "dist"), "--crm-manifest", str(manifest))
    assert result.returncode == 1
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "dist").exists()


def app_connect_manifest() -> Path:
    """App Connect's own current manifest, beside the clone (never copied into it)."""
    if not APP_CONNECT_MANIFEST.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{APP_CONNECT_MANIFEST} is missing: CI must put shared/ beside the clone")
        pytest.skip(f"{APP_CONNECT_MANIFEST} is not here")
    return APP_CONNECT_MANIFEST


def test_app_connects_own_manifest_builds_and_covers_tenant_hosts(tmp_path: Path):
    manifest_path = app_connect_manifest()
    result = run_build(
        "--out", str(tmp_path / "dist"), "--crm-manifest", str(manifest_path), "--no-snapshot"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    matches = json.loads((tmp_path / "dist" / "manifest.json").read_text())["content_scripts"][0][
        "matches"
    ]
    for url in (
        "https://acme.pipedrive.com/person/1",
        "https://eu.app.clio.com/nc/",
        "https://1234567.app.netsuite.com/app/center/card.nl",
    ):
        assert any(chrome_matches(p, url) for p in matches), (url, matches)
    # What each urlIdentifier became is printed; the CRM that cannot work is named once.
    assert "urlIdentifier '*app.clio.com' -> https://*.clio.com/*" in output
    assert "urlIdentifier '*.app.netsuite.com/app*' -> https://*.app.netsuite.com/app*" in output
    left_out = [line for line in output.splitlines() if "left out" in line]
    assert len(left_out) == 1 and "googleSheets" in left_out[0], left_out
    assert "ignored at platforms.clio" in output
