"""Two processes on one PostgreSQL never open two stories for one event.

Each "process" here is what `lookout run` has of its own: an engine (its connections) and
a story window (`StoryBook`), rebuilt at start. They record reports of one event at the
same moment, each in its own transaction, as two pollers do.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from alerts.ingest.pipeline import record_poll
from alerts.ingest.rulebook import RuleBook
from alerts.ingest.storybook import StoryBook
from alerts.store import migrate
from alerts.store.db import create_engine, session_factory
from alerts.store.models import OutboxEntry, Post, Source, utcnow
from monitors.post import Post as FetchedPost
from tests.alerts.builders import CONFIG, result
from tests.alerts.ingest.test_stories import sources, subscribe
from tests.postgres import create_database

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from rules.lexicon import Lexicon
    from tests.postgres import PostgresServer

# Each event as the governor wrote it, and as a monitoring channel reposted it.
EVENTS = [
    (
        f"Над {place} силами ПВО уничтожены {count} беспилотника. Пострадавших нет, на месте "
        "работают оперативные службы. Информация уточняется, подробности позже."
    )
    for place, count in [
        ("Курской областью", "три"),
        ("Белгородской областью", "два"),
        ("Брянской областью", "четыре"),
        ("Рыльском районом", "пять"),
        ("Суджанским районом", "шесть"),
    ]
]


@dataclass
class Process:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    rulebook: RuleBook
    storybook: StoryBook


@pytest.fixture
async def database(postgres_server: PostgresServer) -> str:
    url = create_database(postgres_server)
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    return url


async def start_process(url: str, lexicon: Lexicon) -> Process:
    engine = create_engine(url)
    sessions = session_factory(engine)
    storybook = StoryBook()
    async with sessions() as session:
        await storybook.rebuild(session, utcnow())
    return Process(engine, sessions, RuleBook(lexicon), storybook)


async def record(process: Process, source_id: int, *posts: FetchedPost) -> int:
    async with process.sessions.begin() as session:
        await process.rulebook.sync(session)
        source = await session.get_one(Source, source_id)
        recorded = await record_poll(
            session,
            source,
            result(*posts),
            rulebook=process.rulebook,
            storybook=process.storybook,
            config=CONFIG,
            now=datetime.now(UTC),
        )
    return recorded.new_posts


def report(channel: str, number: int, text: str) -> FetchedPost:
    return FetchedPost(
        external_id=str(number),
        url=f"https://t.me/{channel}/{number}",
        title="",
        text=text,
        published_at=datetime.now(UTC) - timedelta(seconds=30),
    )


async def test_two_processes_recording_one_event_at_once_open_one_story(
    database: str, lexicon: Lexicon
) -> None:
    first, second = [await start_process(database, lexicon) for _ in range(2)]
    try:
        governor, monitor = await sources(first.sessions, "kursk_gov", "monitor")
        await subscribe(first.sessions, lexicon, 90, "беспилотник")
        for number, text in enumerate(EVENTS, start=1):
            # The repost is recorded by the other process in the same instant.
            await asyncio.gather(
                record(first, governor, report("kursk_gov", number, text)),
                record(second, monitor, report("monitor", 500 + number, "⚡️Срочно: " + text)),
            )
        async with first.sessions() as session:
            stories = (await session.execute(select(Post.source_id, Post.story_id))).all()
            alerts = await session.scalar(select(func.count()).select_from(OutboxEntry))
    finally:
        for process in (first, second):
            await process.engine.dispose()
    by_source = {
        source: [story for owner, story in stories if owner == source]
        for source in (governor, monitor)
    }
    # Each repost joined its governor's post, whichever process stored it first.
    assert by_source[governor] == by_source[monitor]
    assert len(set(by_source[governor])) == len(EVENTS)
    assert alerts == len(EVENTS)


async def test_a_source_polled_by_two_processes_at_once_is_stored_once(
    database: str, lexicon: Lexicon
) -> None:
    # A lease that lapsed mid-poll: both processes record the same answer.
    first, second = [await start_process(database, lexicon) for _ in range(2)]
    try:
        (governor,) = await sources(first.sessions, "kursk_gov")
        posts = [report("kursk_gov", number, text) for number, text in enumerate(EVENTS)]
        stored = await asyncio.gather(
            record(first, governor, *posts), record(second, governor, *posts)
        )
        async with first.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(Post))
    finally:
        for process in (first, second):
            await process.engine.dispose()
    assert sorted(stored) == [0, len(EVENTS)]
    assert count == len(EVENTS)


async def test_a_story_opened_by_another_process_after_start_is_joined(
    database: str, lexicon: Lexicon
) -> None:
    first, second = [await start_process(database, lexicon) for _ in range(2)]
    try:
        governor, monitor = await sources(first.sessions, "kursk_gov", "monitor")
        await record(first, governor, report("kursk_gov", 1, EVENTS[0]))
        await record(second, monitor, report("monitor", 7, "⚡️Срочно: " + EVENTS[0]))
        async with first.sessions() as session:
            stories = set(await session.scalars(select(Post.story_id)))
    finally:
        for process in (first, second):
            await process.engine.dispose()
    assert len(stories) == 1


async def test_on_sqlite_no_turn_is_taken_and_nothing_is_read_again(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}")
    await migrate.upgrade(engine)
    try:
        async with session_factory(engine).begin() as session:
            assert await StoryBook().catch_up(session, utcnow()) is False
    finally:
        await engine.dispose()
