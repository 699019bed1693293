"""What sharing stories through PostgreSQL costs per post.

    .venv/bin/python -m bench.story_sharing [--rounds 3]

(run as a module from the repository root: it starts a throwaway PostgreSQL server with
`tests.postgres`; without `pg_ctl` it says so and prints nothing else).

The stream is the labelled tuning posts of tests/data/stories (`bench.story_corpus`), in
publication order, moved so the newest is a minute old; each source a source row, each
post recorded by the real `record_poll` in a transaction of its own (one new post per
poll: the worst case for a cost paid per transaction). Three ways, each on a fresh
database:

1. ``alone``: one process, the stories turn and catching up left out (what a single
   process did before stories were shared);
2. ``shared, 1 process``: the same with the turn (``pg_advisory_xact_lock``) and the
   catch-up query in every transaction;
3. ``shared, 2 processes``: two engines and two story windows in one event loop, the posts
   dealt to them in turn and recorded two at a time, each window learning the other's
   posts (fingerprinting them: that CPU is paid by every process).

Prints milliseconds per post (best of ``--rounds``, which interleave the ways), the part
of them spent waiting for the turn and catching up, and the stories each way opened: the
shared ways must open as many as ``alone``. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import func, select

from alerts.ingest.pipeline import PipelineConfig, record_poll
from alerts.ingest.rulebook import RuleBook
from alerts.ingest.storybook import StoryBook
from alerts.store import migrate
from alerts.store.db import create_engine, session_factory
from alerts.store.models import Post, Source, SourceKind, utcnow
from bench.story_corpus import TUNING, load
from monitors.poll import PollResult, Validators
from monitors.post import Post as FetchedPost
from rules.lexicon import Lexicon
from tests.postgres import PostgresUnavailable, create_database, start_server

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

    from tests.postgres import PostgresServer

CONFIG = PipelineConfig(poll_interval=60, alert_window=timedelta(hours=6))


class TimedStoryBook(StoryBook):
    """The shared window, timing its turn and catch-up."""

    def __init__(self) -> None:
        super().__init__()
        self.catching_up = 0.0

    async def catch_up(self, session: AsyncSession, now: datetime) -> bool:
        started = time.perf_counter()
        try:
            return await super().catch_up(session, now)
        finally:
            self.catching_up += time.perf_counter() - started


class AloneStoryBook(StoryBook):
    """A window that never takes the turn nor reads what others stored."""

    async def catch_up(self, session: AsyncSession, now: datetime) -> bool:  # noqa: ARG002  (the seam it replaces)
        return False


def _stream(rows: list[dict[str, Any]]) -> list[tuple[str, FetchedPost]]:
    rows = sorted(rows, key=lambda row: row["published_at"])
    newest = datetime.fromisoformat(rows[-1]["published_at"])
    shift = datetime.now(UTC) - timedelta(minutes=1) - newest
    return [
        (
            row["source"],
            FetchedPost(
                external_id=str(row["id"]),
                url=row["url"],
                title="",
                text=row["text"],
                published_at=datetime.fromisoformat(row["published_at"]) + shift,
                forwarded_url=row.get("forwarded_url"),
            ),
        )
        for row in rows
    ]


async def _database(server: PostgresServer, names: set[str]) -> tuple[str, dict[str, int]]:
    url = create_database(server, prefix="lookout_bench")
    engine = create_engine(url)
    await migrate.upgrade(engine)
    async with session_factory(engine).begin() as session:
        rows = {name: Source(kind=SourceKind.CHANNEL, locator=name) for name in sorted(names)}
        session.add_all(rows.values())
        await session.flush()
        ids = {name: row.id for name, row in rows.items()}
    await engine.dispose()
    return url, ids


async def _record(
    engine: AsyncEngine, book: StoryBook, rulebook: RuleBook, source_id: int, post: FetchedPost
) -> None:
    async with session_factory(engine).begin() as session:
        source = await session.get_one(Source, source_id)
        poll = PollResult(
            posts=(post,),
            validators=Validators(),
            not_modified=False,
            error=None,
            next_check_hint=None,
            title=None,
        )
        await record_poll(
            session, source, poll, rulebook=rulebook, storybook=book, config=CONFIG, now=utcnow()
        )


async def _run(
    server: PostgresServer,
    stream: list[tuple[str, FetchedPost]],
    lexicon: Lexicon,
    *,
    processes: int,
    shared: bool,
) -> tuple[float, float, int]:
    """Seconds per post, of them in the turn and catch-up, and stories opened."""
    url, ids = await _database(server, {name for name, _ in stream})
    engines = [create_engine(url) for _ in range(processes)]
    books = [TimedStoryBook() if shared else AloneStoryBook() for _ in range(processes)]
    rulebook = RuleBook(lexicon)
    for engine, book in zip(engines, books, strict=True):
        async with session_factory(engine)() as session:
            await rulebook.sync(session)
            await book.rebuild(session, utcnow())
    started = time.perf_counter()
    for start in range(0, len(stream), processes):
        batch = stream[start : start + processes]
        await asyncio.gather(
            *(
                _record(engines[n], books[n], rulebook, ids[name], post)
                for n, (name, post) in enumerate(batch)
            )
        )
    elapsed = time.perf_counter() - started
    async with session_factory(engines[0])() as session:
        stories = await session.scalar(select(func.count(func.distinct(Post.story_id))))
    for engine in engines:
        await engine.dispose()
    catching_up = sum(book.catching_up for book in books if isinstance(book, TimedStoryBook))
    return elapsed / len(stream), catching_up / len(stream), int(stories or 0)


async def main(rounds: int) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    stream = _stream(load(TUNING).posts)
    lexicon = Lexicon.load()
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        print(f"skipped: {exc}")
        return
    try:
        print(f"{len(stream)} posts, one transaction each, PostgreSQL on loopback")
        ways = (
            ("alone (no turn, no catch-up)", 1, False),
            ("shared, 1 process", 1, True),
            ("shared, 2 processes", 2, True),
        )
        figures: dict[str, list[tuple[float, float, int]]] = {label: [] for label, _, _ in ways}
        # Rounds interleave the ways, so a busy moment of the machine hits them alike.
        for _ in range(rounds):
            for label, processes, shared in ways:
                figures[label].append(
                    await _run(server, stream, lexicon, processes=processes, shared=shared)
                )
        for label, runs in figures.items():
            best = min(runs)
            stories = sorted({count for _, _, count in runs})
            print(
                f"{label:30} {best[0] * 1000:7.2f} ms/post, of them turn and catch-up "
                f"{best[1] * 1000:5.2f} ms   stories {stories}"
            )
    finally:
        server.executor.stop()
        shutil.rmtree(server.executor.unixsocketdir, ignore_errors=True)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))


if __name__ == "__main__":
    cli()
