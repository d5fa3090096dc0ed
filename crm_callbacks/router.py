"""Turns one widget message into actions: finds the adapter, runs the rule for its type.

The router knows widget message types and nothing about any CRM; adapters know their
CRM and nothing about the widget. Rules register themselves in `RULES`, a table that
refuses a second rule for the same message type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .actions import Action, open_tab
from .adapters import Adapter, Registry, default_registry
from .contacts import Contact, contact_from_json, unique
from .contract import Request
from .errors import CallbackError, ErrorCode
from .phone import lookup
from .registry_table import RegistryTable, owner_of
from .service import service_name
from .state import State
from .urls import check_open_url, normalize_hostname


@dataclass
class Context:
    """What a rule works with, and where it puts its actions and non-fatal errors."""

    request: Request
    adapter: Adapter
    hostname: str
    state: State
    registry: Registry | None = None
    actions: list[Action] = field(default_factory=list)
    errors: list[CallbackError] = field(default_factory=list)

    @property
    def settings(self) -> Mapping[str, Any]:
        return self.request.settings

    @property
    def storage(self) -> Mapping[str, Any]:
        return self.request.storage

    @property
    def service_name(self) -> str:
        """Our service's name in the widget ("" for rules that need no adapter)."""
        return service_name(self.adapter) if self.adapter is not None else ""

    def known_contacts(self, number: str) -> list[Contact]:
        """Matches for `number` from ``context.contacts``, else those kept in state."""
        listed = lookup(self.request.contacts, number)
        if listed is not None:
            if not isinstance(listed, list):
                raise CallbackError(ErrorCode.BAD_REQUEST, "context.contacts values must be lists")
            return unique(self.read_contacts(listed, phone=number))
        return self.state.recall(number)

    def read_contacts(self, raw_contacts: list[Any], *, phone: str) -> list[Contact]:
        """Contacts that parse; each that does not becomes a BAD_CONTACT error."""
        contacts = []
        for raw in raw_contacts:
            try:
                contacts.append(contact_from_json(raw, phone=phone, service_name=self.service_name))
            except CallbackError as error:
                self.errors.append(error)
        return contacts

    def open_contact_pages(self, contacts: list[Contact]) -> int:
        """Open each contact's page (the first in front); return how many were opened."""
        opened = 0
        for contact in contacts:
            try:
                url = self.adapter.contact_page(self.hostname, contact, self.storage)
                self.open_url(url, active=opened == 0)
                opened += 1
            except CallbackError as error:
                self.errors.append(error)
        return opened

    def open_url(self, url: str, *, active: bool) -> None:
        """Queue an openTab for `url` once it passes the guard (else UNSAFE_URL)."""
        allowed = self.adapter.allowed_hosts(self.hostname, self.storage)
        check_open_url(url, allowed)
        popup = self.adapter.open_in_popup
        self.actions.append(open_tab(url, active=active and not popup, popup=popup))


Handler = Callable[[Context], None]
FailureActions = Callable[[dict[str, Any], CallbackError], list[Action]]


@dataclass(frozen=True)
class Rule:
    """A handler for one widget message type.

    `needs_adapter`: the rule works on a CRM page (most do); `on_failure`: actions
    still owed when the rule fails, such as the reply a widget request waits for.
    """

    handler: Handler
    needs_adapter: bool = True
    on_failure: FailureActions | None = None


RULES: RegistryTable[Rule] = RegistryTable("widget message type")


def handles(
    *message_types: str, needs_adapter: bool = True, on_failure: FailureActions | None = None
) -> Callable[[Handler], Handler]:
    """Register a rule for widget `message_types` (each type has one rule)."""

    def register(handler: Handler) -> Handler:
        for message_type in message_types:
            RULES.add(
                message_type, Rule(handler, needs_adapter, on_failure), owner=owner_of(handler)
            )
        return handler

    return register


def failure_actions(message: object, error: CallbackError) -> list[Action]:
    """What must still be sent when handling `message` failed (never opens anything)."""
    if not isinstance(message, dict):
        return []
    rule = RULES.get(message.get("type"))
    return rule.on_failure(message, error) if rule and rule.on_failure else []


@dataclass(frozen=True)
class Outcome:
    actions: list[Action]
    state: dict[str, Any]
    errors: list[CallbackError]


def route(request: Request, registry: Registry | None = None) -> Outcome:
    """Run the rule for the request's message type; unhandled types yield nothing.

    A failing rule opens nothing: its actions are dropped, its error reported, and
    only its `on_failure` actions (the widget's reply) are sent.
    """
    rule = RULES.get(request.message_type)
    incoming = request.state if isinstance(request.state, dict) else {}
    if rule is None:
        return Outcome([], incoming, [])
    state = State.load(request.state, now=request.now)  # not ours: reset, and go on
    if state.problems:
        incoming = state.to_json()
    actions, errors, succeeded = apply_rule(request, rule, state, registry)
    return Outcome(actions, state.to_json() if succeeded else incoming, errors)


def apply_rule(
    request: Request, rule: Rule, state: State, registry: Registry | None
) -> tuple[list[Action], list[CallbackError], bool]:
    """Run `rule` on `state` (changed in place): (actions, errors, succeeded). The
    errors start with what was repaired in the state; a failed rule yields only what
    it still owes (`on_failure`), and its changes to `state` must be dropped."""
    try:
        context = _context(request, rule, state, registry or default_registry())
        rule.handler(context)
    except CallbackError as error:
        return failure_actions(request.message, error), [*state.problems, error], False
    return context.actions, [*state.problems, *context.errors], True


def _context(request: Request, rule: Rule, state: State, registry: Registry) -> Context:
    if not rule.needs_adapter:
        return Context(request, None, "", state, registry=registry)  # type: ignore[arg-type]
    hostname = normalize_hostname(request.hostname)
    adapter = resolve_adapter(request.platform, hostname, registry, request.page_url)
    return Context(request, adapter.for_user(request.settings), hostname, state, registry=registry)


def resolve_adapter(
    platform: str | None, hostname: str, registry: Registry, page_url: str = ""
) -> Adapter:
    """The adapter named by `platform`, else the one whose urlIdentifier matches the page."""
    return registry.resolve(platform, hostname, page_url)
