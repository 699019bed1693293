"""Webhooks as Telegram runs them: updates POSTed with the secret, getUpdates refused."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiohttp import web

from tests.fakes.telegram import SECRET_HEADER

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from aiogram import Bot

    from tests.fakes.telegram import FakeTelegram

USER = 1001
SECRET = "s3cret-Token_42"


class Receiver:
    """A bot's webhook endpoint: records what arrives, answers `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.status = 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.get(SECRET_HEADER), await request.json()))
        return web.Response(status=self.status)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    receiver.url = f"http://{host}:{port}/hook"
    yield receiver
    await runner.cleanup()


async def test_updates_are_posted_to_the_webhook_with_the_secret(
    bot: Bot, fake_telegram: FakeTelegram, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)
    first = fake_telegram.user_says(USER, "/start")
    second = fake_telegram.user_says(USER, "/help")

    await fake_telegram.wait_for(lambda: len(receiver.received) == 2)
    assert [secret for secret, _ in receiver.received] == [SECRET, SECRET]
    assert [update["update_id"] for _, update in receiver.received] == [first, second]
    assert receiver.received[0][1]["message"]["text"] == "/start"
    assert fake_telegram.pending_updates == []
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (receiver.url, 0)


async def test_get_updates_conflicts_while_a_webhook_is_set(
    bot: Bot, fake_telegram: FakeTelegram, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    update_id = fake_telegram.user_says(USER, "/start")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update_id]
    assert (await bot.get_webhook_info()).url == ""


async def test_a_refused_update_stays_queued_and_is_sent_again(
    bot: Bot, fake_telegram: FakeTelegram, receiver: Receiver
) -> None:
    fake_telegram.webhook_retry = 0.05
    receiver.status = 403
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    update_id = fake_telegram.user_says(USER, "/start")
    await fake_telegram.wait_for(lambda: len(receiver.received) >= 2)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message is not None
    assert "403" in info.last_error_message

    receiver.status = 200
    await fake_telegram.wait_for(lambda: fake_telegram.pending_updates == [])
    assert {update["update_id"] for _, update in receiver.received} == {update_id}
    assert [d.status for d in fake_telegram.webhook_deliveries][-1] == 200


async def test_a_secret_with_characters_telegram_refuses_is_refused(
    bot: Bot, receiver: Receiver
) -> None:
    with pytest.raises(TelegramBadRequest, match="secret token"):
        await bot.set_webhook(receiver.url, secret_token="not allowed!")


async def test_a_held_long_poll_ends_with_conflict_when_a_webhook_is_set(
    bot: Bot, fake_telegram: FakeTelegram, receiver: Receiver
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await fake_telegram.wait_for(lambda: fake_telegram.polling)
    await bot.set_webhook(receiver.url)
    with pytest.raises(TelegramConflictError):
        await poll
