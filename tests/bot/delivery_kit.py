"""What the delivery tests share: an aiogram client for the fake, outbox rows, waiting.

`FAST_LIMITS` shrinks the fake's per-chat limits and `FAST_PACING` the worker's to
match, so tests that are not about the windows run in well under a second, still
through a fake that answers 429 to a worker that paces itself wrongly.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select

from alerts.ingest.failures import Failure
from alerts.ingest.health import SOURCE_PAUSED
from alerts.store.models import Chat, OutboxEntry, OutboxState, Post, Source, SourceKind, WatchRule
from bot.pacing import Pacing
from tests.fakes.telegram import Limits

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.delivery import DeliveryWorker
    from tests.fakes.telegram import FakeTelegram

FAST_LIMITS = Limits(private_burst=1, private_interval=0.1, group_messages=4, group_window=1.0)
FAST_PACING = Pacing(private_window=0.1, group_messages=4, group_window=1.0, margin=0.05)


@asynccontextmanager
async def courier(
    fake: FakeTelegram, *, api_url: str | None = None, request_timeout: float = 60.0
) -> AsyncIterator[Bot]:
    """An aiogram bot for `fake` (or another `api_url`), as bot/app.py builds it for alerts."""
    api = TelegramAPIServer.from_base(api_url or fake.api_url)
    session = AiohttpSession(api=api, timeout=request_timeout)
    bot = Bot(fake.token, session=session)
    try:
        yield bot
    finally:
        await bot.session.close()


async def add_chat(
    sessions: async_sessionmaker[AsyncSession], chat_id: int, **fields: object
) -> None:
    async with sessions.begin() as session:
        kind = "private" if chat_id > 0 else "group"
        session.add(Chat(id=chat_id, type=kind, **fields))


async def add_rule(
    sessions: async_sessionmaker[AsyncSession], chat_id: int, text: str, *, urgent: bool = False
) -> int:
    async with sessions.begin() as session:
        rule = WatchRule(chat_id=chat_id, text=text, urgent=urgent)
        session.add(rule)
        await session.flush()
        return rule.id


async def queue(
    sessions: async_sessionmaker[AsyncSession],
    chat_id: int,
    *titles: str,
    text: str = "",
    rule_id: int | None = None,
) -> list[int]:
    """One pending alert per title for the chat (created if new); returns outbox ids."""
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
                url=f"https://news.example/{abs(hash(title))}",
                title=title,
                text=text,
                published_at=datetime.now(UTC),
            )
            session.add(post)
            await session.flush()
            entry = OutboxEntry(
                chat_id=chat_id,
                post_id=post.id,
                story_id=post.id,  # each its own story, as the pipeline stores a first report
                rule_id=rule_id,
                highlights={"terms": ["drone"]},
            )
            session.add(entry)
            await session.flush()
            ids.append(entry.id)
    return ids


async def queue_notice(
    sessions: async_sessionmaker[AsyncSession], chat_id: int, name: str, source_id: int = 7
) -> int:
    """A notice that source `source_id`, called `name`, was paused after HTTP 500s."""
    async with sessions.begin() as session:
        if await session.get(Chat, chat_id) is None:
            session.add(Chat(id=chat_id, type="private" if chat_id > 0 else "group"))
            await session.flush()
        failure = Failure("http_status", {"status": 500}).as_json()
        entry = OutboxEntry(
            chat_id=chat_id,
            notice_kind=SOURCE_PAUSED,
            notice_args={"source_id": source_id, "name": name, "failure": failure},
        )
        session.add(entry)
        await session.flush()
        return entry.id


async def entries(sessions: async_sessionmaker[AsyncSession]) -> dict[int, OutboxEntry]:
    async with sessions() as session:
        return {e.id: e for e in await session.scalars(select(OutboxEntry))}


async def states(sessions: async_sessionmaker[AsyncSession]) -> dict[int, OutboxState]:
    return {i: e.state for i, e in (await entries(sessions)).items()}


async def settle(
    worker: DeliveryWorker, sessions: async_sessionmaker[AsyncSession], seconds: float = 8
) -> None:
    """Drain until nothing is pending; fails the test after `seconds`."""
    async with asyncio.timeout(seconds):
        while OutboxState.PENDING in (await states(sessions)).values():
            if not await worker.drain_once():
                await asyncio.sleep(0.05)
