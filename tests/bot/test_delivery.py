"""The delivery worker against the fake Bot API, which enforces Telegram's limits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select

from alerts.models import Chat, OutboxEntry, OutboxState, Post, Source, SourceKind
from bot.delivery import DeliveryWorker
from bot.senders import TelegramSender
from tests.fakes.telegram import Limits

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.api_url))
    bot = Bot(fake_telegram.token, session=session)
    yield bot
    await bot.session.close()


async def queue(
    sessions: async_sessionmaker[AsyncSession], chat_id: int, *titles: str, text: str = ""
) -> list[int]:
    async with sessions.begin() as session:
        source = await session.scalar(select(Source))
        if source is None:
            source = Source(kind=SourceKind.FEED, locator="https://news.example/feed", title="News")
            session.add(source)
        if await session.get(Chat, chat_id) is None:
            session.add(Chat(id=chat_id, type="private" if chat_id > 0 else "group"))
        await session.flush()
        ids = []
        for title in titles:
            post = Post(
                source_id=source.id,
                external_id=f"{chat_id}-{title}",
                url=f"https://news.example/{len(title)}",
                title=title,
                text=text,
                published_at=datetime.now(UTC),
            )
            session.add(post)
            await session.flush()
            entry = OutboxEntry(chat_id=chat_id, post_id=post.id, highlights={"terms": ["drone"]})
            session.add(entry)
            await session.flush()
            ids.append(entry.id)
    return ids


async def states(sessions: async_sessionmaker[AsyncSession]) -> dict[int, OutboxState]:
    async with sessions() as session:
        rows = await session.execute(select(OutboxEntry.id, OutboxEntry.state))
        return {row.id: row.state for row in rows}


async def drain_until_settled(worker: DeliveryWorker, sessions, seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while OutboxState.PENDING in (await states(sessions)).values():
            if not await worker.drain_once():
                await asyncio.sleep(0.2)


async def test_pending_alerts_are_sent_escaped_and_marked_sent(
    sessions, bot, fake_telegram
) -> None:
    ids = await queue(sessions, 501, "Drone <b>hit</b> R&D lab", text="a < b & c > d")
    worker = DeliveryWorker(sessions, TelegramSender(bot))
    await drain_until_settled(worker, sessions)
    assert await states(sessions) == {ids[0]: OutboxState.SENT}
    (message,) = fake_telegram.messages_to(501)
    assert "&lt;b&gt;hit&lt;/b&gt; R&amp;D" in message.text
    assert fake_telegram.refusals == []
    async with sessions() as session:
        entry = await session.get_one(OutboxEntry, ids[0])
    assert entry.message_id == message.message_id


async def test_blocked_chat_is_deactivated_and_its_alerts_cancelled(
    sessions, bot, fake_telegram
) -> None:
    blocked = await queue(sessions, 601, "Drone one", "Drone two")
    other = await queue(sessions, 602, "Drone three")
    fake_telegram.add_chat(601, "private")
    fake_telegram.block(601)
    worker = DeliveryWorker(sessions, TelegramSender(bot))
    await drain_until_settled(worker, sessions)
    result = await states(sessions)
    assert [result[i] for i in blocked] == [OutboxState.CANCELLED] * 2
    assert result[other[0]] is OutboxState.SENT
    async with sessions() as session:
        chat = await session.get_one(Chat, 601)
        reasons = set(await session.scalars(select(OutboxEntry.cancel_reason)))
    assert not chat.active
    assert any("blocked" in (reason or "") for reason in reasons)


async def test_flood_control_delays_and_resends_the_same_message(
    sessions, bot, fake_telegram
) -> None:
    fake_telegram.limits = Limits(private_burst=1, private_interval=2.0)
    ids = await queue(sessions, 701, "Drone a", "Drone b", "Drone c")
    worker = DeliveryWorker(sessions, TelegramSender(bot))
    await drain_until_settled(worker, sessions, seconds=30)
    assert set((await states(sessions)).values()) == {OutboxState.SENT}
    texts = [m.text for m in fake_telegram.messages_to(701)]
    assert len(texts) == len(ids)
    assert [t.count("Drone") for t in texts] == [1, 1, 1]


async def test_server_errors_are_retried_not_dropped(sessions, bot, fake_telegram) -> None:
    ids = await queue(sessions, 801, "Drone x")
    fake_telegram.fail_next(1, status=502)
    worker = DeliveryWorker(sessions, TelegramSender(bot))
    await drain_until_settled(worker, sessions)
    assert await states(sessions) == {ids[0]: OutboxState.SENT}
    assert len(fake_telegram.messages_to(801)) == 1
