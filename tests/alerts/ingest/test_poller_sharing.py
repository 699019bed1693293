"""Several pollers on one database share the due sources; quiet polls are recorded together.

Real pollers against the fake web server and a real database: a poller claims only its free
places, so the sources it cannot start stay due for another process; a 304 poll, written in
a batch with the others, still moves its source's schedule and keeps its validators.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from alerts.ingest.health import record_success
from alerts.ingest.pipeline import PipelineConfig
from alerts.ingest.poller import Poller
from alerts.ingest.rulebook import RuleBook
from alerts.store.models import Post, Source, SourceKind
from monitors.fetcher import Fetcher
from monitors.poll import Monitor

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from rules.lexicon import Lexicon
    from tests.fakes.web import FakeWeb

CONFIG = PipelineConfig(poll_interval=60, alert_window=timedelta(hours=6))


def rss(guid: str) -> str:
    return (
        "<rss version='2.0'><channel><title>News</title>"
        f"<item><guid>{guid}</guid><link>https://news.example/{guid}</link>"
        f"<title>{guid}</title></item></channel></rss>"
    )


async def add_feeds(sessions: async_sessionmaker[AsyncSession], fake_web: FakeWeb, count: int):
    for n in range(count):
        fake_web.serve(f"/feed/{n}", rss(f"g{n}"))
    async with sessions.begin() as session:
        sources = [
            Source(kind=SourceKind.FEED, locator=fake_web.url(f"/feed/{n}")) for n in range(count)
        ]
        session.add_all(sources)
    return [source.id for source in sources]


async def make_due(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(Source).values(next_check_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def test_a_poller_claims_only_its_free_places_and_another_polls_the_rest(
    sessions, lexicon: Lexicon, fake_web: FakeWeb
) -> None:
    await add_feeds(sessions, fake_web, 5)
    async with (
        Fetcher(allow_private_networks=True) as first_fetcher,
        Fetcher(allow_private_networks=True) as second_fetcher,
    ):
        first = Poller(sessions, Monitor(first_fetcher), RuleBook(lexicon), CONFIG, places=2)
        second = Poller(sessions, Monitor(second_fetcher), RuleBook(lexicon), CONFIG)
        await first.tick()
        assert len(fake_web.requests) == 2
        await second.tick()
    assert sorted(seen.path for seen in fake_web.requests) == [f"/feed/{n}" for n in range(5)]
    async with sessions() as session:
        stored = set(await session.scalars(select(Post.external_id)))
    assert stored == {f"g{n}" for n in range(5)}


async def test_unchanged_feeds_move_their_next_check_and_keep_their_validators(
    sessions, lexicon: Lexicon, fake_web: FakeWeb
) -> None:
    ids = await add_feeds(sessions, fake_web, 4)
    async with Fetcher(allow_private_networks=True) as fetcher:
        poller = Poller(sessions, Monitor(fetcher), RuleBook(lexicon), CONFIG)
        await poller.tick()
        await make_due(sessions)
        polled_at = datetime.now(UTC)
        await poller.tick()
    # Asked conditionally, so each answer was a 304 with nothing to parse.
    assert all("If-None-Match" in seen.headers for seen in fake_web.requests[4:])
    assert len(fake_web.requests) == 8
    async with sessions() as session:
        sources = list(await session.scalars(select(Source).where(Source.id.in_(ids))))
    for source in sources:
        assert source.etag is not None
        assert source.last_success_at is not None
        assert source.last_success_at >= polled_at
        # The interval with its jitter: neither still due nor left under the lease.
        ahead = source.next_check_at - polled_at
        assert timedelta(seconds=50) < ahead < timedelta(seconds=70)


async def test_a_quiet_batch_that_fails_is_recorded_one_source_at_a_time(
    sessions, lexicon: Lexicon, fake_web: FakeWeb, monkeypatch
) -> None:
    ids = await add_feeds(sessions, fake_web, 4)
    batched = record_success

    async def refuse_one(session, source, *args, **kwargs) -> None:
        # Stands for a row the batch cannot write (a source deleted meanwhile).
        if source.id == ids[0]:
            raise LookupError("this row cannot be written in a batch")
        await batched(session, source, *args, **kwargs)

    async with Fetcher(allow_private_networks=True) as fetcher:
        poller = Poller(sessions, Monitor(fetcher), RuleBook(lexicon), CONFIG)
        await poller.tick()
        await make_due(sessions)
        monkeypatch.setattr("alerts.ingest.poller.record_success", refuse_one)
        polled_at = datetime.now(UTC)
        await poller.tick()
    async with sessions() as session:
        sources = list(await session.scalars(select(Source).where(Source.id.in_(ids))))
    assert len(sources) == 4
    for source in sources:
        assert source.error_count == 0
        assert source.last_success_at is not None
        assert source.last_success_at >= polled_at
        assert source.next_check_at > polled_at + timedelta(seconds=50)
