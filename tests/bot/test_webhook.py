"""The webhook endpoint: only Telegram's requests, bounded, each update handled once."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiohttp import web

from bot.webhook import MAX_BODY, SECRET_HEADER, WebhookReceiver, WebhookRefused

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from aiogram.types import Message

    from tests.fakes.telegram import FakeTelegram

SECRET = "the-Secret_1"
USER = 4004


class Endpoint:
    def __init__(self, receiver: WebhookReceiver, url: str, seen: list[str]) -> None:
        self.receiver = receiver
        self.url = url
        self.seen = seen

    async def post(self, body: bytes, secret: str | None = SECRET) -> int:
        # A stream, as aiohttp wants for a big body; the server cannot tell the difference.
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with (
            aiohttp.ClientSession() as client,
            client.post(self.url, data=io.BytesIO(body), headers=headers) as response,
        ):
            return response.status


@pytest.fixture
async def endpoint(fake_telegram: FakeTelegram) -> AsyncIterator[Endpoint]:
    seen: list[str] = []
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message) -> None:
        seen.append(message.text or "")
        await message.answer("hello")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = Bot(
        fake_telegram.token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.api_url)),
    )
    runner = web.AppRunner(web.Application(), access_log=None)
    receiver = WebhookReceiver(dispatcher, bot, url="http://127.0.0.1/hook", secret=SECRET)
    runner.app.router.add_post(receiver.path, receiver.handle)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}/hook"
    # The receiver registers the URL it is reached at; the route was set up before.
    receiver.url = url
    yield Endpoint(receiver, url, seen)
    await runner.cleanup()
    await bot.session.close()


def _update(update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": USER, "type": "private", "first_name": "T"},
            "from": {"id": USER, "is_bot": False, "first_name": "T"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_started_it_registers_with_the_secret_and_answers_telegram(
    endpoint: Endpoint, fake_telegram: FakeTelegram
) -> None:
    await endpoint.receiver.start()
    assert fake_telegram.webhook_url == endpoint.url
    fake_telegram.user_says(USER, "/start")
    (reply,) = await fake_telegram.wait_for_messages(USER, 1)
    assert reply.text == "hello"
    assert [d.status for d in fake_telegram.webhook_deliveries] == [200]
    await endpoint.receiver.stop()


async def test_requests_without_the_secret_are_refused_unread(endpoint: Endpoint) -> None:
    await endpoint.receiver.start()
    body = json.dumps(_update(1, "/start")).encode()
    assert await endpoint.post(body, secret=None) == 403
    assert await endpoint.post(body, secret="wrong") == 403
    assert await endpoint.post(body, secret=SECRET[:-1]) == 403
    assert endpoint.seen == []
    await endpoint.receiver.stop()


async def test_bodies_past_the_bound_or_not_an_update_are_refused(endpoint: Endpoint) -> None:
    await endpoint.receiver.start()
    assert await endpoint.post(b"[1, 2]") == 400
    assert await endpoint.post(b"{not json") == 400
    assert await endpoint.post(b'{"a": "' + b"x" * MAX_BODY + b'"}') == 413
    await endpoint.receiver.stop()


async def test_before_it_starts_updates_are_left_to_be_sent_again(endpoint: Endpoint) -> None:
    body = json.dumps(_update(2, "/start")).encode()
    assert await endpoint.post(body) == 503
    assert endpoint.seen == []


async def test_telegram_refusing_the_webhook_is_reported(
    endpoint: Endpoint, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next(1, status=400, methods=("setWebhook",))
    with pytest.raises(WebhookRefused, match="Bad Request"):
        await endpoint.receiver.start()
