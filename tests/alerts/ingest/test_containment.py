"""One source's failure, of any type, stays in its own poll (issue 10, bugs 1, 2, 4, 5).

The poll loop runs for real against the fake web server and a real database: a
hostile source beside a good one must neither stop the good one's posts nor escape
the one failure path (backoff, pause after a day, admins told once).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import select

from alerts.ingest.pipeline import PipelineConfig
from alerts.ingest.poller import Poller
from alerts.ingest.rulebook import RuleBook
from alerts.sources import add_source
from alerts.store.models import Chat, OutboxEntry, Post, Source, SourceKind, SourceState
from monitors.fetcher import Fetcher
from monitors.poll import Monitor
from tests.fakes.channel import ChannelPost, channel_page

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from rules.lexicon import Lexicon
    from tests.fakes.web import FakeWeb

ADMIN = 4242
CONFIG = PipelineConfig(
    poll_interval=60, alert_window=timedelta(hours=6), admins=frozenset({ADMIN})
)


def rss(*items: tuple[str, str, str]) -> str:
    body = "".join(
        f"<item><guid>{guid}</guid><link>{link}</link><title>{title}</title></item>"
        for guid, link, title in items
    )
    return f"<rss version='2.0'><channel><title>News</title>{body}</channel></rss>"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private_networks=True) as shared:
        yield shared


async def add_feed(sessions: async_sessionmaker[AsyncSession], url: str) -> int:
    async with sessions.begin() as session:
        source = Source(kind=SourceKind.FEED, locator=url)
        session.add(source)
        await session.flush()
        return source.id


async def stored_ids(sessions: async_sessionmaker[AsyncSession], source_id: int) -> set[str]:
    async with sessions() as session:
        return set(
            await session.scalars(select(Post.external_id).where(Post.source_id == source_id))
        )


async def test_a_redirect_to_an_undecodable_host_fails_only_its_own_source(
    sessions, lexicon: Lexicon, fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve("/good", rss(("g1", "https://news.example/1", "first")))
    fake_web.redirect("/bad", "http://xn--/")
    good = await add_feed(sessions, fake_web.url("/good"))
    bad = await add_feed(sessions, fake_web.url("/bad"))
    poller = Poller(sessions, Monitor(fetcher), RuleBook(lexicon), CONFIG)
    await poller.tick()
    assert await stored_ids(sessions, good) == {"g1"}
    async with sessions() as session:
        failed = await session.get_one(Source, bad)
    assert failed.error_count == 1
    assert failed.next_check_at > datetime.now(UTC) + timedelta(seconds=30)


async def test_any_exception_in_a_poll_backs_off_pauses_after_a_day_and_tells_admins_once(
    sessions, lexicon: Lexicon
) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug no one foresaw")

    async with sessions.begin() as session:
        session.add(Chat(id=ADMIN, type="private"))
    source_id = await add_feed(sessions, "https://broken.example/feed")
    async with Fetcher(
        allow_private_networks=True, transport=httpx.MockTransport(explode)
    ) as broken:
        poller = Poller(sessions, Monitor(broken), RuleBook(lexicon), CONFIG)
        for _ in range(3):
            await poller.tick()
            async with sessions.begin() as session:
                source = await session.get_one(Source, source_id)
                # Due again, as if the backoff had passed, and failing for over a day.
                source.next_check_at = datetime.now(UTC) - timedelta(seconds=1)
                source.failing_since = datetime.now(UTC) - timedelta(days=2)
    async with sessions() as session:
        source = await session.get_one(Source, source_id)
        notices = list(await session.scalars(select(OutboxEntry.chat_id)))
    assert source.state is SourceState.PAUSED
    assert "RuntimeError" in (source.last_error or "")
    assert notices == [ADMIN]


async def test_a_crash_while_recording_goes_through_the_same_failure_path(
    sessions, lexicon: Lexicon, fake_web: FakeWeb, fetcher: Fetcher, monkeypatch
) -> None:
    async def crash(*args: object, **kwargs: object) -> None:
        # Stands for any bug met by one source's posts in the pipeline.
        raise LookupError("bug in the pipeline")

    monkeypatch.setattr("alerts.ingest.poller.record_poll", crash)
    async with sessions.begin() as session:
        session.add(Chat(id=ADMIN, type="private"))
    fake_web.serve("/feed", rss(("g1", "https://news.example/1", "first")))
    source_id = await add_feed(sessions, fake_web.url("/feed"))
    async with sessions.begin() as session:
        source = await session.get_one(Source, source_id)
        source.failing_since = datetime.now(UTC) - timedelta(days=2)
    await Poller(sessions, Monitor(fetcher), RuleBook(lexicon), CONFIG).tick()
    async with sessions() as session:
        source = await session.get_one(Source, source_id)
        notices = list(await session.scalars(select(OutboxEntry.chat_id)))
    assert source.state is SourceState.PAUSED
    assert notices == [ADMIN]


async def test_oversized_links_guids_and_etags_are_stored_on_both_databases(
    sessions, lexicon: Lexicon, fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    long_link = "https://news.example/" + "a" * 3000
    fake_web.serve(
        "/feed",
        rss(("g" * 1500, long_link, "long"), ("short", "https://news.example/2", "ok")),
        headers={"ETag": '"' + "e" * 1500 + '"'},
    )
    source_id = await add_feed(sessions, fake_web.url("/feed"))
    await Poller(sessions, Monitor(fetcher), RuleBook(lexicon), CONFIG).tick()
    assert len(await stored_ids(sessions, source_id)) == 2
    async with sessions() as session:
        source = await session.get_one(Source, source_id)
    assert source.error_count == 0


async def test_a_channel_added_then_polled_pages_back_to_its_baseline(
    sessions, lexicon: Lexicon, fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    now = datetime.now(UTC)
    baseline = [ChannelPost(n, f"baseline {n}", now) for n in range(81, 101)]
    fake_web.serve("/s/kursk_test", channel_page("kursk_test", "Kursk", baseline), "text/html")
    added = await add_source(
        sessions, Monitor(fetcher, fake_web.base_url), "@kursk_test", poll_interval=60
    )
    # Thirty posts appear between two polls: the latest page shows only twenty.
    posts = [ChannelPost(n, f"new {n}", now) for n in range(101, 131)]
    fake_web.serve("/s/kursk_test", channel_page("kursk_test", "Kursk", posts[10:]), "text/html")
    fake_web.serve(
        "/s/kursk_test?before=111",
        channel_page("kursk_test", "Kursk", baseline[10:] + posts[:10]),
        "text/html",
    )
    async with sessions.begin() as session:
        source = await session.get_one(Source, added.source.id)
        source.next_check_at = now - timedelta(seconds=1)
    poller = Poller(sessions, Monitor(fetcher, fake_web.base_url), RuleBook(lexicon), CONFIG)
    await poller.tick()
    stored = await stored_ids(sessions, added.source.id)
    assert {str(n) for n in range(101, 131)} <= stored
    assert any(seen.target == "/s/kursk_test?before=111" for seen in fake_web.requests)


async def test_a_slow_source_holds_up_neither_the_tick_nor_the_others(
    sessions, lexicon: Lexicon, fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve("/slow", rss(("s1", "https://news.example/s", "slow")))
    fake_web.dribble("/slow", interval=0.5)
    fake_web.serve("/good", rss(("g1", "https://news.example/1", "first")))
    slow = await add_feed(sessions, fake_web.url("/slow"))
    good = await add_feed(sessions, fake_web.url("/good"))
    poller = Poller(sessions, Monitor(fetcher), RuleBook(lexicon), CONFIG, tick_wait=1.0)
    await poller.tick()
    assert await stored_ids(sessions, good) == {"g1"}
    assert await stored_ids(sessions, slow) == set()
    # The next tick does not start a second poll of the source still being read.
    before = len(fake_web.requests_for("/slow"))
    await poller.tick()
    assert len(fake_web.requests_for("/slow")) == before
    await poller.aclose()
