"""The bot's dispatcher polling the fake Bot API, with a real database behind it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from pydantic import SecretStr

from bot.dispatch import build_dispatcher
from bot.i18n import build_i18n
from bot.inflight import InFlight
from bot.replies import WaitOutFloodControl
from bot.settings import Settings
from monitors.fetcher import Fetcher
from monitors.poll import Monitor

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from rules.lexicon import Lexicon
    from tests.fakes.telegram import FakeTelegram, SentMessage

ADMIN = 1001


@dataclass
class Conversation:
    """Say something to the bot in a chat and read its answer."""

    fake: FakeTelegram

    async def say(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "en",
    ) -> str:
        """The text of the first reply, as the person reads it."""
        reply = await self.ask(
            chat_id, text, user_id=user_id, chat_type=chat_type, language_code=language_code
        )
        return reply.visible_text

    async def ask(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "en",
    ) -> SentMessage:
        """The first reply, with its entities."""
        before = len(self.fake.messages_to(chat_id))
        self.fake.user_says(
            chat_id, text, user_id=user_id, chat_type=chat_type, language_code=language_code
        )
        await self.fake.wait_for(lambda: len(self.fake.messages_to(chat_id)) > before, timeout=10)
        return self.fake.messages_to(chat_id)[before]


def marked(message: SentMessage, kind: str) -> list[str]:
    """The pieces of a message's text that carry an entity of `kind` ("bold", "code")."""
    encoded = message.visible_text.encode("utf-16-le")
    return [
        encoded[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == kind
    ]


@pytest.fixture
async def reply_bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.api_url))
    session.middleware(WaitOutFloodControl())
    bot = Bot(fake_telegram.token, session=session)
    yield bot
    await bot.session.close()


@pytest.fixture
async def conversation(
    fake_telegram: FakeTelegram,
    reply_bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    lexicon: Lexicon,
) -> AsyncIterator[Conversation]:
    settings = Settings(
        bot_token=SecretStr(fake_telegram.token),
        telegram_api_url=fake_telegram.api_url,
        admins=frozenset({ADMIN}),
        allow_private_networks=True,
        _env_file=None,
    )
    async with Fetcher(allow_private_networks=True) as fetcher:
        in_flight = InFlight()
        dispatcher = build_dispatcher(
            settings, sessions, lexicon, Monitor(fetcher), build_i18n(), in_flight=in_flight
        )
        polling = asyncio.create_task(
            dispatcher.start_polling(
                reply_bot, handle_signals=False, close_bot_session=False, polling_timeout=1
            )
        )
        yield Conversation(fake_telegram)
        await dispatcher.stop_polling()
        await polling
        await in_flight.finish()
