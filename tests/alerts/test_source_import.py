"""Importing many sources in bulk: the same outcomes as adding each alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from alerts import sourceimport
from alerts.sourceimport import import_sources
from alerts.sources import add_source, check_source, store_new_sources
from alerts.store.models import Post, Source, SourceState
from monitors.fetcher import Fetcher
from monitors.locator import parse_source
from monitors.poll import Monitor
from tests.fakes.feeds import rss

if TYPE_CHECKING:
    import pytest
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from tests.fakes.web import FakeWeb


def _serve_feeds(fake_web: FakeWeb, count: int) -> list[str]:
    now = datetime.now(UTC)
    for n in range(count):
        items = [
            {"guid": f"{n}-{k}", "title": f"Item {k}", "link": f"https://n.example/{n}/{k}"}
            | {"pub_date": now}
            for k in range(2)
        ]
        fake_web.serve(f"/feed{n}.xml", rss(items, title=f"Feed {n}"))
    return [fake_web.url(f"/feed{n}.xml") for n in range(count)]


async def test_an_import_larger_than_a_batch_stores_each_source_with_its_baseline_once(
    sessions: async_sessionmaker[AsyncSession], fake_web: FakeWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sourceimport, "IMPORT_BATCH", 3)
    urls = _serve_feeds(fake_web, 7)
    texts = [*urls, fake_web.url("/missing.xml"), "not a source at all", urls[0]]
    async with Fetcher(allow_private_networks=True) as fetcher:
        monitor = Monitor(fetcher, fake_web.base_url)
        paused = await add_source(sessions, monitor, urls[6], poll_interval=60)
        async with sessions.begin() as session:
            row = await session.get(Source, paused.source.id)
            assert row is not None
            row.state = SourceState.PAUSED
        first = await import_sources(sessions, monitor, texts, poll_interval=60)
        again = await import_sources(sessions, monitor, texts, poll_interval=60)

    assert [line.text for line in first] == texts
    assert [line.added.baseline_posts for line in first[:6] if line.added] == [2] * 6
    assert first[6].added is not None
    assert (first[6].added.existed, first[6].added.resumed) == (True, True)
    assert [line.added for line in first[7:9]] == [None, None]
    assert "404" in (first[7].error or "")
    assert first[9].added == first[0].added
    assert all(line.added is not None and line.added.existed for line in again[:7])
    async with sessions() as session:
        stored = list(await session.scalars(select(Source).order_by(Source.locator)))
        posts = (await session.execute(select(Post.id, Post.story_id, Post.baseline))).all()
        per_source = await session.execute(
            select(Post.source_id, func.count()).group_by(Post.source_id)
        )
        counts = [count for _source_id, count in per_source]
    assert sorted(source.locator for source in stored) == sorted(urls)
    assert {source.state for source in stored} == {SourceState.ACTIVE}
    assert counts == [2] * 7
    # A baseline post opens a story of its own and is never alerted.
    assert all(story == post_id and baseline for post_id, story, baseline in posts)


async def test_a_batch_with_a_source_added_meanwhile_stores_the_others(
    sessions: async_sessionmaker[AsyncSession], fake_web: FakeWeb
) -> None:
    urls = _serve_feeds(fake_web, 3)
    async with Fetcher(allow_private_networks=True) as fetcher:
        monitor = Monitor(fetcher, fake_web.base_url)
        checked = [(ref, await check_source(monitor, ref)) for ref in map(parse_source, urls)]
        # Another process adds the second while this import was fetching.
        meanwhile = await add_source(sessions, monitor, urls[1], poll_interval=60)
    outcomes = await store_new_sources(sessions, checked, poll_interval=60)

    assert [added.existed for added in outcomes] == [False, True, False]
    assert outcomes[1].source.id == meanwhile.source.id
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Post))
        locators = list(await session.scalars(select(Source.locator)))
    assert sorted(locators) == sorted(urls)
    assert count == 6
