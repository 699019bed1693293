"""Replies that fit Telegram's limit: 4,096 UTF-16 units of text once entities are parsed.

A reply is built from blocks: complete HTML fragments (a header, one alert, one rule),
none of which opens a tag another closes. Size is counted as Telegram counts it: the
visible text (tags removed, entities decoded) in UTF-16 code units, so an emoji is two.

- `fit_messages` packs the blocks into as few messages as fit, in order; a block that
  alone is over the limit is shortened to plain text ending in "…".
- `fit_message` makes one message (a page that an inline keyboard edits in place): each
  block over its share of the limit is shortened the same way.

Nothing is ever refused for its size: a long reply is split or shortened.
"""

from __future__ import annotations

import re
from html import escape, unescape

MESSAGE_LIMIT = 4096
ELLIPSIS = "…"
_TAG = re.compile(r"<[^<>]*>")


def units(text: str) -> int:
    """The length of plain text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible_units(html: str) -> int:
    """How much of Telegram's limit an HTML fragment takes."""
    return units(unescape(_TAG.sub("", html)))


def cut(text: str, limit: int) -> str:
    """Plain ``text`` cut to at most ``limit`` UTF-16 units, with "…" when cut."""
    if units(text) <= limit:
        return text
    kept: list[str] = []
    used = units(ELLIPSIS)
    for char in text:
        used += units(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


def shorten(block: str, limit: int) -> str:
    """An HTML block within ``limit`` units: as it is, or its text cut and escaped."""
    if visible_units(block) <= limit:
        return block
    return escape(cut(unescape(_TAG.sub("", block)), limit), quote=False)


def fit_messages(
    blocks: list[str], *, separator: str = "\n\n", limit: int = MESSAGE_LIMIT
) -> list[str]:
    """The blocks packed, in order, into messages of at most ``limit`` units each."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    gap = units(separator)
    for block in (shorten(block, limit) for block in blocks):
        width = visible_units(block)
        if current and size + gap + width > limit:
            messages.append(separator.join(current))
            current, size = [], 0
        size += width + (gap if current else 0)
        current.append(block)
    if current:
        messages.append(separator.join(current))
    return messages


def fit_message(
    header: str, blocks: list[str], *, separator: str = "\n\n", limit: int = MESSAGE_LIMIT
) -> str:
    """One message: ``header`` then the blocks, each shortened to its share of ``limit``."""
    header = shorten(header, limit // 4)
    gap = units(separator)
    room = limit - visible_units(header) - gap * len(blocks)
    if sum(visible_units(block) for block in blocks) > room:
        share = max(1, room // max(1, len(blocks)))
        blocks = [shorten(block, share) for block in blocks]
    return separator.join([header, *blocks])
