"""Phone numbers as match keys: the same number written differently finds the same contacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def match_key(number: str) -> str:
    """Digits only, with the leading ``+`` kept: ``+1 (650) 555-0100`` → ``+16505550100``."""
    digits = "".join(ch for ch in number if ch.isdigit() and ch.isascii())
    return "+" + digits if number.strip().startswith("+") else digits


def lookup(table: Mapping[str, T], number: str) -> T | None:
    """Entry of `table` for `number`, trying the exact key first, then the match key."""
    if number in table:
        return table[number]
    wanted = match_key(number)
    if not wanted.strip("+"):
        return None
    for key, value in table.items():
        if isinstance(key, str) and match_key(key) == wanted:
            return value
    return None
