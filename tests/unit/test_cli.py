"""The crm-callbacks command: simulate, new-adapter, build, --version; and the package
installed from its wheel into a fresh venv with a plug-in adapter beside it."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from crm_callbacks import __version__, cli
from crm_callbacks.adapters import MANIFEST_ENV, default_registry, testcrm

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
NEEDS_PROCESSES = pytest.mark.skipif(
    sys.platform == "emscripten", reason="Pyodide cannot start processes or create venvs"
)
NEEDS_CHECKOUT = pytest.mark.skipif(
    sys.platform == "emscripten", reason="the Pyodide runner mounts tests/, not the repository"
)
BRIEF = [
    "simulate",
    "--platform",
    "pipedrive",
    "--hostname",
    "acme.pipedrive.com",
    "--ring",
    "+16505550100",
    "--contact",
    "42",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    """Exit code, stdout lines and stderr of one command."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


# --- --version ---------------------------------------------------------------------


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"crm-callbacks {__version__}\n"


@NEEDS_PROCESSES
def test_python_m_crm_callbacks_version():
    done = subprocess.run(
        [sys.executable, "-m", "crm_callbacks", "--version"], capture_output=True, text=True
    )
    assert (done.returncode, done.stdout) == (0, f"crm-callbacks {__version__}\n")


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 2
    assert any("new-adapter" in line for line in out)


# --- simulate ----------------------------------------------------------------------


def test_simulate_prints_one_json_action_per_line(capsys):
    code, out, err = run(capsys, *BRIEF)
    assert (code, err) == (0, "")
    assert [json.loads(line) for line in out] == [
        {
            "type": "openTab",
            "url": "https://acme.pipedrive.com/person/42",
            "active": True,
            "popup": False,
        }
    ]


def test_simulate_errors_go_to_stderr_with_their_code_and_exit_1(capsys):
    code, out, err = run(capsys, "simulate", "--platform", "pipedrive", "--ring", "+16505550100")
    assert (code, out) == (1, [])
    assert err.startswith("NO_CONTACT_MATCH: ")


def test_simulate_runs_events_in_order_with_storage_and_state(capsys):
    code, out, _ = run(
        capsys,
        "simulate",
        "--hostname",
        "crm.testcrm.localhost",
        "--storage",
        '{"rcUnifiedCrmExtJwt": "token"}',
        "--ring",
        "+16505550100",
        "--contact",
        "42",
        "--ring",
        "+16505550100",
        "--view-log",
        "9001",
        "--logout",
    )
    actions = [json.loads(line) for line in out]
    assert code == 0
    assert [(a["type"], a.get("url") or a.get("keys")) for a in actions[:4]] == [
        ("openTab", "https://crm.testcrm.localhost/contacts/42"),
        ("openTab", "https://crm.testcrm.localhost/contacts/42"),  # a second call
        ("openTab", "https://crm.testcrm.localhost/logs/9001"),
        ("reply", None),
    ]
    assert ("removeStorage", ["rcUnifiedCrmExtJwt"]) in [
        (a["type"], a.get("keys")) for a in actions
    ]


def test_simulate_settings_change_what_pops(capsys):
    outbound = ["--outbound", "--ring", "+16505550100", "--contact", "42"]
    code, out, _ = run(capsys, "simulate", "--platform", "pipedrive", *outbound)
    assert (code, out) == (0, [])
    settings = '{"openContactPageFromOutgoingCall": "onFirstRing"}'
    code, out, _ = run(
        capsys, "simulate", "--platform", "pipedrive", "--settings", settings, *outbound
    )
    assert [json.loads(line)["url"] for line in out] == ["https://acme.pipedrive.com/person/42"]


def test_simulate_table_format(capsys):
    code, out, _ = run(capsys, *BRIEF, "--view-log", "9001", "--format", "table")
    assert code == 0
    assert out[0].split() == ["event", "action", "detail"]
    assert out[1].split() == [
        "ring",
        "+16505550100",
        "openTab",
        "https://acme.pipedrive.com/person/42",
        "(tab,",
        "in",
        "front)",
    ]
    assert out[-1].split() == ["reply", "6f1c2a90-0003:", "ok"]


def test_simulate_a_raw_message_and_a_contact_as_json(capsys):
    message = json.dumps({"type": "rc-login-status-notify", "loggedIn": True})
    code, out, _ = run(
        capsys,
        "simulate",
        "--hostname",
        "app.gohighlevel.com",
        "--message",
        message,
        "--ring",
        "+16505550100",
        "--contact",
        '{"id": "42", "type": "loc1"}',
    )
    actions = [json.loads(line) for line in out]
    assert code == 0
    assert actions[0]["message"]["type"] == "rc-adapter-register-third-party-service"
    assert actions[1]["url"] == "https://app.gohighlevel.com/v2/location/loc1/contacts/detail/42"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--platform", "pipedrive"], "nothing to simulate"),
        (["--ring", "+1650"], "give --platform, --hostname or --adapter"),
        (["--platform", "nope", "--ring", "+1650"], "unknown platform 'nope'; registered: "),
        (
            ["--platform", "pipedrive", "--hostname", "acme.zendesk-sell.example", "--ring", "+1"],
            "pipedrive runs on *.pipedrive.com, not on acme.zendesk-sell.example",
        ),
        (["--platform", "pipedrive", "--message", '{"type": "rc-nope"}'], "type 'rc-nope'"),
        (["--platform", "pipedrive", "--logout"], "no CRM session to log out of"),
        (["--platform", "pipedrive", "--contact", "42"], "nothing to simulate"),
        (["--platform", "pipedrive", "--view-log", "1", "--contact", "42"], "--contact belongs"),
        (["--adapter", "no_such_module", "--ring", "+1650"], "cannot import"),
        (["--platform", "pipedrive", "--answer"], "no call to answer"),
    ],
)
def test_simulate_usage_errors_exit_2(capsys, args, problem):
    code, _, err = run(capsys, "simulate", *args)
    assert code == 2
    assert problem in err


def test_simulate_usage_errors_print_nothing_on_stdout(capsys):
    code, out, err = run(capsys, "simulate", "--platform", "pipedrive", "--logout")
    assert (code, out) == (2, [])
    assert "--storage" in err  # says how to simulate a connected CRM


def test_simulate_contact_belongs_to_its_own_ring(capsys):
    two_callers = ["--ring", "+16505550100", "--contact", "42", "--ring", "+16505550111"]
    code, out, err = run(capsys, "simulate", "--platform", "pipedrive", *two_callers)
    assert code == 1
    assert [json.loads(line)["url"] for line in out] == ["https://acme.pipedrive.com/person/42"]
    assert err.startswith("NO_CONTACT_MATCH: No CRM contact matches +16505550111")
    code, out, _ = run(
        capsys, "simulate", "--platform", "pipedrive", *two_callers, "--contact", "43"
    )
    assert code == 0
    assert [json.loads(line)["url"] for line in out] == [
        "https://acme.pipedrive.com/person/42",
        "https://acme.pipedrive.com/person/43",
    ]


def test_simulate_contact_applies_to_a_flapping_call_and_pops_once(capsys):
    args = ["--flap", "+16505550100", "--contact", "42", "--flap", "+16505550111"]
    code, out, err = run(capsys, "simulate", "--platform", "pipedrive", *args)
    assert [json.loads(line)["url"] for line in out] == ["https://acme.pipedrive.com/person/42"]
    assert code == 1  # the second caller is unknown: the first one's contact is not reused
    assert {line.split(": ", 1)[0] for line in err.splitlines()} == {"NO_CONTACT_MATCH"}
    assert "+16505550100" not in err


def test_simulate_contact_before_the_ring_belongs_to_it(capsys):
    args = ["--contact", "42", "--ring", "+16505550100"]
    code, out, _ = run(capsys, "simulate", "--platform", "pipedrive", *args)
    assert (code, [json.loads(line)["url"] for line in out]) == (
        0,
        ["https://acme.pipedrive.com/person/42"],
    )


def test_simulate_bad_json_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["simulate", "--platform", "pipedrive", "--settings", "{nope", "--ring", "+1"])
    assert exited.value.code == 2
    assert "not JSON" in capsys.readouterr().err


# --- adapters ----------------------------------------------------------------------


def test_adapters_lists_every_adapter_with_its_hosts_and_origin(capsys):
    code, out, err = run(capsys, "adapters")
    assert (code, err) == (0, "")
    assert out[0].split() == ["name", "hosts", "from", "match", "patterns"]
    rows = {line.split()[0]: line.split()[1:] for line in out[1:] if line.strip()}
    assert rows["pipedrive"] == ["*.pipedrive.com", "built-in", "https://*.pipedrive.com/*"]
    assert rows["testCRM"][2:] == ["https://*.testcrm.localhost/*", "http://*.testcrm.localhost/*"]
    assert set(rows) == {a.name for a in default_registry()}


def test_adapters_json_names_the_origin_of_a_manifest_platform(tmp_path, capsys, monkeypatch):
    manifest = tmp_path / "crm.json"
    platform = {
        "urlIdentifier": "*.zylo.example",
        "contactPageUrl": "https://{hostname}/p/{contactId}",
    }
    manifest.write_text(json.dumps({"platforms": {"zylo": platform}}))
    monkeypatch.setenv(MANIFEST_ENV, str(manifest))
    default_registry.cache_clear()
    try:
        code, out, _ = run(capsys, "adapters", "--format", "json")
    finally:
        monkeypatch.delenv(MANIFEST_ENV)
        default_registry.cache_clear()
    listed = json.loads("\n".join(out))
    zylo = next(a for a in listed["adapters"] if a["name"] == "zylo")
    assert (code, zylo["origin"], zylo["matches"]) == (
        0,
        f"manifest {manifest}",
        ["https://*.zylo.example/*"],
    )
    assert next(a for a in listed["adapters"] if a["name"] == "clio")["origin"] == "built-in"
    assert listed["skipped"] == []


# --- new-adapter -------------------------------------------------------------------


def test_new_adapter_writes_an_adapter_whose_test_passes(pytester, capsys):
    code, out, _ = run(
        capsys, "new-adapter", "acmeCRM", "--url-identifier", "*.acme.example", "--dir", "."
    )
    assert code == 0
    assert out[0] == "Wrote acmecrm.py and test_acmecrm_adapter.py."
    steps = "\n".join(out)
    assert "BUILTIN_ADAPTERS" in steps
    assert '[project.entry-points."crm_callbacks.adapters"]' in steps
    assert 'acmecrm = "acmecrm:ADAPTER"' in steps
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "test_acmecrm_adapter.py")
    result.assert_outcomes(passed=6)  # the conformance check and five callback tests


def test_new_adapter_is_the_testcrm_sample_under_a_new_name(tmp_path, capsys):
    code, _, _ = run(
        capsys, "new-adapter", "acme", "--display-name", "Acme", "--dir", str(tmp_path)
    )
    assert code == 0
    spec = importlib.util.spec_from_file_location("generated_acme", tmp_path / "acme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generated = module.ADAPTER
    assert (generated.name, generated.display_name, generated.url_identifier) == (
        "acme",
        "Acme",
        "*.acme.example",
    )
    sample = testcrm.ADAPTER
    assert replace(generated, name=sample.name, display_name=sample.display_name) == replace(
        sample, url_identifier="*.acme.example"
    )


def test_new_adapter_refuses_to_overwrite(tmp_path, capsys):
    assert run(capsys, "new-adapter", "acme", "--dir", str(tmp_path))[0] == 0
    (tmp_path / "acme.py").write_text("# mine\n")
    (tmp_path / "test_acme_adapter.py").unlink()
    code, _, err = run(capsys, "new-adapter", "acme", "--dir", str(tmp_path))
    assert code == 1
    assert "refusing to overwrite" in err
    assert (tmp_path / "acme.py").read_text() == "# mine\n"
    assert not (tmp_path / "test_acme_adapter.py").exists()


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["acme", "--url-identifier", "*"], "urlIdentifier"),
        (["acme", "--url-identifier", "https://acme.example"], "urlIdentifier"),
        (["pipedrive"], "already registered"),
        (["9lives"], "letters, digits"),
        (["class"], "letters, digits"),
        (["acme", "--tests-dir", "elsewhere"], "not a Python package"),
    ],
)
def test_new_adapter_usage_errors_write_nothing(tmp_path, capsys, args, problem):
    code, _, err = run(capsys, "new-adapter", *args, "--dir", str(tmp_path / "out"))
    assert code == 2
    assert problem in err
    assert not (tmp_path / "out").exists()


def _fake_checkout(root: Path) -> None:
    for package in ("crm_callbacks", "crm_callbacks/adapters"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "tests" / "unit").mkdir(parents=True)
    (root / "scripts").mkdir()
    (root / "scripts" / "build.py").write_text("")
    (root / "pyproject.toml").write_text('[project]\nname = "crm-callbacks"\n')


def test_new_adapter_in_a_checkout_goes_to_the_adapters_and_the_unit_tests(
    tmp_path, monkeypatch, capsys
):
    _fake_checkout(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "new-adapter", "acme", "--url-identifier", "*.acme.localhost")
    assert code == 0
    assert out[0] == "Wrote crm_callbacks/adapters/acme.py and tests/unit/test_acme_adapter.py."
    test = (tmp_path / "tests" / "unit" / "test_acme_adapter.py").read_text()
    assert "from crm_callbacks.adapters.acme import ADAPTER" in test
    assert 'HOST = "acme.acme.localhost"' in test
    assert "import acme and add" in "\n".join(out)
    if shutil.which("ruff") and sys.platform != "emscripten":
        style = ["--isolated", "--line-length", "100", "--target-version", "py311"]
        check = ["ruff", "check", *style, "--select", "E,F,W,I,UP,B,SIM,RUF", "."]
        assert subprocess.run(check, capture_output=True).returncode == 0
        fmt = ["ruff", "format", "--check", *style, "."]
        assert subprocess.run(fmt, capture_output=True).returncode == 0


# --- build -------------------------------------------------------------------------


def test_find_checkout_needs_our_pyproject_and_build_script(tmp_path):
    _fake_checkout(tmp_path)
    assert cli.find_checkout(tmp_path / "crm_callbacks" / "adapters") == tmp_path
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n')
    assert cli.find_checkout(tmp_path) is None


def test_build_outside_a_checkout_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "PACKAGE_DIR", tmp_path / "site-packages" / "crm_callbacks")
    code, _, err = run(capsys, "build", "--client-id", "x")
    assert code == 2
    assert "not in a source checkout of crm-callbacks" in err


def test_build_runs_the_checkouts_build_script_with_the_same_flags(tmp_path, monkeypatch):
    _fake_checkout(tmp_path)
    monkeypatch.chdir(tmp_path / "tests")
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda command: calls.append(command) or 7)
    assert cli.main(["build", "--client-id", "abc", "--out", "x"]) == 7
    assert calls == [
        [sys.executable, str(tmp_path / "scripts" / "build.py"), "--client-id", "abc", "--out", "x"]
    ]


def test_build_from_a_pip_install_stages_the_shipped_kit_as_a_checkout(tmp_path, monkeypatch):
    package = tmp_path / "site-packages" / "crm_callbacks"
    (package / "_kit" / "scripts").mkdir(parents=True)
    (package / "_kit" / "scripts" / "build.py").write_text("# the shipped build script\n")
    (package / "_kit" / "extension").mkdir()
    (package / "__init__.py").write_text("")
    (package / "__pycache__").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(cli, "PACKAGE_DIR", package)
    monkeypatch.setattr(cli, "_can_build_wheels", lambda: True)
    monkeypatch.setenv(cli.CACHE_ENV, str(tmp_path / "cache"))
    seen = {}

    def call(command):
        root = Path(command[1]).parents[1]
        seen["files"] = sorted(
            str(p.relative_to(root)) for p in root.rglob("*") if "cache" not in p.parts
        )
        seen["cache"] = (root / "build" / "cache").resolve()
        seen["command"] = command
        return 0

    monkeypatch.setattr(cli.subprocess, "call", call)
    assert cli.main(["build", "--client-id", "abc"]) == 0
    assert seen["command"][2:] == ["--client-id", "abc", "--out", str(work / "build" / "dist")]
    assert seen["files"] == [
        "build",
        "crm_callbacks",
        "crm_callbacks/__init__.py",
        "extension",
        "scripts",
        "scripts/build.py",
    ]
    assert seen["cache"] == (tmp_path / "cache").resolve()  # Pyodide is fetched once
    assert cli.main(["build", "--out", "elsewhere"]) == 0
    assert seen["command"][2:] == ["--out", "elsewhere"]


def test_build_from_a_pip_install_without_hatchling_says_what_to_install(
    tmp_path, monkeypatch, capsys
):
    package = tmp_path / "site-packages" / "crm_callbacks"
    (package / "_kit" / "scripts").mkdir(parents=True)
    (package / "_kit" / "scripts" / "build.py").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "PACKAGE_DIR", package)
    monkeypatch.setattr(cli, "_can_build_wheels", lambda: False)
    code, _, err = run(capsys, "build")
    assert code == 2
    assert "pip install 'crm-callbacks[build]'" in err


# --- the wheel in a fresh venv, with a plug-in adapter -------------------------------


def _wheel(project: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=project,
        check=True,
        capture_output=True,
    )
    return max(out.glob("*.whl"), key=lambda p: p.stat().st_mtime)


@pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None, reason="needs hatchling (the dev extra)"
)
@NEEDS_PROCESSES
def test_fresh_venv_installs_the_wheel_and_picks_up_the_plugin(tmp_path):
    wheels = tmp_path / "wheels"
    ours = _wheel(ROOT, wheels)
    with zipfile.ZipFile(ours) as wheel:
        names = set(wheel.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        requires = [
            line
            for line in wheel.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:")
        ]
        assert all("extra ==" in line for line in requires), requires  # no runtime deps
        entry_points = wheel.read(metadata.replace("METADATA", "entry_points.txt")).decode()
    assert {
        "crm_callbacks/py.typed",
        "crm_callbacks/testing/widget-messages.json",
        "crm_callbacks/templates/adapter.py.tmpl",
        "crm_callbacks/templates/test_adapter.py.tmpl",
    } <= names
    assert "crm-callbacks = crm_callbacks.cli:main" in entry_points
    assert "crm_callbacks = crm_callbacks.pytest_plugin" in entry_points
    _wheel(ROOT / "tests" / "plugin_example", wheels)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    offline = ["--no-index", "--find-links", str(wheels)]
    subprocess.run([*install, *offline, "crm-callbacks-example"], check=True, env=_clean_env())

    def venv_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, capture_output=True, text=True, cwd=tmp_path, env=env or _clean_env()
        )

    version = venv_run(str(venv / "bin" / "crm-callbacks"), "--version")
    assert version.stdout == f"crm-callbacks {__version__}\n"
    assert venv_run(str(python), "-m", "crm_callbacks", "--version").stdout == version.stdout
    popped = venv_run(
        str(venv / "bin" / "crm-callbacks"),
        "simulate",
        "--hostname",
        "crm.examplecrm.localhost",
        "--ring",
        "+16505550100",
        "--contact",
        "7",
    )
    assert (popped.returncode, popped.stderr) == (0, "")
    assert json.loads(popped.stdout)["url"] == "https://crm.examplecrm.localhost/people/7"
    scaffold = venv_run(str(venv / "bin" / "crm-callbacks"), "new-adapter", "acme", "--dir", "new")
    assert scaffold.returncode == 0, scaffold.stderr
    assert (tmp_path / "new" / "test_acme_adapter.py").is_file()
    # The build kit ships in the wheel; what is missing here is only hatchling.
    outside = venv_run(str(venv / "bin" / "crm-callbacks"), "build")
    assert outside.returncode == 2
    assert "pip install 'crm-callbacks[build]'" in outside.stderr
    kit = venv_run(
        str(python), "-c", "import crm_callbacks._kit as k; print(k.kit_path('extension'))"
    )
    assert (Path(kit.stdout.strip()) / "service_worker.js").is_file(), kit.stderr

    # An author's plug-in package, written by new-adapter --package, installed beside it.
    package = venv_run(
        str(venv / "bin" / "crm-callbacks"),
        "new-adapter",
        "zylo",
        "--package",
        "--url-identifier",
        "*.zylo.localhost",
    )
    assert package.returncode == 0, package.stderr
    _wheel(tmp_path / "crm-callbacks-zylo", wheels)
    subprocess.run([*install, *offline, "crm-callbacks-zylo"], check=True, env=_clean_env())
    listed = venv_run(str(venv / "bin" / "crm-callbacks"), "adapters")
    assert "plug-in crm-callbacks-zylo" in next(
        line for line in listed.stdout.splitlines() if line.startswith("zylo ")
    )
    tests = venv_run(
        str(python),
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "crm-callbacks-zylo",
        env=_pytest_only(tmp_path / "pytest-only"),
    )
    assert "4 passed, 1 skipped" in tests.stdout, tests.stdout + tests.stderr


def _pytest_only(shim: Path) -> dict[str, str]:
    """The clean environment plus pytest and its dependencies on PYTHONPATH (offline:
    there is no wheel of pytest to install), but none of this venv's pytest plug-ins,
    so the only plug-in that loads is the fresh venv's crm-callbacks."""
    shim.mkdir(exist_ok=True)
    for name in ("_pytest", "pytest", "pluggy", "iniconfig", "packaging", "pygments", "py"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, f"{name} is not installed"
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        link = shim / source.name
        if not link.exists():
            link.symlink_to(source)
    for dist in ("pytest", "pluggy", "iniconfig", "packaging", "pygments"):
        info = Path(str(importlib.metadata.distribution(dist).locate_file(""))).resolve()
        [folder] = info.glob(f"{dist}-*.dist-info")
        if not (shim / folder.name).exists():
            (shim / folder.name).symlink_to(folder)
    return {**_clean_env(), "PYTHONPATH": str(shim)}


def _clean_env() -> dict[str, str]:
    """The environment without this venv's traces, so the new one stands alone."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


# --- what the package ships ----------------------------------------------------------


@NEEDS_CHECKOUT
def test_the_long_description_links_only_to_files_the_sdist_ships():
    """README.md is the long description on PyPI: its relative links must ship."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    shipped = project["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    readme = (ROOT / project["project"]["readme"]).read_text("utf-8")
    links = set(re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", readme))
    assert links, "the README links no file: this test would check nothing"
    for link in links:
        assert (ROOT / link).exists(), f"README.md links {link}, which does not exist"
        assert any(link == item or link.startswith(item + "/") for item in shipped), (
            f"README.md links {link}, which the sdist does not include"
        )
    assert "LICENSE" in shipped and (ROOT / "LICENSE").is_file()
    assert "MIT License" in (ROOT / "LICENSE").read_text("utf-8")
    assert project["project"]["license"] == "MIT"
    assert {"Homepage", "Documentation"} <= set(project["project"]["urls"])


@NEEDS_CHECKOUT
def test_the_wheel_ships_the_build_kit_by_reference():
    """`crm-callbacks build` from a pip install finds these in crm_callbacks/_kit."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    force = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    for source, target in force.items():
        assert (ROOT / source).exists(), source
        assert target == f"crm_callbacks/_kit/{source}"
    build = (ROOT / "scripts" / "build.py").read_text("utf-8")
    for needed in ("extension", "scripts/plugins.py", "scripts/make_snapshot.mjs"):
        assert needed in force, f"the build needs {needed}"
    assert "from plugins import" in build  # build.py's sibling, shipped beside it
