"""The reference tables in docs/ are the code's: `scripts/docs.py --check` must pass.

When this fails, run ``python scripts/docs.py`` and commit the docs it rewrote.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from crm_callbacks import ErrorCode, default_registry
from crm_callbacks.router import RULES
from crm_callbacks.settings import settings_schema

ROOT = Path(__file__).resolve().parents[1]


def load_docs_script():
    spec = importlib.util.spec_from_file_location("docs_script", ROOT / "scripts" / "docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


docs_script = load_docs_script()


def test_the_generated_tables_in_docs_match_the_code(capsys):
    code = docs_script.main(["--check"])
    assert code == 0, (
        "docs/ tables are stale; run `python scripts/docs.py` and commit:\n"
        + capsys.readouterr().out[-4000:]
    )


def test_check_fails_on_a_stale_table_and_a_rewrite_fixes_it(tmp_path, capsys):
    shutil.copy(ROOT / "docs" / "contract.md", tmp_path / "contract.md")
    page = tmp_path / "contract.md"
    page.write_text(page.read_text().replace("| `BAD_JSON` |", "| `BAD_JSONX` |"))
    assert docs_script.main(["--check", "--docs", str(tmp_path)]) == 1
    assert "BAD_JSONX" in capsys.readouterr().out
    assert docs_script.main(["--docs", str(tmp_path)]) == 0
    assert docs_script.main(["--check", "--docs", str(tmp_path)]) == 0
    assert page.read_text() == (ROOT / "docs" / "contract.md").read_text()


def test_an_unknown_block_name_is_refused(tmp_path):
    (tmp_path / "page.md").write_text("<!-- generated: no-such-table -->\n<!-- end generated -->\n")
    assert docs_script.main(["--check", "--docs", str(tmp_path)]) == 2


def read(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def test_every_error_code_is_documented_with_its_meaning():
    contract = read("contract.md")
    for member in ErrorCode:
        row = next(line for line in contract.splitlines() if f"| `{member.value}` |" in line)
        assert docs_script.NO_DESCRIPTION not in row, f"{member.name} needs a docstring"


def test_every_shim_error_code_in_the_extension_is_documented():
    rows = docs_script.shim_error_codes()
    for expected in ("OFFSCREEN_UNREACHABLE", "PYODIDE_BOOT_TIMEOUT", "PYTHON_EXCEPTION"):
        assert f"`{expected}`" in rows
    assert "no description yet" not in rows, "add the code's meaning to SHIM_CODE_MEANINGS"


@pytest.mark.parametrize(
    ("page", "names"),
    [
        ("events.md", lambda: [key for key, _ in docs_script.entries(RULES)]),
        (
            "settings.md",
            lambda: [
                field["key"]
                for group in settings_schema(default_registry())["groups"]
                for field in group["fields"]
            ],
        ),
        ("adapters.md", lambda: [adapter.url_identifier for adapter in docs_script._adapters()]),
    ],
)
def test_every_rule_setting_and_adapter_has_its_row(page, names):
    text = read(page)
    assert names(), "nothing to document: the generator reads the wrong place"
    for name in names():
        assert f"| `{name}` |" in text


def test_the_readme_names_the_two_commands_and_holds_no_generated_tables():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/dev.sh demo" in readme
    assert "bash scripts/dev.sh test" in readme
    assert "<!-- generated" not in readme
    for link in ("docs/contract.md", "docs/events.md", "docs/settings.md", "docs/adapters.md"):
        assert link in readme
