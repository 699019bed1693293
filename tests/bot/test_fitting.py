"""Replies packed and shortened on the formatting nodes' own measure: UTF-16 units."""

from __future__ import annotations

from aiogram.utils.formatting import Bold, Text

from bot.fitting import MESSAGE_LIMIT, fit_message, fit_messages, pack
from tests.fakes.telegram import utf16_len

# An emoji is one character in Python and two units for Telegram.
EMOJI_BLOCK = Text("😀" * 1000)


def test_blocks_are_packed_by_telegrams_units_not_by_characters() -> None:
    assert pack([EMOJI_BLOCK] * 4) == [[0, 1], [2, 3]]
    messages = fit_messages([EMOJI_BLOCK] * 4)
    assert len(messages) == 2
    assert all(utf16_len(message.render()[0]) <= MESSAGE_LIMIT for message in messages)


def test_markup_takes_no_room() -> None:
    block = Text(Bold("x" * 2000))
    assert pack([block, block], separator="\n") == [[0, 1]]
    text, entities = fit_messages([block, block], separator="\n")[0].render()
    assert utf16_len(text) == 4001
    assert [(entity.offset, entity.length) for entity in entities] == [(0, 2000), (2001, 2000)]


def test_a_block_over_the_limit_alone_is_cut_with_an_ellipsis() -> None:
    (message,) = fit_messages([Text("😀" * 3000)])
    text, _entities = message.render()
    assert text.endswith("…")
    assert utf16_len(text) <= MESSAGE_LIMIT


def test_one_page_keeps_every_block_within_the_limit() -> None:
    page = fit_message(Bold("Alerts 1–10 of 10"), [EMOJI_BLOCK] * 10)
    text, entities = page.render()
    assert utf16_len(text) <= MESSAGE_LIMIT
    assert text.startswith("Alerts 1–10 of 10\n\n😀")
    assert text.count("…") == 10
    assert [entity.type for entity in entities] == ["bold"]
