"""Delivery throughput against the fake Bot API with Telegram's own limits.

    .venv/bin/python -m bench.delivery [--chats 3000] [--group-alerts 600] [--group-seconds 75]

(run as a module from the repository root: it imports the fake from `tests.fakes`).

Everything runs in this process: the fake Telegram server (tests/fakes/telegram.py,
default limits: 30 messages/s per bot, burst 3 then 1/s per private chat, 20/min per
group; it answers 429 beyond them), a temporary SQLite database, and the real
`DeliveryWorker` with a `TelegramSender` over aiogram.

1. Broadcast: one alert each to `--chats` private chats. Prints messages/s between
   the first and last message against the 30/s cap (target 28/s or more) and the
   429s received (target 0).
2. Group: `--group-alerts` alerts to one group. At 20 a minute they would take half
   an hour one by one, so this measures the first `--group-seconds` only and prints
   the count, the busiest 60-second window against the cap of 20, and the 429s. The
   product does not send them all one by one: past `digest_after` (60) alerts in an
   hour a chat gets the rest as a digest every 10 minutes; the bench renders that
   first digest from what is still pending and says how many messages it takes.

Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import func, insert, select

from alerts.outbox.queue import chat_backlog
from alerts.store import migrate
from alerts.store.db import create_engine, session_factory
from alerts.store.models import Chat, OutboxEntry, OutboxState, Post, Source, SourceKind
from bot.delivery import DeliveryWorker
from bot.digest import build_digest
from bot.i18n import Words, build_i18n
from bot.senders import TelegramSender
from tests.fakes.telegram import FakeTelegram

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

GROUP = -4_000_001
PRIVATE_FIRST = 10_000_001
# DeliveryWorker's default, as bot/app.py passes Settings.digest_after (60).
DIGEST_AFTER = 60


async def queue(sessions: async_sessionmaker[AsyncSession], chats: list[int], per_chat: int) -> int:
    """`per_chat` pending alerts for each chat, one post each, in one transaction."""
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        source = Source(kind=SourceKind.FEED, locator="https://news.example/feed", title="News")
        session.add(source)
        await session.flush()
        first = (await session.scalar(select(func.max(Post.id)))) or 0
        posts, entries, post_id = [], [], first
        for chat in chats:
            kind = "private" if chat > 0 else "group"
            await session.execute(insert(Chat), [{"id": chat, "type": kind, "created_at": now}])
            for n in range(per_chat):
                post_id += 1
                posts.append(_post(post_id, source.id, chat, n, now))
                entries.append(
                    {
                        "chat_id": chat,
                        "post_id": post_id,
                        "created_at": now,
                        "next_attempt_at": now,
                        "highlights": {"terms": ["Drone"]},
                    }
                )
        await session.execute(insert(Post), posts)
        await session.execute(insert(OutboxEntry), entries)
    return len(entries)


def _post(post_id: int, source_id: int, chat: int, n: int, now: datetime) -> dict[str, object]:
    return {
        "id": post_id,
        "source_id": source_id,
        "external_id": f"{chat}-{n}",
        "url": f"https://news.example/{chat}/{n}",
        "title": f"Drone activity reported near the bridge, report {n}",
        "text": "Air defence is working. Stay in shelters.",
        "published_at": now,
        "first_seen_at": now,
    }


async def pending(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count(OutboxEntry.id)).where(OutboxEntry.state == OutboxState.PENDING)
        )
    return int(count or 0)


async def run_worker(
    worker: DeliveryWorker, until: float, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Run the worker until nothing is pending or `until` (monotonic) passes."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    # The database is the only place that knows when everything went: poll it.
    while time.monotonic() < until and await pending(sessions):  # noqa: ASYNC110
        await asyncio.sleep(0.5)
    stop.set()
    await task


async def broadcast(
    fake: FakeTelegram, bot: Bot, sessions: async_sessionmaker[AsyncSession], chats: int
) -> None:
    count = await queue(sessions, list(range(PRIVATE_FIRST, PRIVATE_FIRST + chats)), 1)
    worker = DeliveryWorker(sessions, TelegramSender(bot, build_i18n()))
    started = time.monotonic()
    await run_worker(worker, started + 600, sessions)
    sent = [m.sent_at for m in fake.sent if m.chat_id > 0]
    refused = sum(1 for r in fake.refusals if r.error_code == 429)
    span = max(sent) - min(sent)
    print(f"broadcast: {count} alerts to {chats} private chats")
    print(
        f"  sent {len(sent)} in {span:.1f} s: {(len(sent) - 1) / span:.2f} messages/s "
        f"(cap 30/s, target >= 28/s)"
    )
    print(f"  429s received: {refused} (target 0); still pending: {await pending(sessions)}")


async def group(
    fake: FakeTelegram,
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    alerts: int,
    seconds: float,
) -> None:
    await queue(sessions, [GROUP], alerts)
    worker = DeliveryWorker(sessions, TelegramSender(bot, build_i18n()))
    started = time.monotonic()
    await run_worker(worker, started + seconds, sessions)
    sent = sorted(m.sent_at for m in fake.messages_to(GROUP))
    refused = sum(1 for r in fake.refusals if r.error_code == 429 and r.chat_id == GROUP)
    busiest = max((sum(1 for t in sent if s <= t < s + 60) for s in sent), default=0)
    minutes = int(seconds // 60)
    whole = sum(1 for t in sent if t < started + 60 * minutes)
    print(f"group: {alerts} alerts to one group, measured over the first {seconds:.0f} s only")
    print(f"  sent {len(sent)}; busiest 60-s window: {busiest} messages (cap 20/min)")
    if minutes:
        print(f"  over the first {minutes} whole minute(s): {whole / minutes:.1f}/min (cap 20/min)")
    print(f"  429s received: {refused} (target 0)")
    await digest_outlook(sessions, len(sent))


async def digest_outlook(sessions: async_sessionmaker[AsyncSession], sent: int) -> None:
    """What the product does with the rest: DeliveryWorker's defaults, not waited for."""
    async with sessions() as session:
        backlog = await chat_backlog(session, GROUP, datetime.now(UTC), 1000)
    individually = max(0, DIGEST_AFTER - sent)
    rest = backlog[individually:]
    parts = build_digest(GROUP, rest, Words(build_i18n(), "en"))
    done = (DIGEST_AFTER - 1) // 20
    left = len(backlog)
    print(f"  one by one, the {left} still pending would take {left / 20:.0f} min more.")
    print(f"  The product bundles them: past {DIGEST_AFTER} alerts in an hour a chat gets the rest")
    print(f"  as a digest 10 min after its last alert went. Here alerts 1-{DIGEST_AFTER} go one")
    print(f"  by one (20 a minute, the last at ~{done} min), then at ~{done + 10} min one digest")
    print(
        f"  lists the other {len(rest)} in {len(parts)} messages (rendered here from the backlog)."
    )


async def bench(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, scenario in (("broadcast", broadcast), ("group", group)):
            engine = create_engine(f"sqlite+aiosqlite:///{Path(tmp) / name}.db")
            await migrate.upgrade(engine)
            sessions = session_factory(engine)
            async with await FakeTelegram.start() as fake:
                session = AiohttpSession(api=TelegramAPIServer.from_base(fake.api_url))
                bot = Bot(fake.token, session=session)
                try:
                    if scenario is broadcast:
                        await broadcast(fake, bot, sessions, args.chats)
                    else:
                        await group(fake, bot, sessions, args.group_alerts, args.group_seconds)
                finally:
                    await bot.session.close()
                    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=3000)
    parser.add_argument("--group-alerts", type=int, default=600)
    parser.add_argument("--group-seconds", type=float, default=75.0)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
