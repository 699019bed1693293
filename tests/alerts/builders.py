"""Building blocks for pipeline tests: fetched posts, poll results, one recorded poll."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from alerts.ingest.pipeline import PipelineConfig, record_poll
from alerts.ingest.storybook import StoryBook
from alerts.store.models import Source, SourceKind
from monitors.poll import PollResult, Validators
from monitors.post import Post as FetchedPost

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.ingest.rulebook import RuleBook

CONFIG = PipelineConfig(poll_interval=60, alert_window=timedelta(hours=6))


def fetched(external_id: str, title: str, *, age: timedelta = timedelta(0)) -> FetchedPost:
    return FetchedPost(
        external_id=external_id,
        url=f"https://news.example/{external_id}",
        title=title,
        text="",
        published_at=datetime.now(UTC) - age,
    )


def result(*posts: FetchedPost, error: Exception | None = None) -> PollResult:
    return PollResult(
        posts=tuple(posts),
        validators=Validators(etag='"v1"'),
        not_modified=False,
        error=error,  # type: ignore[arg-type]
        next_check_hint=None,
        title="Border News",
    )


async def make_source(session: AsyncSession) -> Source:
    source = Source(kind=SourceKind.FEED, locator="https://news.example/feed.xml")
    session.add(source)
    await session.flush()
    return source


async def record(
    sessions: async_sessionmaker[AsyncSession],
    rulebook: RuleBook,
    source_id: int,
    poll: PollResult,
    now: datetime | None = None,
    *,
    admins: set[int] | None = None,
    storybook: StoryBook | None = None,
) -> tuple[int, int]:
    config = replace(CONFIG, admins=frozenset(admins or ()))
    async with sessions.begin() as session:
        await rulebook.sync(session)
        source = await session.get_one(Source, source_id)
        recorded = await record_poll(
            session,
            source,
            poll,
            rulebook=rulebook,
            storybook=storybook if storybook is not None else StoryBook(),
            config=config,
            now=now or datetime.now(UTC),
        )
    return recorded.new_posts, recorded.alerts
