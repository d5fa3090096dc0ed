"""Rewrite the reference tables in docs/*.md from the code, so they cannot drift.

A table lives between two markers in a Markdown file:

    <!-- generated: error-codes -->
    …whatever this script wrote last time…
    <!-- end generated -->

`python scripts/docs.py` rewrites every such block; `python scripts/docs.py --check`
changes nothing and exits 1 (printing a diff) when a block is stale, which
`tests/test_docs.py` runs. After adding an error code, setting, adapter, action or
rule, run the script and commit the docs it changed.

The blocks are read from the package's public shapes only (the `ErrorCode` members,
the action constructors, the router's `RULES` and the request tables, the settings
schema, the adapter registry), so new fields, codes and rules show up on their own.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import inspect
import itertools
import json
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOCS = ROOT / "docs"
BLOCK = re.compile(
    r"(?P<start><!-- generated: (?P<name>[a-z0-9-]+) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<end><!-- end generated -->)",
    re.DOTALL,
)
NO_DESCRIPTION = "*(no description yet: add one in the code)*"

# The shim's own codes, for failures Python cannot report itself. The codes are found
# in the extension's JavaScript; only their meaning is written here.
SHIM_CODE_MEANINGS = {
    "OFFSCREEN_UNREACHABLE": "the service worker could not reach the offscreen document, or it "
    "did not answer; the event is kept and handled once Python starts",
    "PYODIDE_BOOT_TIMEOUT": "Python was not ready within the boot timeout (`bootTimeoutMs` in "
    "`config.json`, 20 s by default)",
    "PYODIDE_BOOT_FAILED": "Pyodide or the crm-callbacks wheel failed to load",
    "PYTHON_EXCEPTION": "`dispatch_json` threw across the boundary (a bug: it never should)",
    "UNKNOWN_MESSAGE_TYPE": "the offscreen document got a message type it does not handle",
    "SAVE_FAILED": "saving the options failed in the service worker",
    "PERMISSION_REFUSED": "Chrome did not grant host access to the App Connect server just "
    "saved in the options",
    "BACKGROUND_UNREACHABLE": "the options page could not reach the service worker",
    "BAD_ANSWER": "the options page got an answer from the service worker it does not understand",
    "STATE_NEEDED": "a fresh offscreen document holds no state yet: the worker sends the "
    "persisted state once with the event (not shown to the user)",
    "BAD_SETTINGS": "the options were not saved: Python refused a value (its errors are in "
    "`error.errors`)",
    "NOT_ALLOWED": "a runtime message came from a sender that may not send it (a CRM page, "
    "or the in-page phone while that option is off)",
    "BAD_MESSAGE": "a runtime message the worker cannot read",
    "INTERNAL": "the worker failed while handling a runtime message (a bug)",
    "OPTIONS_LOAD_FAILED": "the options page could not read `settings-schema.json` or "
    "`config.json`",
}
SHIM_CODE_LITERAL = re.compile(r"""\bcode\s*:\s*["']([A-Z][A-Z0-9_]+)["']""")
ANY_LITERAL = re.compile(r"""["']([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)["']""")


# ---- helpers ----------------------------------------------------------------------


def table(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


def code(value: object) -> str:
    """`value` as inline code (JSON for non-strings); empty and None become a dash."""
    if value is None or value == "" or value == () or value == []:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return f"`{text}`"


def first_line(doc: str | None) -> str:
    """The first sentence-line of a docstring, or '' when there is none."""
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n", 1)[0].split())


def entries(mapping: Any) -> list[tuple[str, Any]]:
    """(key, value) pairs of a dict, or of a registry type that maps keys to values."""
    if hasattr(mapping, "items"):
        return [(str(k), v) for k, v in mapping.items()]
    if hasattr(mapping, "__iter__") and hasattr(mapping, "__getitem__"):
        return [(str(k), mapping[k]) for k in mapping]
    inner = [v for v in vars(mapping).values() if isinstance(v, dict)]
    if len(inner) == 1:  # a registry object holding one dict
        return [(str(k), v) for k, v in inner[0].items()]
    raise TypeError(f"cannot list the entries of {mapping!r}")


def where(function: Any) -> str:
    function = inspect.unwrap(function)
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__qualname__", getattr(function, "__name__", repr(function)))
    return f"`{module.removeprefix('crm_callbacks.')}.{name}`"


def describe(function: Any) -> str:
    """The function's docstring's first line, else its module's."""
    function = inspect.unwrap(function)
    text = first_line(getattr(function, "__doc__", None))
    if not text:
        module = sys.modules.get(getattr(function, "__module__", ""))
        text = first_line(getattr(module, "__doc__", None))
    return text or NO_DESCRIPTION


# ---- blocks -----------------------------------------------------------------------


def error_codes() -> str:
    """Every `ErrorCode` member, with the docstring written under it in errors.py."""
    from crm_callbacks.errors import ErrorCode

    meanings = _member_docstrings(ErrorCode)
    rows = [[code(member.value), meanings.get(member.name, NO_DESCRIPTION)] for member in ErrorCode]
    return table(["code", "meaning"], rows)


def _member_docstrings(enum_class: type) -> dict[str, str]:
    """{member name: the string literal right after its assignment} from the class source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(enum_class)))
    except (OSError, TypeError, SyntaxError):
        return {}
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        body = node.body
        for statement, following in itertools.pairwise(body):
            targets = (
                statement.targets
                if isinstance(statement, ast.Assign)
                else [statement.target]
                if isinstance(statement, ast.AnnAssign)
                else []
            )
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                for target in targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = first_line(following.value.value)
    return found


def shim_error_codes() -> str:
    """The codes the JS shim reports itself, found in the extension's source files."""
    found: dict[str, set[str]] = {}
    sources = [p for p in sorted((ROOT / "extension").rglob("*")) if p.suffix in (".js", ".mjs")]
    # Names shared by both sides may be defined in Python and generated into the JS.
    sources += [p for p in (ROOT / "crm_callbacks").glob("names*.py")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        names = set(SHIM_CODE_LITERAL.findall(text))
        names |= {n for n in ANY_LITERAL.findall(text) if n in SHIM_CODE_MEANINGS}
        shown = path.relative_to(ROOT / "extension" if path.suffix != ".py" else ROOT)
        for name in names:
            found.setdefault(name, set()).add(str(shown))
    rows = [
        [
            code(name),
            ", ".join(f"`{f}`" for f in sorted(files)),
            SHIM_CODE_MEANINGS.get(name, NO_DESCRIPTION.replace("the code", "scripts/docs.py")),
        ]
        for name, files in sorted(found.items())
    ]
    return table(["code", "reported by", "meaning"], rows)


def actions() -> str:
    """Every action constructor of crm_callbacks.actions: its type, fields and purpose."""
    from crm_callbacks import actions as module

    rows = []
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if name.startswith("_") or function.__module__ != module.__name__:
            continue
        shape = _returned_dict(function, vars(module))
        if shape is None:
            continue
        action_type, fields = shape
        rows.append(
            [
                code(action_type),
                ", ".join(_field(f) for f in fields) or "—",
                f"`{name}()`",
                describe(function),
            ]
        )
    return table(["type", "fields", "constructor", "what it asks the shim for"], rows)


def _returned_dict(function: Callable[..., Any], namespace: dict[str, Any]) -> Any:
    """(type, other keys) of the dict literal `function` returns, or None."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None
    returned = {
        node.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name)
    }
    for node in ast.walk(tree):
        literal, name = None, None
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            literal = node.value
        elif (  # ``action = {...}`` ... ``return action``
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Dict)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in returned
        ):
            literal, name = node.value, node.targets[0].id
        if literal is None:
            continue
        keys = [_literal(k, namespace) for k in literal.keys if k is not None]
        values = dict(zip(keys, literal.values, strict=False))
        if "type" in values:
            action_type = _literal(values["type"], namespace)
            fields = [k for k in keys if k != "type" and isinstance(k, str)]
            return action_type, fields + _added_keys(tree, name, namespace)
    return None


def _field(name: str) -> str:
    key, optional, _ = name.partition(" (optional)")
    return f"`{key}`" + (" (optional)" if optional else "")


def _added_keys(tree: ast.AST, name: str | None, namespace: dict[str, Any]) -> list[str]:
    """Keys set later on the returned dict (``action["x"] = ...``): optional fields."""
    added = []
    for node in ast.walk(tree):
        if name and isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == name
                ):
                    key = _literal(target.slice, namespace)
                    if isinstance(key, str):
                        added.append(f"{key} (optional)")
    return added


def _literal(node: ast.expr, namespace: dict[str, Any]) -> Any:
    """A constant, or a name/attribute resolved in the module (an enum gives its value)."""
    if isinstance(node, ast.Constant):
        return node.value
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in namespace:
        return None
    value = namespace[node.id]
    for part in parts:
        value = getattr(value, part, None)
    return getattr(value, "value", value)


def event_rules() -> str:
    """The router's RULES: each widget message type and the rule that handles it."""
    from crm_callbacks import rules  # noqa: F401 - registers every rule
    from crm_callbacks.router import RULES

    rows = []
    for message_type, rule in sorted(entries(RULES)):
        handler = getattr(rule, "handler", rule)
        needs_adapter = getattr(rule, "needs_adapter", True)
        on_failure = getattr(rule, "on_failure", None)
        notes = [] if needs_adapter else ["on any page (no CRM adapter needed)"]
        if on_failure is not None:
            notes.append(f"on failure still sends {where(on_failure)}")
        text = "; ".join(part.rstrip(".") for part in [describe(handler), *notes]) + "."
        rows.append([code(message_type), where(handler), text])
    return table(["message type", "rule", "what it does"], rows)


def _rule_modules() -> list[Any]:
    """The router and every module of crm_callbacks.rules, imported (which registers rules)."""
    import importlib
    import pkgutil

    from crm_callbacks import router, rules

    names = sorted(info.name for info in pkgutil.iter_modules(rules.__path__))
    return [router, rules, *(importlib.import_module(f"{rules.__name__}.{n}") for n in names)]


def _rules_table(attribute: str, header: list[str]) -> str:
    for module in _rule_modules():
        mapping = getattr(module, attribute, None)
        if mapping is not None:
            rows = [[code(key), where(value), describe(value)] for key, value in entries(mapping)]
            return table(header, sorted(rows))
    return f"*(no `{attribute}` table in crm_callbacks.rules)*\n"


def request_paths() -> str:
    """The widget's requests to our service (``rc-post-message-request``), by path."""
    return _rules_table("REQUEST_HANDLERS", ["request path", "handler", "what it does"])


def buttons() -> str:
    """Buttons of the pages we register in the widget (chooser, API-key form)."""
    return _rules_table("BUTTON_HANDLERS", ["button (page id)", "handler", "what it does"])


def continuations() -> str:
    """What resumes when a fetch result arrives, by the continuation's kind."""
    return _rules_table("CONTINUATIONS", ["continuation kind", "resumes in", "what it does"])


def settings() -> str:
    """Every setting of the options page, from the settings schema Python serves it."""
    from crm_callbacks.adapters import default_registry
    from crm_callbacks.settings import settings_schema

    try:
        schema = settings_schema(default_registry())
    except TypeError:  # a schema that no longer needs the registry
        schema = settings_schema()
    rows = []
    for group in schema.get("groups", []):
        for field in group.get("fields", []):
            rows.append(
                [
                    code(field.get("key")),
                    group.get("title", ""),
                    _values(field),
                    _default(field),
                    _label(field),
                ]
            )
    return table(["setting", "group", "values", "default", "what it is"], rows)


def _label(field: dict[str, Any]) -> str:
    label, help_text = (field.get(k, "").replace("*", "\\*") for k in ("label", "help"))
    if label and help_text:
        return f"*{label}* — {help_text}"
    return label or help_text or NO_DESCRIPTION


def _values(field: dict[str, Any]) -> str:
    choices = field.get("choices")
    if choices:
        return ", ".join(code(c.get("value")) for c in choices)
    kind = field.get("type", "")
    return {
        "boolean": "`true`, `false`",
        "url": "a URL (https; http only on loopback)",
        "text": "text",
        "perPlatform": "`{CRM name: https URL template}`",
    }.get(kind, f"{kind}")


def _default(field: dict[str, Any]) -> str:
    default, build_key = field.get("default"), field.get("defaultFromBuild")
    if field.get("type") == "perPlatform":
        own = [
            f"{p.get('name')}: {code(p.get('default'))}"
            for p in field.get("platforms", [])
            if p.get("default")
        ]
        return "each CRM's own" + (f" ({'; '.join(own)}; others none)" if own else "")
    if build_key:
        return f"the build's `{build_key}`" + (f", else {code(default)}" if default else "")
    return code(default)


def _adapters() -> list[Any]:
    """The built-in adapters (installed plug-ins and a CRM manifest are not documented)."""
    from crm_callbacks import adapters as package

    builtin = getattr(package, "BUILTIN_ADAPTERS", None)
    return list(builtin) if builtin is not None else list(package.default_registry())


def adapter_urls() -> str:
    """Each built-in CRM's host and the URLs it opens."""
    rows = []
    for a in _adapters():
        can_open = getattr(a, "can_open_log_page", False)
        rows.append(
            [
                f"{getattr(a, 'display_name', a.name)} ({code(a.name)})",
                code(getattr(a, "url_identifier", None)),
                code(getattr(a, "contact_page_url", None)),
                code(getattr(a, "log_page_url", None)),
                "yes" if can_open else "no: View log opens the contact page",
            ]
        )
    return table(
        ["CRM (name)", "urlIdentifier", "contact page", "log page", "canOpenLogPage"], rows
    )


def adapter_details() -> str:
    """Each built-in CRM's types, sign-in, storage and behaviour flags."""
    rows = []
    for a in _adapters():
        flags = []
        if getattr(a, "open_in_popup", False):
            flags.append("opens records in a background popup")
        if not getattr(a, "supports_open_all_matches", True):
            flags.append("several matches always prompt")
        if type(a).__name__ != "Adapter":
            flags.append(f"code: `{type(a).__module__}.{type(a).__name__}`")
        rows.append(
            [
                getattr(a, "display_name", a.name),
                ", ".join(code(t) for t in getattr(a, "contact_types", ())) or "—",
                code(getattr(a, "auth_type", None)),
                ", ".join(code(k) for k in getattr(a, "storage_keys", ())) or "—",
                ", ".join(code(k) for k in getattr(a, "unauthorize_keys", ())) or "—",
                code(getattr(a, "fallback_contact_page_url", None)),
                "; ".join(flags) or "—",
            ]
        )
    header = [
        "CRM",
        "contactTypes",
        "authType",
        "storageKeys (read)",
        "unauthorizeKeys (removed on logout)",
        "no-match page",
        "notes",
    ]
    return table(header, rows)


def storage_keys() -> str:
    """The chrome.storage.local keys that reach Python (context.storage)."""
    from crm_callbacks.manifest import storage_keys as keys

    return "".join(f"- `{key}`\n" for key in keys())


def manifest_fields() -> str:
    """The App Connect manifest fields a JSON CRM manifest may set."""
    from crm_callbacks.adapters import app_connect

    fields = getattr(app_connect, "SIMPLE_FIELDS", None) or getattr(app_connect, "FIELDS", {})
    rows = [
        [code(key), f"`{spec[0]}`", getattr(spec[1], "__name__", "")]
        for key, spec in entries(fields)
    ]
    structured = sorted(set(getattr(app_connect, "USED_FIELDS", ())) - set(fields) - {"name"})
    rows += [[code(key), "read by `adapters.app_connect`", "—"] for key in structured]
    return table(["manifest field", "Adapter field", "JSON type"], rows)


def limits() -> str:
    """Every ``MAX_*`` bound and ``*_TIMEOUT_MS`` of the boundary, state and server modules."""
    import importlib

    rows = []
    modules = ("crm_callbacks", "crm_callbacks.state", "crm_callbacks.settings")
    for module_name in (*modules, "crm_callbacks.appconnect"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name, value in vars(module).items():
            bound = name.startswith("MAX_") or name.endswith("_TIMEOUT_MS")
            if bound and isinstance(value, int) and not isinstance(value, bool):
                rows.append([f"`{module_name}.{name}`", str(value)])
    return table(["bound", "value"], rows)


BLOCKS: dict[str, Callable[[], str]] = {
    "error-codes": error_codes,
    "shim-error-codes": shim_error_codes,
    "actions": actions,
    "event-rules": event_rules,
    "request-paths": request_paths,
    "buttons": buttons,
    "continuations": continuations,
    "settings": settings,
    "adapter-urls": adapter_urls,
    "adapter-details": adapter_details,
    "storage-keys": storage_keys,
    "manifest-fields": manifest_fields,
    "limits": limits,
}


# ---- rewriting ----------------------------------------------------------------------


def render(text: str, path: Path, cache: dict[str, str]) -> str:
    """`text` with every generated block rewritten; ValueError for an unknown block name."""

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in BLOCKS:
            raise ValueError(
                f"{path}: unknown generated block {name!r} (known: {', '.join(BLOCKS)})"
            )
        if name not in cache:
            cache[name] = BLOCKS[name]()
        return f"{match['start']}{cache[name]}{match['end']}"

    return BLOCK.sub(replace, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("--docs", type=Path, default=DOCS, help="folder of Markdown files")
    args = parser.parse_args(argv)
    cache: dict[str, str] = {}
    stale = []
    for path in sorted(args.docs.glob("*.md")):
        old = path.read_text(encoding="utf-8")
        try:
            new = render(old, path, cache)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        if new == old:
            continue
        stale.append(path)
        if args.check:
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    str(path),
                    "generated",
                )
            )
        else:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path.relative_to(args.docs.parent)}")
    if args.check and stale:
        names = ", ".join(str(p.name) for p in stale)
        print(
            f"stale: {names}; run `python scripts/docs.py` and commit the result", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
