"""What one event changed in the state, so a long-lived runtime persists O(change).

A `Session` runs each event on a copy of the state whose tables are `Tracked`: they
note every key set, deleted or cleared, in order. `change_of` turns those notes into
a *change* (JSON-ready: per table a list of ops, plus the scalars that changed), and
`apply_change` replays it on the persisted state. Replaying every change since the
last checkpoint, in order, rebuilds the state exactly, order of entries included
(eviction takes the oldest first, so order matters).

Ops: ``["s", key, value]`` sets (in place when the key exists, else appended, as a
dict assignment does), ``["d", key]`` deletes, ``["c"]`` clears. A set carries the
value the table holds at the end of the event (a value changed in place later in the
event is written as it ends up); a set whose key is deleted later carries null.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import State

TABLES = {
    "popped": "popped",
    "matches": "matches",
    "logs": "logs",
    "pending": "pending",
    "asked_numbers": "askedNumbers",
    "asked_sessions": "askedSessions",
}
"""State attribute → its name in the state JSON (and in a change)."""

READ_MARKED = frozenset({"pending"})
"""Tables whose entries rules change in place (a lookup's answered parts): an entry read
counts as set, so the change carries it as it ends up."""

_MISSING = object()


class Tracked(dict):  # type: ignore[type-arg]
    """A dict that notes, in order, the keys set, deleted and cleared."""

    def __init__(self, table: dict[Any, Any], *, mark_reads: bool = False) -> None:
        super().__init__(table)
        self.ops: list[tuple[str, Any]] = []
        self.mark_reads = mark_reads

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.ops.append(("s", key))

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self.ops.append(("d", key))

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        if self.mark_reads:
            self.ops.append(("s", key))
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        value = super().get(key, _MISSING)
        if value is _MISSING:
            return default
        if self.mark_reads:
            self.ops.append(("s", key))
        return value

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            self.ops.append(("d", key))
        return super().pop(key, *default)

    def clear(self) -> None:
        super().clear()
        self.ops.append(("c", None))

    def popitem(self) -> tuple[Any, Any]:
        key, value = super().popitem()
        self.ops.append(("d", key))
        return key, value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self.get(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


def tracked_copy(state: State) -> State:
    """A copy of `state` whose tables note their changes (the entries are shared)."""
    tables = {
        attribute: Tracked(getattr(state, attribute), mark_reads=attribute in READ_MARKED)
        for attribute in TABLES
    }
    return replace(state, problems=list(state.problems), **tables)


def change_of(before: State, after: State) -> dict[str, Any]:
    """What turned `before` into `after` (a `tracked_copy` of it the rule worked on);
    ``{}`` when nothing did."""
    change: dict[str, Any] = {}
    for attribute, name in TABLES.items():
        table = getattr(after, attribute)
        if not isinstance(table, Tracked):  # replaced wholesale: say so
            ops: list[list[Any]] = [["c"]] + [["s", key, value] for key, value in table.items()]
        elif not table.ops:
            continue
        else:
            ops = [_op(table, kind, key) for kind, key in _without_repeats(table.ops)]
        change[name] = ops
    if after.chooser is not before.chooser and after.chooser != before.chooser:
        change["chooser"] = after.chooser
    if after.rc_user_number != before.rc_user_number:
        change["rcUserNumber"] = after.rc_user_number
    return change


def _without_repeats(ops: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Drop an op identical to the one before it (reads of one entry, say)."""
    kept: list[tuple[str, Any]] = []
    for op in ops:
        if not kept or kept[-1] != op or op[0] == "c":
            kept.append(op)
    return kept


def _op(table: dict[Any, Any], kind: str, key: Any) -> list[Any]:
    if kind == "s":  # dict.get: reading the value here is not a change to note
        return ["s", key, dict.get(table, key)]
    if kind == "d":
        return ["d", key]
    return ["c"]


def apply_change(state: State, change: Any) -> None:
    """Replay one `change_of` on `state`; TypeError when it is not one."""
    if not isinstance(change, dict):
        raise TypeError("a state change must be an object")
    for attribute, name in TABLES.items():
        ops = change.get(name)
        if ops is None:
            continue
        if not isinstance(ops, list):
            raise TypeError(f"the change of {name} must be a list of ops")
        table = getattr(state, attribute)
        for op in ops:
            _replay(table, op, name)
    if "chooser" in change:
        state.chooser = change["chooser"]
    if "rcUserNumber" in change:
        state.rc_user_number = change["rcUserNumber"]


def _replay(table: dict[Any, Any], op: Any, name: str) -> None:
    if not isinstance(op, list) or not op or op[0] not in ("s", "d", "c"):
        raise TypeError(f"bad op in the change of {name}: {op!r:.80}")
    if op[0] == "c":
        table.clear()
        return
    if len(op) < 2 or not isinstance(op[1], str):
        raise TypeError(f"an op in the change of {name} has no key")
    if op[0] == "d":
        table.pop(op[1], None)
    else:
        table[op[1]] = op[2] if len(op) > 2 else None


__all__ = ["TABLES", "Tracked", "apply_change", "change_of", "tracked_copy"]
