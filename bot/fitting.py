"""Replies that fit Telegram's limit: 4,096 UTF-16 units of text once entities are parsed.

A reply is built from blocks, each an aiogram `utils.formatting` node (a header, one
alert, one rule). A block's size is the node's own length (`len(Text)`: its text in
UTF-16 code units, as Telegram counts them, markup being entities that take no room),
so what is measured is exactly what is sent (`Text.as_kwargs`).

- `pack` groups consecutive blocks into as few messages as fit, in order (the digest
  packs its items with it too, keeping which outbox entries each message carries).
- `fit_messages` packs the blocks into messages; a block that alone is over the limit
  is first shortened to its plain text ending in "…".
- `fit_message` makes one message (a page that an inline keyboard edits in place): each
  block over its share of the limit is shortened the same way.

Nothing is ever refused for its size: a long reply is split or shortened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.utils.formatting import Text, as_list

from bot.wording import clip

if TYPE_CHECKING:
    from collections.abc import Sequence

MESSAGE_LIMIT = 4096


def shorten(block: Text, limit: int) -> Text:
    """The block as it is if it fits ``limit`` units, else its text clipped (markup dropped)."""
    if len(block) <= limit:
        return block
    plain, _entities = block.render()
    return Text(clip(plain, limit))


def pack(
    blocks: Sequence[Text], *, separator: str = "\n\n", limit: int = MESSAGE_LIMIT
) -> list[list[int]]:
    """The blocks' indexes grouped, in order, so that each group joined by ``separator``
    stays within ``limit`` units; a block over the limit on its own is a group alone."""
    groups: list[list[int]] = []
    size = 0
    gap = len(Text(separator))
    for index, block in enumerate(blocks):
        width = len(block)
        if not groups or size + gap + width > limit:
            groups.append([])
            size = -gap
        groups[-1].append(index)
        size += gap + width
    return groups


def fit_messages(
    blocks: list[Text], *, separator: str = "\n\n", limit: int = MESSAGE_LIMIT
) -> list[Text]:
    """The blocks packed, in order, into messages of at most ``limit`` units each."""
    fitting = [shorten(block, limit) for block in blocks]
    return [
        as_list(*(fitting[index] for index in group), sep=separator)
        for group in pack(fitting, separator=separator, limit=limit)
    ]


def fit_message(
    header: Text, blocks: list[Text], *, separator: str = "\n\n", limit: int = MESSAGE_LIMIT
) -> Text:
    """One message: ``header`` then the blocks, each shortened to its share of ``limit``."""
    header = shorten(header, limit // 4)
    gap = len(Text(separator))
    room = limit - len(header) - gap * len(blocks)
    if sum(len(block) for block in blocks) > room:
        share = max(1, room // max(1, len(blocks)))
        blocks = [shorten(block, share) for block in blocks]
    return as_list(header, *blocks, sep=separator)
