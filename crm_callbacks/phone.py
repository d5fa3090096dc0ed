"""Phone numbers as match keys: the same number written differently finds the same contacts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")
_NOT_DIGIT = re.compile(r"[^0-9]")
DIGIT_MARKS = frozenset("*#")  # App Connect's overriding formats use either for a digit


@lru_cache(maxsize=1024)  # twice or more per call event, for the same number
def match_key(number: str) -> str:
    """Digits only, with the leading ``+`` kept: ``+1 (650) 555-0100`` → ``+16505550100``."""
    digits = _NOT_DIGIT.sub("", number)
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


def format_number(number: str, pattern: str) -> str | None:
    """`number` written in `pattern`, ``*`` or ``#`` standing for each digit, from the end.

    ``format_number("+16505550100", "(***) ***-****")`` is ``"(650) 555-0100"``;
    None when the number has fewer digits than the pattern wants.
    """
    digits = match_key(number).lstrip("+")
    wanted = sum(ch in DIGIT_MARKS for ch in pattern)
    if wanted == 0 or len(digits) < wanted:
        return None
    tail = iter(digits[-wanted:])
    return "".join(next(tail) if ch in DIGIT_MARKS else ch for ch in pattern)


def spellings(number: str, patterns: list[str]) -> list[str]:
    """The ways a CRM may have stored `number`: as given, E.164, then each pattern's form."""
    forms = [number.strip(), match_key(number)]
    forms.extend(f for f in (format_number(number, p) for p in patterns) if f)
    return list(dict.fromkeys(f for f in forms if f))
