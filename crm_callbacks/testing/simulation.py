"""Widget messages through `dispatch_json`, the way the extension sends them.

The service worker builds each request from the CRM page's host, the user's settings
and the declared storage keys, passes the ``state`` Python returned last time, then
carries out the actions (storage changes included). `CrmPhone` does the same in
memory, so what an adapter test checks is what Chrome would do.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import dispatch_json, router
from ..adapters import Adapter, Registry, default_registry
from ..appconnect import server_url
from ..contract import CONTRACT_VERSION
from ..errors import CallbackError
from ..manifest import storage_keys
from ..router import resolve_adapter
from ..service import JWT_KEY, SESSION_SERVER_KEY, VIEW_CONTACT_PATH, service_name
from . import messages as widget
from .messages import CALLER, ContactLike, Direction, Message

__all__ = [
    "FIRST_SESSION_ID",
    "CrmPhone",
    "HttpResponse",
    "Result",
    "Server",
    "example_hostname",
    "example_page_path",
    "registry_with",
    "request",
    "simulate",
]

DEFAULT_HOSTNAME = "acme.pipedrive.com"


def request(
    message: Message,
    *,
    hostname: str = DEFAULT_HOSTNAME,
    platform: str | None = None,
    settings: Any = None,
    storage: Any = None,
    contacts: Any = None,
    state: Any = None,
    page_url: str | None = None,
    identity: Any = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The contract request the extension sends for `message` on a CRM page at `hostname`.

    Context keys left as None are left out, as the extension leaves them out;
    values are passed through unchecked, so a test can send hostile ones.
    """
    context: dict[str, Any] = {
        "page": {"hostname": hostname, "url": page_url or f"https://{hostname}/"}
    }
    for key, value in (
        ("platform", platform),
        ("settings", settings),
        ("storage", storage),
        ("contacts", contacts),
        ("identity", identity),
        ("now", now),
    ):
        if value is not None:
            context[key] = value
    return {"v": CONTRACT_VERSION, "message": message, "context": context, "state": state or {}}


@dataclass
class HttpResponse:
    """What a test's server answers to a ``fetch`` action (like an httpx Response)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Server = Callable[[dict[str, Any]], "HttpResponse | Mapping[str, Any]"]
"""A test's HTTP server: gets a fetch action's ``request`` (method, url, headers, body)
and returns an `HttpResponse` or a ``{"status", "body", "headers"}`` mapping; raising
is a network failure (status 0 with an error), as the extension's shim reports it."""

FIRST_SESSION_ID = 214705503020
"""Session ids of a phone's calls count up from the sample messages' one."""


@dataclass
class Result:
    """What the extension was told to do for some widget messages, in order."""

    messages: list[Message]
    responses: list[dict[str, Any]]
    state: dict[str, Any]

    @property
    def actions(self) -> list[dict[str, Any]]:
        return [action for response in self.responses for action in response["actions"]]

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Every ``{code, message}`` error, in order."""
        return [error for response in self.responses for error in response["errors"]]

    @property
    def error_codes(self) -> list[str]:
        return [error["code"] for error in self.errors]

    def of_type(self, action_type: str) -> list[dict[str, Any]]:
        """The actions of one type (``openTab``, ``reply``, ``post`` …)."""
        return [action for action in self.actions if action["type"] == action_type]

    @property
    def opened(self) -> list[str]:
        """URLs of the tabs (or popups) opened, the one in front first."""
        return [action["url"] for action in self.of_type("openTab")]

    @property
    def removed(self) -> list[str]:
        """``chrome.storage.local`` keys removed."""
        return [key for action in self.of_type("removeStorage") for key in action["keys"]]

    @property
    def stored(self) -> dict[str, Any]:
        """``chrome.storage.local`` items written."""
        items: dict[str, Any] = {}
        for action in self.of_type("setStorage"):
            items.update(action["items"])
        return items

    @property
    def posted(self) -> list[dict[str, Any]]:
        """Messages posted to the widget (registration, authorization status …)."""
        return [action["message"] for action in self.of_type("post")]

    @property
    def replies(self) -> dict[str, Any]:
        """The widget's requests answered: request id → reply data."""
        return {action["requestId"]: action["data"] for action in self.of_type("reply")}

    @property
    def notices(self) -> list[tuple[str, str]]:
        """What the user was told, as ``(level, message)``."""
        return [(action["level"], action["message"]) for action in self.of_type("notify")]


@dataclass
class _Call:
    number: str
    direction: Direction
    session_id: str


@dataclass
class CrmPhone:
    """The RingCentral phone on one CRM page, with the extension behind it.

    Bind it with `platform` (a registered adapter's name), `hostname` (the CRM page's
    host; the platform is then found from it, as the extension does) or `adapter` (an
    Adapter under test, registered on top of the built-ins and validated as on
    registration). ``settings`` are the user's options, ``storage`` is
    ``chrome.storage.local`` (only keys adapters declare reach Python) and
    ``contacts`` the contract's ``context.contacts`` (the extension itself passes
    none: it learns contacts from the web phone's ``contactMatch``). A ``contactMatch``
    entry without a ``type`` is sent as one of the CRM's contacts: typed with the
    service's registered name, as the widget's copy of our ``/contacts/match`` reply is.

    ``server`` answers the ``fetch`` actions Python returns, the way httpx's
    MockTransport answers requests: each fetch goes to it and its answer comes back as
    the shim's ``crm-callbacks-fetch-result``, in the same `Result`; `fetched` keeps
    every request it was asked. Without a server, fetch actions are only returned.
    """

    platform: str | None = None
    hostname: str | None = None
    adapter: Adapter | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    storage: dict[str, Any] = field(default_factory=dict)
    contacts: dict[str, list[Any]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    page_path: str = "/"
    server: Server | None = field(default=None, repr=False)
    history: list[Result] = field(default_factory=list, repr=False)
    fetched: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._registry: Registry | None = None
        self._send_platform: str | None = None
        self._written: set[str] = set()
        self._sessions = itertools.count(FIRST_SESSION_ID)
        self._call: _Call | None = None
        self._last_call: _Call | None = None
        if self.platform or self.hostname or self.adapter:
            self.on(self.platform, hostname=self.hostname, adapter=self.adapter)

    # --- binding --------------------------------------------------------------------

    def on(
        self,
        platform: str | None = None,
        *,
        hostname: str | None = None,
        adapter: Adapter | None = None,
    ) -> CrmPhone:
        """Move the phone to another CRM page; returns the phone (state is kept)."""
        if adapter is not None:
            registry = registry_with(adapter)
            hostname = hostname or example_hostname(adapter)
            found = registry.for_hostname(hostname.lower().rstrip("."))
            if found is not registry.get(adapter.name):
                raise ValueError(
                    f"{hostname} is not matched by {adapter.name}'s urlIdentifier "
                    f"{adapter.url_identifier!r}: the extension would not run on that page"
                )
            platform, send_platform = adapter.name, None
        else:
            registry = default_registry()
            send_platform = platform
            if hostname is None:
                known = registry.get(platform) if platform else None
                if known is None:
                    names = ", ".join(a.name for a in registry)
                    raise ValueError(
                        f"give a hostname, or a platform among the registered ones ({names})"
                    )
                hostname = example_hostname(known)
        self.platform, self.hostname, self.adapter = platform, hostname, adapter
        self._registry, self._send_platform = registry, send_platform
        return self

    # --- what the widget does -------------------------------------------------------

    def send(self, *messages: Message | Iterable[Message]) -> Result:
        """Dispatch widget messages in order, as the extension does; their `Result`."""
        if self._registry is None or self.hostname is None:
            raise ValueError(
                "the phone is on no CRM page: override the crm_adapter (or crm_platform, "
                "crm_hostname) fixture, or call crm_phone.on('pipedrive')"
            )
        queue = [m for item in messages for m in ([item] if isinstance(item, dict) else item)]
        flat: list[Message] = []
        responses: list[dict[str, Any]] = []
        while queue:
            message = queue.pop(0)
            response = self._dispatch(message)
            flat.append(message)
            responses.append(response)
            if self.server is not None:
                fetches = [a for a in response["actions"] if a["type"] == "fetch"]
                queue[:0] = [self._serve(action) for action in fetches]
        result = Result(flat, responses, self.state)
        self.history.append(result)
        return result

    def ring(
        self,
        number: str = CALLER,
        *,
        contact: ContactLike | list[ContactLike] | None = None,
        direction: Direction = "inbound",
        web_phone: bool | None = None,
    ) -> Result:
        """A new call rings; with `contact`, the web phone tells whom the widget matched."""
        call = self._new_call(number, direction)
        return self.send(
            widget.ring(
                number,
                contact=contact,
                direction=direction,
                session_id=call.session_id,
                web_phone=web_phone,
            )
        )

    def answer(
        self,
        *,
        contact: ContactLike | list[ContactLike] | None = None,
        web_phone: bool | None = None,
    ) -> Result:
        """The ringing call is answered."""
        call = self._current("answer")
        return self.send(
            widget.answer(
                call.number,
                contact=contact,
                direction=call.direction,
                session_id=call.session_id,
                web_phone=web_phone,
            )
        )

    def hang_up(self) -> Result:
        """The call ends (``NoCall``)."""
        call = self._current("hang up")
        self._call = None
        return self.send(
            widget.end(call.number, direction=call.direction, session_id=call.session_id)
        )

    def flap(
        self,
        number: str = CALLER,
        *,
        rings: int = 3,
        direction: Direction = "inbound",
        contact: ContactLike | list[ContactLike] | None = None,
    ) -> Result:
        """A new call whose status flaps Ringing → NoCall → Ringing … (`rings` rings).

        With `contact`, the CRM knows it for `number` during this call only.
        """
        call = self._new_call(number, direction)
        self._call = None
        message = widget.flapping(
            number, rings=rings, direction=direction, session_id=call.session_id
        )
        if contact is None:
            return self.send(message)
        known = {key: list(value) for key, value in self.contacts.items()}
        self.knows(number, *(contact if isinstance(contact, list) else [contact]))
        try:
            return self.send(message)
        finally:
            self.contacts = known

    def view_log(self, log_id: str | None = None, *, number: str | None = None) -> Result:
        """ "View log details" on the last call (or on a call with `number`)."""
        call = self._last_call
        message = widget.view_log(
            log_id,
            number=number or (call.number if call else CALLER),
            direction=call.direction if call and not number else "inbound",
            session_id=call.session_id if call and not number else None,
        )
        del message["body"]["contact"]  # no contact chosen: the router recalls one
        if log_id is None:
            del message["body"]["call"]["activityMatches"]  # only what state remembers
        return self.send(message)

    def logout(self) -> Result:
        """The user presses Logout for the CRM in the widget (deauthorize)."""
        return self.send(widget.logout())

    def log_in(self) -> Result:
        """The user is logged in to RingCentral: the widget says so."""
        return self.send(widget.login_status(True))

    def match_contacts(self, *numbers: str) -> Result:
        """The widget asks which CRM contacts match `numbers`."""
        return self.send(widget.contact_match_request(*(numbers or (CALLER,))))

    def match_call_logs(self, *session_ids: str) -> Result:
        """The widget asks for the CRM log records of call sessions (default: the last call)."""
        if not session_ids and self._last_call:
            session_ids = (self._last_call.session_id,)
        return self.send(widget.entity_match_request(*session_ids))

    def choose(self, index: int | str) -> Result:
        """The user picks the `index`-th contact in the chooser and presses Open."""
        return self.send(widget.choose_contact(index))

    # --- the world around the phone -------------------------------------------------

    def knows(self, number: str, *contacts: ContactLike) -> CrmPhone:
        """Add CRM contacts for `number` to ``context.contacts``; returns the phone."""
        known = self.contacts.setdefault(number, [])
        known.extend(dict(c) if isinstance(c, Mapping) else {"id": c} for c in contacts)
        return self

    def connect_crm(self, **stored: Any) -> CrmPhone:
        """The user has connected the CRM: its session token (and `stored`) are kept.

        With a server configured, the token is bound to it (the server that issued it),
        as signing in binds it: Python never sends a token to another server.
        """
        self.storage[JWT_KEY] = "test-session-token"
        server = server_url(self.settings, self._page_adapter())
        if server:
            self.storage[SESSION_SERVER_KEY] = server
        self.storage.update(stored)
        return self

    @property
    def opened(self) -> list[str]:
        """Every tab opened since the phone was made."""
        return [url for result in self.history for url in result.opened]

    # --- the extension's side -------------------------------------------------------

    def _serve(self, action: dict[str, Any]) -> Message:
        """The shim's fetch result for `action`, answered by `server`."""
        assert self.server is not None
        self.fetched.append(action["request"])
        try:
            answer = self.server(dict(action["request"]))
        except Exception as exc:
            return widget.fetch_result(action["id"], 0, None, error=str(exc) or repr(exc))
        if isinstance(answer, HttpResponse):
            status, body = answer.status, answer.body
        else:
            status, body = int(answer.get("status", 200)), answer.get("body")
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        if isinstance(body, str):
            with contextlib.suppress(ValueError):  # the shim parses JSON text, as here
                body = json.loads(body)
        return widget.fetch_result(action["id"], status, body)

    def _dispatch(self, message: Message) -> dict[str, Any]:
        message = self._typed_contact_matches(message)
        context = self._context()
        built = request(message, hostname=self.hostname or "", state=self.state, **context)
        built["context"]["page"]["url"] = f"https://{self.hostname}{self._path()}"
        response = json.loads(_dispatch_json(json.dumps(built), self._registry))
        self.state = response["state"]
        for action in response["actions"]:
            if action["type"] == "removeStorage":
                for key in action["keys"]:
                    self.storage.pop(key, None)
            elif action["type"] == "setStorage":
                self.storage.update(action["items"])
                self._written.update(action["items"])
        return response

    def _typed_contact_matches(self, message: Message) -> Message:
        if self._registry is None or self.hostname is None:
            return message
        return as_the_widget_sends(
            message, self.hostname, platform=self._send_platform, registry=self._registry
        )

    def _path(self) -> str:
        """`page_path`; left at ``/``, a page the CRM's urlIdentifier matches (NetSuite's
        ``/app``), as the extension runs only on such pages."""
        adapter = self._page_adapter() if self.page_path == "/" else None
        return example_page_path(adapter) if adapter is not None else self.page_path

    def _page_adapter(self) -> Adapter | None:
        """The adapter the extension picks on this page, None when there is none."""
        if self._registry is None or self.hostname is None:
            return None
        try:
            host = self.hostname.lower().rstrip(".")
            return resolve_adapter(self._send_platform, host, self._registry)
        except CallbackError:
            return None

    def _context(self) -> dict[str, Any]:
        """The context keys the extension passes besides the page."""
        registry = self._registry
        assert registry is not None and self.hostname is not None
        declared = storage_keys(registry)
        removable = {key for adapter in registry for key in adapter.unauthorize_keys}
        undeclared = sorted(set(self.storage) - set(declared) - removable - self._written)
        if undeclared:
            # Caught here, a forgotten storage_keys entry is not a mystery in Chrome.
            raise ValueError(
                f"storage keys {undeclared} are declared by no adapter (storage_keys, or "
                "unauthorize_keys): the extension would never pass them to Python"
            )
        context: dict[str, Any] = {
            "settings": self.settings,
            "storage": {key: self.storage.get(key) for key in declared},
        }
        if self._send_platform:
            context["platform"] = self._send_platform
        if self.contacts:
            context["contacts"] = self.contacts
        return context

    def _new_call(self, number: str, direction: Direction) -> _Call:
        self._call = self._last_call = _Call(number, direction, str(next(self._sessions)))
        return self._call

    def _current(self, verb: str) -> _Call:
        if self._call is None:
            raise ValueError(f"no call to {verb}: ring() first")
        return self._call


def simulate(
    messages: Iterable[Message | Iterable[Message]] = (),
    *,
    platform: str | None = None,
    hostname: str | None = None,
    adapter: Adapter | None = None,
    settings: Mapping[str, Any] | None = None,
    storage: Mapping[str, Any] | None = None,
    contacts: Mapping[str, list[Any]] | None = None,
    state: Mapping[str, Any] | None = None,
) -> Result:
    """Run `messages` through `dispatch` on one CRM page, carrying state; the `Result`.

    ``simulate(platform="pipedrive", messages=[ring(contact="42")]).opened`` →
    ``["https://acme.pipedrive.com/person/42"]``. Arguments as for `CrmPhone`.
    """
    phone = CrmPhone(
        platform,
        hostname=hostname,
        adapter=adapter,
        settings=dict(settings or {}),
        storage=dict(storage or {}),
        contacts=dict(contacts or {}),
        state=dict(state or {}),
    )
    return phone.send(*messages)


def example_hostname(adapter: Adapter) -> str:
    """A CRM page host `adapter` runs on: ``*.pipedrive.com`` → ``acme.pipedrive.com``,
    ``*app.clio.com`` → ``app.clio.com`` (the first region of a selectable environment
    where its host matches); an identifier's path is `example_page_path`'s."""
    environment = adapter.environment
    if environment is not None and environment.kind == "selectable":
        for _, host in environment.selections:
            if adapter.matches_host(host):
                return host
    host = adapter.identifier.host
    host = "acme." + host[2:] if host.startswith("*.") else host
    return host.replace("*", "")


def example_page_path(adapter: Adapter) -> str:
    """A path of a CRM page `adapter` runs on: ``/`` unless its urlIdentifier names a
    path (NetSuite's ``*.app.netsuite.com/app*`` → ``/app``)."""
    return adapter.identifier.path.replace("*", "") or "/"


def registry_with(adapter: Adapter) -> Registry:
    """The default registry with `adapter` added (replacing one of the same name)."""
    name = adapter.name.lower()
    registry = Registry(a for a in default_registry() if a.name.lower() != name)
    registry.register(adapter)
    return registry


_DISPATCH_TAKES_REGISTRY = "registry" in inspect.signature(dispatch_json).parameters


def _dispatch_json(request_json: str, registry: Registry | None) -> str:
    """`dispatch_json`, resolving adapters in `registry` (an adapter not yet registered)."""
    if registry is None or registry is default_registry():
        return dispatch_json(request_json)
    if _DISPATCH_TAKES_REGISTRY:
        return dispatch_json(request_json, registry=registry)  # type: ignore[call-arg]
    # dispatch_json has no registry argument: the router falls back to its module's
    # default_registry, so that name points at `registry` for this one call.
    original = router.default_registry
    router.default_registry = lambda: registry  # type: ignore[assignment]
    try:
        return dispatch_json(request_json)
    finally:
        router.default_registry = original


def as_the_widget_sends(
    message: Message,
    hostname: str,
    *,
    platform: str | None = None,
    registry: Registry | None = None,
) -> Message:
    """`message` with each contact it carries that has no ``type`` typed with the service
    name of the CRM on `hostname`, as the widget's copy of our ``/contacts/match`` reply
    is: a test can then write a contact as its id alone. Unchanged when no CRM is found."""
    entries = _contact_entries(message)
    if not any(isinstance(e, dict) and not e.get("type") for e in entries):
        return message
    try:
        host = hostname.lower().rstrip(".")
        adapter = resolve_adapter(platform, host, registry or default_registry())
    except CallbackError:
        return message  # dispatch reports the unknown CRM
    message = copy.deepcopy(message)
    for entry in _contact_entries(message):
        if isinstance(entry, dict) and not entry.get("type"):
            entry["type"] = service_name(adapter)
    return message


def _contact_entries(message: Message) -> list[Any]:
    """The contacts a widget message carries: contactMatch, a request's contact."""
    call = message.get("call")
    match = call.get("contactMatch") if isinstance(call, dict) else None
    entries = match if isinstance(match, list) else [match]
    body = message.get("body") if message.get("type") == "rc-post-message-request" else None
    if isinstance(body, dict):
        entries.append(body.get("contact"))
        if message.get("path") == VIEW_CONTACT_PATH:
            entries.append(body)
    return entries
