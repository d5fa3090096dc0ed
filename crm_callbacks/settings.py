"""User settings the router reads from ``context.settings``, each with a documented default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import CallbackError, ErrorCode

POP_TIMINGS = ("disabled", "onFirstRing", "onAnswer")


@dataclass(frozen=True)
class Choice:
    """A setting whose value is one of `choices`; absent means `default`."""

    default: str
    choices: tuple[str, ...]


SETTINGS: dict[str, Choice] = {
    "openContactPageFromIncomingCall": Choice("onFirstRing", POP_TIMINGS),
    "openContactPageFromOutgoingCall": Choice("disabled", POP_TIMINGS),
    "multiContactMatchBehavior": Choice("openAllMatches", ("openAllMatches", "disabled")),
}


def read_setting(settings: Mapping[str, object], name: str) -> str:
    """The setting's value, its default when absent or null, or BAD_SETTING."""
    choice = SETTINGS[name]
    value = settings.get(name)
    if value is None or value == "":
        return choice.default
    if value not in choice.choices:
        raise CallbackError(
            ErrorCode.BAD_SETTING,
            f"setting {name} is {value!r}; expected one of {', '.join(choice.choices)}",
        )
    return str(value)
