"""getUpdates is real long polling, and aiogram's Dispatcher runs against it."""

import asyncio
import time

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramConflictError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from tests.fakes.telegram import FakeTelegram

USER = 1001
GROUP = -2002


async def test_held_request_returns_an_update_injected_meanwhile(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await fake_telegram.wait_for(lambda: fake_telegram.polling)

    update_id = fake_telegram.user_says(USER, "/watch дрон Курск", username="anna")
    updates = await poll

    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None
    assert message.text == "/watch дрон Курск"
    assert message.chat.type == "private"
    assert message.from_user is not None
    assert (message.from_user.id, message.from_user.username) == (USER, "anna")
    assert message.entities is not None
    assert (message.entities[0].type, message.entities[0].length) == ("bot_command", 6)


async def test_poll_without_updates_ends_empty_when_timeout_passes(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    assert await bot.get_updates(timeout=0) == []


async def test_offset_confirms_earlier_updates(bot: Bot, fake_telegram: FakeTelegram) -> None:
    first, second, third = (fake_telegram.user_says(USER, f"m{n}") for n in range(3))

    assert [u.update_id for u in await bot.get_updates()] == [first, second, third]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second, third]
    assert [u["update_id"] for u in fake_telegram.pending_updates] == [second, third]
    # A negative offset keeps only the last updates and forgets the rest.
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [third]
    assert await bot.get_updates(offset=third + 1) == []
    assert fake_telegram.pending_updates == []


async def test_allowed_updates_filter_and_are_remembered(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    sent = await bot.send_message(USER, "pick one")
    fake_telegram.user_says(USER, "hello")
    pressed = fake_telegram.press_button(USER, sent.message_id, "rule:1")

    updates = await bot.get_updates(allowed_updates=["callback_query"])
    fake_telegram.user_says(USER, "ignored too")

    assert [u.update_id for u in updates] == [pressed]
    assert updates[0].callback_query is not None
    assert updates[0].callback_query.data == "rule:1"
    assert [u.update_id for u in await bot.get_updates(offset=pressed + 1)] == []


async def test_second_poller_ends_the_first_with_conflict(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await fake_telegram.wait_for(lambda: fake_telegram.polling)

    second = asyncio.create_task(bot.get_updates(timeout=10))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first
    fake_telegram.user_says(USER, "hi")

    assert len(await second) == 1


async def test_delete_webhook_can_drop_pending_updates(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.user_says(USER, "old news")

    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []


async def test_group_channel_and_migration_updates(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.add_chat(-3003, "channel", title="Губернатор", username="gov_channel")
    fake_telegram.user_says(GROUP, "/rules@lookout_test_bot", user_id=77)
    fake_telegram.user_says(-3003, "Воздушная тревога")
    fake_telegram.migrate(GROUP, -1002000000002)

    group, post, migrated_to, migrated_from = await bot.get_updates()

    assert group.message is not None
    assert group.message.chat.type == "group"
    assert group.message.from_user is not None
    assert group.message.from_user.id == 77
    assert post.channel_post is not None
    assert post.channel_post.chat.username == "gov_channel"
    assert migrated_to.message is not None
    assert migrated_to.message.migrate_to_chat_id == -1002000000002
    assert migrated_from.message is not None
    assert migrated_from.message.migrate_from_chat_id == GROUP
    assert (await bot.send_message("@gov_channel", "test")).chat.id == -3003


async def test_dispatcher_answers_commands_and_buttons(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message) -> None:
        button = InlineKeyboardButton(text="Pause", callback_data="pause")
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[button]])
        await message.answer("<b>Hi</b>", parse_mode="HTML", reply_markup=keyboard)

    @router.callback_query(F.data == "pause")
    async def pause(query: CallbackQuery) -> None:
        await query.answer("Paused")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        fake_telegram.user_says(USER, "/start")
        (reply,) = await fake_telegram.wait_for_messages(USER, 1)
        fake_telegram.press_button(USER, reply.message_id, "pause")
        await fake_telegram.wait_for(lambda: fake_telegram.callback_answers)
    finally:
        await dispatcher.stop_polling()
        await polling

    assert reply.visible_text == "Hi"
    assert reply.reply_markup is not None
    assert reply.reply_markup["inline_keyboard"][0][0]["callback_data"] == "pause"
    answer = fake_telegram.callback_answers[0]
    assert (answer.chat_id, answer.message_id, answer.text) == (USER, reply.message_id, "Paused")


async def test_a_client_that_hangs_up_ends_its_poll_without_conflict(
    fake_telegram: FakeTelegram,
) -> None:
    url = f"{fake_telegram.api_url}/bot{fake_telegram.token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        request = asyncio.create_task(http.post(url, json={"timeout": 30}))
        await fake_telegram.wait_for(lambda: fake_telegram.polling)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request

    await fake_telegram.wait_for(lambda: not fake_telegram.polling)
    assert fake_telegram.refusals == []


async def test_closing_releases_a_held_poll_at_once() -> None:
    fake = await FakeTelegram.start()
    url = f"{fake.api_url}/bot{fake.token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        request = asyncio.create_task(http.post(url, json={"timeout": 30}))
        await fake.wait_for(lambda: fake.polling)
        started = time.monotonic()
        await fake.close()
        async with await request as response:
            assert await response.json() == {"ok": True, "result": []}
    assert time.monotonic() - started < 1
