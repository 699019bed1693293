"""`parse_number`: the one way a number typed by a person or carried by a button is read.

Contract: ASCII digits only (``str.isdigit`` also accepts ``²`` and ``①``, which `int`
then refuses), an optional leading ``#`` for ids as /rules shows them, at most
`MAX_DIGITS` digits, and a value within the caller's bounds; anything else is None,
never an exception. An id is bounded by `MAX_ID`, what every database integer column
holds, so a forged ``2**64`` never reaches a query.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1
MAX_DIGITS = 10


def parse_number(value: str | int, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """``value`` as an int within ``low``..``high``, or None; see the module docstring."""
    if isinstance(value, int):
        number = value
    else:
        text = value.strip().removeprefix("#")
        if not (0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit()):
            return None
        number = int(text)
    return number if low <= number <= high else None
