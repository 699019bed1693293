"""Rate limits on a controlled clock: windows slide and buckets refill."""

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import BufferedInputFile

from tests.fake_telegram.conftest import make_bot
from tests.fakes.telegram import FakeTelegram, Limits

USER = 1001
GROUP = -2002


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def send(bot: Bot, chat_id: int) -> int | None:
    """retry_after of a refused send, or None when it went through."""
    try:
        await bot.send_message(chat_id, "x")
    except TelegramRetryAfter as refused:
        return refused.retry_after
    return None


async def test_windows_slide_and_buckets_refill() -> None:
    clock = Clock()
    limits = Limits(group_messages=2, group_window=10.0)
    async with FakeTelegram(clock=clock, limits=limits) as fake:
        bot = make_bot(fake)
        try:
            assert [await send(bot, USER) for _ in range(4)] == [None, None, None, 1]
            clock.now += 2.5  # 2.5 tokens back, whole ones only
            assert [await send(bot, USER) for _ in range(3)] == [None, None, 1]

            assert [await send(bot, GROUP) for _ in range(3)] == [None, None, 10]
            clock.now += 4
            assert await send(bot, GROUP) == 6
            clock.now += 6
            assert await send(bot, GROUP) is None
        finally:
            await bot.session.close()


async def test_the_bot_wide_window_covers_all_chats() -> None:
    clock = Clock()
    async with FakeTelegram(clock=clock, limits=Limits(global_messages=5)) as fake:
        bot = make_bot(fake)
        try:
            assert [await send(bot, chat) for chat in range(1, 7)] == [None] * 5 + [1]
            clock.now += 1
            assert await send(bot, 6) is None
        finally:
            await bot.session.close()


async def test_documents_share_the_limits(fake_telegram: FakeTelegram, bot: Bot) -> None:
    for n in range(3):
        await bot.send_document(USER, BufferedInputFile(b"x", filename=f"{n}.txt"))
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(USER, "x")
