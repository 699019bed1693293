"""Stopping the bot finishes the commands it has fetched: none is lost to a restart."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiogram import Dispatcher, Router
from aiogram.filters import Command

from bot.inflight import InFlight
from tests.fake_telegram.conftest import make_bot

if TYPE_CHECKING:
    from aiogram.types import Message

    from tests.fakes.telegram import FakeTelegram

USER = 5005


async def _stop_while_handling(
    fake_telegram: FakeTelegram, handling: float, grace: float
) -> tuple[list[str], bool]:
    """A command that takes `handling` seconds, and a stop as soon as it has begun."""
    begun = asyncio.Event()
    closed: list[bool] = []
    router = Router()

    @router.message(Command("slow"))
    async def slow(message: Message) -> None:
        begun.set()
        try:
            await asyncio.sleep(handling)
            await message.answer("done")
        finally:
            # Stands for the handler's database session: closed however it ends.
            closed.append(True)

    in_flight = InFlight()
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.include_router(router)
    bot = make_bot(fake_telegram)
    try:
        polling = asyncio.create_task(
            dispatcher.start_polling(
                bot, handle_signals=False, close_bot_session=False, polling_timeout=1
            )
        )
        fake_telegram.user_says(USER, "/slow")
        await asyncio.wait_for(begun.wait(), 10)
        await dispatcher.stop_polling()
        await polling
        await in_flight.finish(grace)
        answers = [m.text for m in fake_telegram.messages_to(USER)]
    finally:
        await bot.session.close()
    return answers, closed == [True]


async def test_a_command_in_hand_at_stop_is_answered(fake_telegram: FakeTelegram) -> None:
    answers, closed = await _stop_while_handling(fake_telegram, handling=0.3, grace=5)
    assert answers == ["done"]
    assert closed


async def test_one_that_outlasts_the_grace_is_cancelled_and_closes_what_it_opened(
    fake_telegram: FakeTelegram,
) -> None:
    answers, closed = await _stop_while_handling(fake_telegram, handling=30, grace=0.2)
    assert answers == []
    assert closed
