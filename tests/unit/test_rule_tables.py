"""The rule tables: one registry type that refuses duplicates; every rule module counts."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import crm_callbacks.rules as rules
from crm_callbacks import router
from crm_callbacks.registry_table import DuplicateRegistrationError, RegistryTable
from crm_callbacks.rules.effects import CONTINUATIONS
from crm_callbacks.rules.requests import BUTTON_HANDLERS, REQUEST_HANDLERS

RULES_DIR = Path(rules.__file__).parent
TABLES = {
    "RULES": router.RULES,
    "REQUEST_HANDLERS": REQUEST_HANDLERS,
    "BUTTON_HANDLERS": BUTTON_HANDLERS,
    "CONTINUATIONS": CONTINUATIONS,
}


def test_a_second_registration_under_one_key_is_refused_with_both_owners():
    table: RegistryTable[int] = RegistryTable("widget request path")
    table.add("/a", 1, owner="rules.one.handler")
    with pytest.raises(DuplicateRegistrationError) as raised:
        table.add("/a", 2, owner="rules.two.handler")
    message = str(raised.value)
    assert "widget request path '/a' is registered twice" in message
    assert "rules.one.handler" in message and "rules.two.handler" in message
    assert table["/a"] == 1 and len(table) == 1


@pytest.mark.parametrize("name", list(TABLES))
def test_every_rule_table_is_a_registry_table_refusing_a_taken_key(name):
    table = TABLES[name]
    assert isinstance(table, RegistryTable)
    taken = next(iter(table))
    with pytest.raises(DuplicateRegistrationError, match="registered twice"):
        table.add(taken, table[taken], owner="test")


def test_the_decorators_refuse_a_second_rule_for_a_message_type():
    with pytest.raises(DuplicateRegistrationError, match="rc-active-call-notify"):
        router.handles("rc-active-call-notify")(lambda context: None)


def test_rule_modules_are_found_without_an_import_list():
    on_disk = sorted(p.stem for p in RULES_DIR.glob("*.py") if not p.stem.startswith("_"))
    assert list(rules.RULE_MODULES) == on_disk
    source = (RULES_DIR / "__init__.py").read_text("utf-8")
    assert not [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom) and n.level]


@pytest.mark.parametrize("module", rules.RULE_MODULES)
def test_every_rule_module_registers_something(module):
    importlib.import_module(f"crm_callbacks.rules.{module}")
    prefix = f"crm_callbacks.rules.{module}."
    owned = [
        key for table in TABLES.values() for key in table if table.owner(key).startswith(prefix)
    ]
    assert owned, f"rules/{module}.py registers no rule, request, button or continuation"
