"""A real aiogram Bot pointed at the fake.

The `fake_telegram` fixture itself comes from the plugin tests/conftest.py registers.
"""

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from tests.fakes.telegram import FakeTelegram


class LoopbackSession(AiohttpSession):
    """aiogram's session without the 250 ms pause on close.

    The pause lets TLS connections shut down; plain HTTP on loopback needs none, and
    it would cost a quarter of a second per test.
    """

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(fake: FakeTelegram, token: str | None = None) -> Bot:
    session = LoopbackSession(api=TelegramAPIServer.from_base(fake.api_url))
    return Bot(token or fake.token, session=session)


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(fake_telegram)
    yield bot
    await bot.session.close()
