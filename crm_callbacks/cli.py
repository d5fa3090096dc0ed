"""The ``crm-callbacks`` command: list adapters, try widget events, start an adapter, build.

``adapters`` lists the registered adapters, their hosts and where each comes from
(and what was left out, and why); ``simulate`` runs widget events through the same
`dispatch` the extension runs in Pyodide and prints what the extension would do;
``new-adapter`` writes an adapter and its passing test (``--package``: a whole
installable plug-in package) from the testCRM sample; ``build`` runs the build
script of the checkout around us, or the copy shipped in the wheel. Exit codes: 0
success, 1 the simulated events gave errors or a step failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import keyword
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, TextIO

from . import __version__, router
from ._kit import find_checkout
from .adapters import Adapter, Registry, default_registry
from .adapters import testcrm as sample
from .service import JWT_KEY
from .testing import CrmPhone, Direction, Result, example_hostname

__all__ = [
    "build",
    "find_checkout",
    "list_adapters",
    "load_adapter",
    "main",
    "print_table",
    "render_template",
]

PROG = "crm-callbacks"
PACKAGE_DIR = Path(__file__).resolve().parent
CACHE_ENV = "CRM_CALLBACKS_CACHE"


class UsageError(Exception):
    """A mistake in the command line: reported in one line, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "build":
        return build(args[1:])
    parser = _parser()
    options = parser.parse_args(args)
    if options.command is None:
        parser.print_help()
        return 2
    try:
        return options.run(options)
    except UsageError as exc:
        print(f"{PROG} {options.command}: error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="RingCentral CRM callbacks in Python: list, simulate, scaffold, build.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_adapters(commands)
    _add_simulate(commands)
    _add_new_adapter(commands)
    commands.add_parser(
        "build",
        add_help=False,
        help="build the extension into build/dist (same flags as scripts/build.py; --help)",
    )
    return parser


# --- adapters ----------------------------------------------------------------------


def _add_adapters(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "adapters",
        help="list the registered adapters, their hosts and where each comes from",
        description=(
            "List every adapter the extension would use: its name, the CRM page hosts "
            "(urlIdentifier and the Chrome match patterns), where it comes from "
            "(built-in, plug-in DISTRIBUTION, manifest PATH), and the adapters left "
            "out because they are broken, with the reason."
        ),
    )
    command.set_defaults(run=_adapters)
    command.add_argument(
        "--format", choices=("table", "json"), default="table", help="output (default: table)"
    )


def _adapters(options: argparse.Namespace) -> int:
    registry = default_registry()
    listed = list_adapters(registry)
    if options.format == "json":
        print(json.dumps(listed, indent=2, ensure_ascii=False))
        return 0
    rows = [("name", "hosts", "from", "match patterns")]
    rows += [
        (a["name"], a["urlIdentifier"], a["origin"], " ".join(a["matches"]))
        for a in listed["adapters"]
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        line = "  ".join(f"{cell:<{width}}" for cell, width in zip(row, widths, strict=False))
        print(f"{line}  {row[3]}".rstrip())
    if listed["skipped"]:
        print(f"\nleft out ({len(listed['skipped'])}):")
        for item in listed["skipped"]:
            print(f"  {item['name']} ({item['origin']}): {item['reason']}")
    return 0


def list_adapters(registry: Registry) -> dict[str, list[dict[str, Any]]]:
    """What ``crm-callbacks adapters`` shows: the adapters, and those left out."""
    adapters = [
        {
            "name": adapter.name,
            "displayName": adapter.display_name,
            "urlIdentifier": adapter.url_identifier,
            "matches": adapter.host_match_patterns(),
            "origin": registry.origin(adapter.name),
            "canOpenLogPage": adapter.can_open_log_page,
        }
        for adapter in registry
    ]
    skipped = [
        {"name": item.name, "origin": item.origin, "reason": item.reason}
        for item in getattr(registry, "skipped", [])
    ]
    return {"adapters": adapters, "skipped": skipped}


# --- simulate ----------------------------------------------------------------------


class _Event(argparse.Action):
    """Collects widget events in command-line order into ``namespace.events``."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        namespace.events = [*namespace.events, (self.dest, values)]


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def _contact(text: str) -> str | dict[str, Any]:
    return _json_object(text) if text.lstrip().startswith("{") else text


def _add_simulate(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "simulate",
        help="run widget events through dispatch and print the actions",
        description=(
            "Run widget events, in the order given, through crm_callbacks.dispatch as the "
            "extension does (state carried from one to the next) and print the actions: "
            "one JSON object per line, errors on stderr as CODE: message. "
            "Exit code 1 when any event gave an error."
        ),
        epilog=(
            "example: crm-callbacks simulate --platform pipedrive "
            "--hostname acme.pipedrive.com --ring +16505550100 --contact 42"
        ),
    )
    command.set_defaults(run=_simulate, events=[])
    page = command.add_argument_group("the CRM page")
    page.add_argument("--platform", help="a registered adapter's name (e.g. pipedrive)")
    page.add_argument("--hostname", help="the CRM page's host (default: one the adapter matches)")
    page.add_argument(
        "--adapter",
        metavar="MODULE[:ATTR]",
        help="an adapter not registered yet: module or .py file, attribute ADAPTER by default",
    )
    events = command.add_argument_group("widget events (in order, repeatable)")
    events.add_argument("--ring", metavar="NUMBER", action=_Event, help="a new call rings")
    events.add_argument("--answer", nargs=0, action=_Event, help="the call is answered")
    events.add_argument("--end", nargs=0, action=_Event, help="the call ends (NoCall)")
    events.add_argument(
        "--flap", metavar="NUMBER", action=_Event, help="a new call: Ringing, NoCall, Ringing …"
    )
    events.add_argument(
        "--view-log", metavar="LOGID", nargs="?", action=_Event, help="View log details"
    )
    events.add_argument("--logout", nargs=0, action=_Event, help="Logout of the CRM (deauthorize)")
    events.add_argument("--login", nargs=0, action=_Event, help="logged in to RingCentral")
    events.add_argument(
        "--match-contacts", metavar="NUMBER", nargs="+", action=_Event, help="contact-match request"
    )
    events.add_argument(
        "--message", metavar="JSON", type=_json_object, action=_Event, help="any widget message"
    )
    calls = command.add_argument_group("calls")
    calls.add_argument(
        "--contact",
        metavar="ID|JSON",
        type=_contact,
        action=_Event,
        help=(
            "the contact the widget matched for the --ring, --flap or --answer just before "
            "it (repeat it for several matches); each call has its own"
        ),
    )
    calls.add_argument("--outbound", action="store_true", help="calls are outbound")
    calls.add_argument("--web-phone", action="store_true", help="web-phone events for every call")
    context = command.add_argument_group("context")
    for name, what in (
        ("settings", "the user's settings (crmCallbacksSettings)"),
        ("storage", "chrome.storage.local items"),
        ("contacts", "context.contacts: number → list of contacts"),
        ("state", "the state a previous dispatch returned"),
    ):
        context.add_argument(f"--{name}", metavar="JSON", type=_json_object, help=what)
    command.add_argument(
        "--format", choices=("json", "table"), default="json", help="output (default: json)"
    )


def _simulate(options: argparse.Namespace) -> int:
    if not [kind for kind, _ in options.events if kind != "contact"]:
        raise UsageError("nothing to simulate: give --ring, --view-log, --logout, --message …")
    adapter = load_adapter(options.adapter) if options.adapter else None
    registry = default_registry()
    if options.platform and adapter is None:
        known = registry.get(options.platform)
        if known is None:
            names = ", ".join(a.name for a in registry)
            raise UsageError(f"unknown platform {options.platform!r}; registered: {names}")
        if options.hostname and not known.matches_host(options.hostname.lower().rstrip(".")):
            raise UsageError(
                f"{known.name} runs on {known.url_identifier}, not on {options.hostname}: "
                "the extension would not open its pages there (leave out --platform to "
                "use the adapter of that host, or give one of its hosts)"
            )
    try:
        phone = CrmPhone(
            options.platform,
            hostname=options.hostname,
            adapter=adapter,
            settings=options.settings or {},
            storage=options.storage or {},
            contacts=options.contacts or {},
            state=options.state or {},
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if phone.hostname is None:
        raise UsageError("give --platform, --hostname or --adapter")
    direction: Direction = "outbound" if options.outbound else "inbound"
    web_phone = True if options.web_phone else None
    steps: list[tuple[str, Result]] = []
    try:
        for kind, value, contact in _with_contacts(options.events):
            if kind == "ring":
                result = phone.ring(
                    value, contact=contact, direction=direction, web_phone=web_phone
                )
            elif kind == "answer":
                result = phone.answer(contact=contact, web_phone=web_phone)
            elif kind == "end":
                result = phone.hang_up()
            elif kind == "flap":
                result = phone.flap(value, direction=direction, contact=contact)
            elif kind == "view_log":
                result = phone.view_log(value)
            elif kind == "logout":
                _check_session(phone)
                result = phone.logout()
            elif kind == "login":
                result = phone.log_in()
            elif kind == "match_contacts":
                result = phone.match_contacts(*value)
            else:
                _check_message_type(value)
                result = phone.send(value)
            label = kind.replace("_", "-") + (f" {_short(value)}" if value else "")
            steps.append((label, result))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if options.format == "table":
        print_table(steps, sys.stdout)
    else:
        for _, result in steps:
            for action in result.actions:
                print(json.dumps(action, ensure_ascii=False))
            for error in result.errors:
                print(f"{error['code']}: {error['message']}", file=sys.stderr)
    return 1 if any(result.errors for _, result in steps) else 0


_CALL_EVENTS = ("ring", "flap", "answer")


def _with_contacts(events: list[tuple[str, Any]]) -> list[tuple[str, Any, Any]]:
    """Events with the --contact values that follow each call event attached to it.

    A --contact given before any call event belongs to the first one after it.
    """
    attached: list[tuple[str, Any, list[Any]]] = []
    waiting: list[Any] = []
    for kind, value in events:
        if kind != "contact":
            attached.append((kind, value, waiting if kind in _CALL_EVENTS else []))
            waiting = [] if kind in _CALL_EVENTS else waiting
            continue
        last_call = next((e for e in reversed(attached) if e[0] in _CALL_EVENTS), None)
        (last_call[2] if last_call is not None else waiting).append(value)
    if waiting:
        raise UsageError("--contact belongs to a --ring, --flap or --answer, and none is given")
    return [(kind, value, contacts or None) for kind, value, contacts in attached]


def _check_session(phone: CrmPhone) -> None:
    """A Logout needs a CRM session; without one the widget's button means Connect."""
    if JWT_KEY not in phone.storage:
        raise UsageError(
            f"--logout: there is no CRM session to log out of (no {JWT_KEY} in --storage), "
            "so the widget's button would start connecting instead; give "
            f'--storage \'{{"{JWT_KEY}": "token"}}\' to simulate a connected CRM'
        )


def _check_message_type(message: dict[str, Any]) -> None:
    """An unknown --message type is a typo, not a message the extension ignores."""
    kind = message.get("type")
    known = sorted(str(name) for name in router.RULES)
    if kind not in known:
        raise UsageError(
            f"--message: no rule handles type {kind!r}, so the extension would ignore it; "
            f"handled types: {', '.join(known)}"
        )


def print_table(steps: Sequence[tuple[str, Result]], out: TextIO) -> None:
    """A readable table: one row per action or error, under the event that caused it."""
    rows = [("event", "action", "detail")]
    for label, result in steps:
        lines = [(a["type"], _describe(a)) for a in result.actions]
        lines += [("error", f"{e['code']}: {e['message']}") for e in result.errors]
        for index, (kind, detail) in enumerate(lines or [("-", "nothing")]):
            rows.append((label if index == 0 else "", kind, detail))
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip(), file=out)


def _describe(action: dict[str, Any]) -> str:
    kind = action["type"]
    if kind == "openTab":
        where = "popup" if action.get("popup") else "tab"
        return f"{action['url']} ({where}, {'in front' if action['active'] else 'background'})"
    if kind == "removeStorage":
        return ", ".join(action["keys"])
    if kind == "setStorage":
        return _short(action["items"])
    if kind == "reply":
        return f"{action['requestId']}: {_short(action['data'])}"
    if kind == "post":
        return _short(action["message"])
    if kind == "notify":
        return f"{action['level']}: {action['message']}"
    return _short({k: v for k, v in action.items() if k != "type"})


def _short(value: Any, limit: int = 100) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_adapter(spec: str) -> Adapter:
    """The Adapter named by ``module[:ATTR]`` or ``path/to/file.py[:ATTR]``."""
    target, _, attribute = spec.partition(":")
    attribute = attribute or "ADAPTER"
    try:
        if target.endswith(".py"):
            path = Path(target).resolve()
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            if module_spec is None or module_spec.loader is None or not path.is_file():
                raise UsageError(f"--adapter: no such file {target}")
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except ImportError as exc:
        raise UsageError(f"--adapter: cannot import {target}: {exc}") from None
    adapter = getattr(module, attribute, None)
    if not isinstance(adapter, Adapter):
        raise UsageError(f"--adapter: {target}:{attribute} is not a crm_callbacks Adapter")
    return adapter


# --- new-adapter -------------------------------------------------------------------


def _add_new_adapter(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "new-adapter",
        help="write an adapter and its passing test from the testCRM sample",
        description=(
            "Write NAME's adapter module and a pytest module for its three callbacks "
            "(call-pop, open log page, deauthorize), from the testCRM sample. "
            "Existing files are never overwritten."
        ),
    )
    command.set_defaults(run=_new_adapter)
    command.add_argument("name", metavar="NAME", help="the platform name, e.g. acmeCRM")
    command.add_argument(
        "--url-identifier",
        metavar="PATTERN",
        help="the CRM's page hosts: host or *.domain (default: *.NAME.example)",
    )
    command.add_argument("--display-name", help="the name users see (default: NAME)")
    command.add_argument(
        "--dir",
        type=Path,
        help="where the adapter goes (default: crm_callbacks/adapters in a checkout, else .)",
    )
    command.add_argument(
        "--package",
        action="store_true",
        help=(
            "write an installable plug-in package instead: pyproject.toml with the "
            "crm_callbacks.adapters entry point, src/ layout, tests (in --dir, default "
            "./crm-callbacks-NAME)"
        ),
    )
    command.add_argument(
        "--tests-dir",
        type=Path,
        help="where its test goes (default: tests/unit in a checkout, else beside the adapter)",
    )


def _new_adapter(options: argparse.Namespace) -> int:
    name: str = options.name
    module = name.lower()
    if not (name.isascii() and module.isidentifier()) or keyword.iskeyword(module):
        raise UsageError(f"NAME {name!r} must be letters, digits and _ (not first a digit)")
    adapter = replace(
        sample.ADAPTER,
        name=name,
        display_name=options.display_name or name,
        url_identifier=(options.url_identifier or f"*.{module}.example").lower(),
    )
    try:
        adapter.validate()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if default_registry().get(name) is not None:
        raise UsageError(f"an adapter named {name!r} is already registered; pick another NAME")
    if options.package:
        return _new_package(options, adapter, module)
    checkout = Path.cwd() / "crm_callbacks" / "adapters"
    directory = (options.dir or (checkout if checkout.is_dir() else Path.cwd())).resolve()
    tests_dir = (options.tests_dir or _default_tests_dir(directory)).resolve()
    package = _package_of(directory)
    if package is None and tests_dir != directory:
        raise UsageError(
            f"{directory} is not a Python package, so a test elsewhere cannot import the "
            "adapter: leave out --tests-dir (the test goes beside it) or use a package"
        )
    module_path = directory / f"{module}.py"
    test_path = tests_dir / f"test_{module}_adapter.py"
    for path in (module_path, test_path):
        if path.exists():
            print(f"{PROG} new-adapter: refusing to overwrite {_show(path)}", file=sys.stderr)
            return 1
    values = {
        "name": name,
        "module": module,
        "display_name": adapter.display_name,
        "url_identifier": adapter.url_identifier,
        "hostname": example_hostname(adapter),
        "import_path": f"{package}.{module}" if package else module,
    }
    directory.mkdir(parents=True, exist_ok=True)
    tests_dir.mkdir(parents=True, exist_ok=True)
    module_path.write_text(render_template("adapter.py.tmpl", values), encoding="utf-8")
    test_path.write_text(render_template("test_adapter.py.tmpl", values), encoding="utf-8")
    print(_next_steps(values, module_path, test_path, package))
    return 0


PACKAGE_FILES = {
    "pyproject.toml": "package/pyproject.toml.tmpl",
    "README.md": "package/README.md.tmpl",
    "src/{package}/__init__.py": "package/adapter.py.tmpl",
    "tests/test_{module}.py": "package/test_adapter.py.tmpl",
    "tests/test_{module}_e2e.py": "package/test_e2e.py.tmpl",
}


def _new_package(options: argparse.Namespace, adapter: Adapter, module: str) -> int:
    """Write an installable plug-in package for `adapter`; exit code."""
    if options.tests_dir is not None:
        raise UsageError("--tests-dir does not go with --package (its tests go in tests/)")
    distribution = f"crm-callbacks-{module}"
    directory = (options.dir or Path.cwd() / distribution).resolve()
    if directory.exists() and any(directory.iterdir()):
        print(
            f"{PROG} new-adapter: refusing to write into {_show(directory)}: not empty",
            file=sys.stderr,
        )
        return 1
    hostname = example_hostname(adapter)
    values = {
        "name": adapter.name,
        "module": module,
        "display_name": adapter.display_name,
        "url_identifier": adapter.url_identifier,
        "hostname": hostname,
        "e2e_hostname": hostname,
        "package": f"crm_callbacks_{module}",
        "distribution": distribution,
        "crm_callbacks_version": __version__,
    }
    for target, template in PACKAGE_FILES.items():
        path = directory / target.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_template(template, values), encoding="utf-8")
    where = _show(directory)
    src = f"{where}/src/{values['package']}/__init__.py"
    print(
        f"""Wrote the package {distribution} in {where}.
Next:
  1. pip install -e '{where}[test]'  (registers {adapter.name} with crm-callbacks)
  2. pytest {where}  (passes as generated: the conformance check and the callbacks)
  3. crm-callbacks adapters  ({adapter.name} is listed, from plug-in {distribution})
  4. Put {adapter.display_name}'s real URL templates in {src},
     the URLs you expect in its tests, and run pytest again.
  5. crm-callbacks build, then chrome://extensions → Load unpacked → build/dist;
     pytest then also runs tests/test_{module}_e2e.py: a pop in Chromium."""
    )
    return 0


def render_template(template: str, values: dict[str, str]) -> str:
    """A file of ``crm_callbacks/templates`` with ``${name}`` placeholders filled."""
    text = resources.files(__package__).joinpath("templates", template).read_text("utf-8")
    return Template(text).substitute(values)


def _default_tests_dir(directory: Path) -> Path:
    root = directory.parent.parent
    in_checkout = directory.parts[-2:] == ("crm_callbacks", "adapters")
    if in_checkout and (root / "tests" / "unit").is_dir():
        return root / "tests" / "unit"
    return directory


def _package_of(directory: Path) -> str | None:
    """Dotted name of the package `directory` is (None when it is no package)."""
    names = []
    while (directory / "__init__.py").is_file():
        names.append(directory.name)
        directory = directory.parent
    return ".".join(reversed(names)) or None


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _next_steps(
    values: dict[str, str], module_path: Path, test_path: Path, package: str | None
) -> str:
    module, name = values["module"], values["name"]
    if package == "crm_callbacks.adapters":
        built_in = (
            f"in crm_callbacks/adapters/__init__.py import {module} and add\n"
            f"       {module}.ADAPTER to BUILTIN_ADAPTERS; or"
        )
    else:
        built_in = (
            "move it to crm_callbacks/adapters/ and add it to\n"
            "       BUILTIN_ADAPTERS in crm_callbacks/adapters/__init__.py; or"
        )
    return f"""Wrote {_show(module_path)} and {_show(test_path)}.
Next:
  1. pytest {_show(test_path)}   (passes as generated)
  2. crm-callbacks simulate --adapter {_show(module_path)} --ring +16505550100 --contact 42
     shows what the extension would do on {values["hostname"]}.
  3. Put {name}'s real URL templates in {_show(module_path)}, the URLs you expect in
     the test, and run both again.
  4. Register the adapter, either
     - built in: {built_in}
     - as a plug-in, from your own package's pyproject.toml:
         [project.entry-points."crm_callbacks.adapters"]
         {module} = "{values["import_path"]}:ADAPTER"
  5. crm-callbacks build, then chrome://extensions → Load unpacked → build/dist
     (docs/write-an-adapter.md walks through it)."""


# --- build -------------------------------------------------------------------------


def build(args: Sequence[str]) -> int:
    """Build the extension: the checkout's ``scripts/build.py``, else the wheel's copy.

    In a checkout (the current folder's, or the one this package is imported from)
    its build script runs with `args`. From a pip install, the files the build needs
    ship in the wheel (``crm_callbacks/_kit``): they are laid out as a checkout in a
    temporary folder with this installed package, Pyodide is cached in
    ``$CRM_CALLBACKS_CACHE`` (default ``~/.cache/crm-callbacks``), installed adapter
    plug-ins are bundled as from a checkout, and the output goes to ``./build/dist``
    unless ``--out`` says otherwise.
    """
    root = find_checkout(Path.cwd()) or find_checkout(PACKAGE_DIR.parent)
    if root is not None:
        return subprocess.call([sys.executable, str(root / "scripts" / "build.py"), *args])
    kit = PACKAGE_DIR / "_kit"
    if not (kit / "scripts" / "build.py").is_file():
        print(
            f"{PROG} build: error: not in a source checkout of crm-callbacks, and this "
            f"installation ships no build kit ({kit} is missing): install crm-callbacks "
            "from its wheel or sdist, or run the command inside a clone "
            f"(looked in {Path.cwd()} and its parents, and beside {PACKAGE_DIR}).",
            file=sys.stderr,
        )
        return 2
    if "-h" not in args and "--help" not in args and not _can_build_wheels():
        print(
            f"{PROG} build: error: building the extension needs hatchling, to make the "
            f"wheel Pyodide installs: pip install 'crm-callbacks[build]'",
            file=sys.stderr,
        )
        return 2
    if not any(arg == "--out" or arg.startswith("--out=") for arg in args):
        args = [*args, "--out", str(Path.cwd() / "build" / "dist")]
    cache = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "crm-callbacks")
    with tempfile.TemporaryDirectory(prefix="crm-callbacks-build-") as folder:
        staged = _stage_checkout(kit, Path(folder) / "crm-callbacks", cache)
        return subprocess.call([sys.executable, str(staged / "scripts" / "build.py"), *args])


def _can_build_wheels() -> bool:
    return any(importlib.util.find_spec(name) is not None for name in ("hatchling", "build"))


def _stage_checkout(kit: Path, root: Path, cache: Path) -> Path:
    """A checkout-shaped folder: the shipped kit, this package's files, a shared cache."""
    shutil.copytree(kit, root)
    shutil.copytree(
        PACKAGE_DIR,
        root / "crm_callbacks",
        ignore=shutil.ignore_patterns("_kit", "__pycache__", "*.pyc"),
    )
    cache.mkdir(parents=True, exist_ok=True)
    (root / "build").mkdir()
    (root / "build" / "cache").symlink_to(cache.resolve(), target_is_directory=True)
    return root
