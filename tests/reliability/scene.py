"""Setting a scene for a scenario: a migrated database with sources, the service, its chats.

Sources are added with the project's own `add_source` before `lookout run` starts, so
each begins with a baseline, as when an admin adds it; a scenario then turns some of
them hostile.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from alerts.sources import add_source
from alerts.store import migrate
from alerts.store.db import create_engine, session_factory
from monitors.fetcher import Fetcher
from monitors.poll import Monitor
from tests.e2e.process import LookoutProcess, reply_to
from tests.fakes.feeds import rss

if TYPE_CHECKING:
    from tests.fakes.telegram import FakeTelegram
    from tests.fakes.web import FakeWeb


def feed(path: str, *items: tuple[str, str]) -> bytes:
    """An RSS feed of (guid, title) items, newest first."""
    now = datetime.now(UTC)
    return rss(
        [
            {
                "guid": guid,
                "title": title,
                "link": f"https://news.example{path}/{guid}",
                "description": title,
                "pub_date": now,
            }
            for guid, title in items
        ],
        title=f"Feed {path}",
    )


async def add_sources(
    database_url: str, urls: list[str], web: FakeWeb, *, poll_interval: float
) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        async with Fetcher(allow_private_networks=True) as fetcher:
            for url in urls:
                await add_source(
                    sessions, Monitor(fetcher, web.base_url), url, poll_interval=poll_interval
                )
    finally:
        await engine.dispose()


async def start_service(
    workdir: Path, telegram: FakeTelegram, *, poll_interval: float, **settings: str
) -> LookoutProcess:
    lookout = LookoutProcess(
        workdir,
        LookoutProcess.environment(
            workdir,
            bot_token=telegram.token,
            telegram_api_url=telegram.api_url,
            poll_interval=f"{poll_interval:g}",
            **settings,
        ),
    )
    await lookout.start()
    await telegram.wait_for(lambda: telegram.polling, timeout=60)
    return lookout


async def watch(telegram: FakeTelegram, chats: dict[int, str]) -> None:
    """Each chat watches its own word."""
    await asyncio.gather(
        *(reply_to(telegram, chat, f"/watch {word}", "Watching") for chat, word in chats.items())
    )


def rss_kib(path: str) -> int:
    """The resident memory of a process, KiB, from /proc."""
    for line in Path(path).read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
