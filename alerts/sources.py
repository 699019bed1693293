"""Sources: adding them (with their baselines), listing them, the due ones.

A source's posts present when it is added are recorded as a baseline and never
alerted: subscribers want news, not a feed's back catalogue.

Adding is a check (`check_source`: the first poll) and a store (`store_new_sources`:
the row and its baseline, for one source or a batch in one transaction); a source
stored already is found by its key (`existing_sources`). `alerts.sourceimport` adds many
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import structlog
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from alerts.ingest.failures import Failure, failure_of
from alerts.ingest.schedule import next_success_check
from alerts.store.locks import STORIES, take_turn
from alerts.store.models import Post, Source, SourceKind, SourceState, source_title, utcnow
from monitors.locator import SourceRef, parse_source
from monitors.poll import Validators
from rules.source import stored_key

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from monitors.poll import Monitor, PollResult
    from monitors.post import Post as FetchedPost

log = structlog.get_logger(__name__)

DUE_BATCH = 200
KEYS_PER_QUERY = 1000
"""Source keys looked up per query: a bound on the statement's parameters."""


@dataclass(frozen=True, slots=True)
class SourceAdded:
    source: Source
    baseline_posts: int
    existed: bool
    resumed: bool = False


class SourceRejected(Exception):
    """The source cannot be added: `failure` says why, for the bot to word."""

    def __init__(self, failure: Failure, detail: str) -> None:
        super().__init__(detail)
        self.failure = failure


def source_ref(source: Source) -> SourceRef:
    return SourceRef(kind=source.kind.value, locator=source.locator)


def source_key_of(ref: SourceRef) -> str:
    """Which source `ref` is: the key its row is stored with (`Source.key`)."""
    return stored_key(ref.locator, channel=ref.kind == "channel")


def display_name(source: Source) -> str:
    if source.title:
        return source.title
    if source.kind is SourceKind.CHANNEL:
        return f"@{source.locator}"
    return urlsplit(source.locator).hostname or source.locator


async def add_source(
    sessions: async_sessionmaker[AsyncSession],
    monitor: Monitor,
    text: str,
    *,
    poll_interval: float,
) -> SourceAdded:
    """Check the source answers, then store it with its current posts as a baseline."""
    try:
        ref = parse_source(text)
    except ValueError as exc:
        raise SourceRejected(Failure("bad_address", {"address": text}), str(exc)) from exc
    key = source_key_of(ref)
    found = await existing_sources(sessions, [key])
    if key in found:
        return found[key]
    result = await check_source(monitor, ref)
    (added,) = await store_new_sources(sessions, [(ref, result)], poll_interval=poll_interval)
    return added


async def existing_sources(
    sessions: async_sessionmaker[AsyncSession], keys: Collection[str]
) -> dict[str, SourceAdded]:
    """The stored source of each key that has one, as adding it again finds it: a paused
    one is resumed (adding a paused source again is how an admin says "try it again")."""
    found: dict[str, SourceAdded] = {}
    wanted = list(keys)
    async with sessions.begin() as session:
        now = utcnow()
        for start in range(0, len(wanted), KEYS_PER_QUERY):
            chunk = wanted[start : start + KEYS_PER_QUERY]
            # The oldest of each key, should rows from before keys existed share one.
            rows = await session.scalars(
                select(Source).where(Source.key.in_(chunk)).order_by(Source.id)
            )
            for source in rows:
                if source.key in found:
                    continue
                paused = source.state is SourceState.PAUSED
                if paused:
                    _resume(source, now)
                found[source.key] = SourceAdded(source, 0, existed=True, resumed=paused)
    return found


async def check_source(monitor: Monitor, ref: SourceRef) -> PollResult:
    """The source's first poll, or `SourceRejected` saying why it cannot be added."""
    try:
        result = await monitor.poll(ref, Validators())
    except Exception as exc:
        # A bug met by this one source: the admin who asked still gets an answer.
        log.exception("source_check_crashed", locator=ref.locator)
        raise SourceRejected(
            Failure("internal"), f"internal error while checking it ({type(exc).__name__})"
        ) from exc
    if result.error is not None:
        raise SourceRejected(failure_of(result.error), str(result.error))
    return result


async def store_new_sources(
    sessions: async_sessionmaker[AsyncSession],
    checked: Sequence[tuple[SourceRef, PollResult]],
    *,
    poll_interval: float,
) -> list[SourceAdded]:
    """Store checked sources with their baselines in one transaction; one outcome each, in
    order. If one was added by someone else meanwhile, each is stored alone instead, and
    that one comes back as existing."""
    try:
        async with sessions.begin() as session:
            now = utcnow()
            sources = [_new_source(ref, result, now, poll_interval) for ref, result in checked]
            session.add_all(sources)
            await session.flush()
            # Posts are stored one transaction at a time across processes, their ids in
            # commit order: the story windows of the pollers rely on it.
            await take_turn(session, STORIES)
            session.add_all(
                [
                    row
                    for source, (_ref, result) in zip(sources, checked, strict=True)
                    for row in _baseline_rows(source, result)
                ]
            )
            await session.flush()
            # A baseline post opens its own story: one statement for the whole batch.
            await session.execute(
                update(Post)
                .where(Post.source_id.in_([source.id for source in sources]))
                .values(story_id=Post.id)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        if len(checked) > 1:
            return [
                added
                for one in checked
                for added in await store_new_sources(sessions, [one], poll_interval=poll_interval)
            ]
        # Someone added the same source while we were fetching it.
        same = await existing_sources(sessions, [source_key_of(checked[0][0])])
        if not same:
            raise
        return list(same.values())
    return [
        SourceAdded(source, len(result.posts), existed=False)
        for source, (_ref, result) in zip(sources, checked, strict=True)
    ]


def _resume(source: Source, now: datetime) -> None:
    """Adding a paused source again is how an admin says "try it again"."""
    source.state = SourceState.ACTIVE
    source.paused_reason = None
    source.failing_since = None
    source.error_count = 0
    source.next_check_at = now


async def remove_source(session: AsyncSession, source_id: int) -> Source | None:
    """Delete a source with its posts and their alerts; the removed source, or None."""
    source = await session.get(Source, source_id)
    if source is not None:
        await session.delete(source)
        await session.flush()
    return source


async def toggle_official(session: AsyncSession, source_id: int) -> Source | None:
    """Mark a source official, or no longer official (its reports confirm a story)."""
    source = await session.get(Source, source_id)
    if source is not None:
        source.official = not source.official
    return source


def _new_source(ref: SourceRef, result: PollResult, now: datetime, interval: float) -> Source:
    return Source(
        kind=SourceKind(ref.kind),
        locator=ref.locator,
        title=source_title(result.title),
        state=SourceState.ACTIVE,
        added_at=now,
        etag=result.validators.etag,
        last_modified=result.validators.last_modified,
        body_hash=result.validators.body_hash,
        # Without the channel's cursor the next poll would be a first poll: no paging
        # back to the baseline, no gap warning, no edits of baseline posts.
        cursor=result.validators.cursor,
        last_success_at=now,
        error_count=0,
        next_check_at=next_success_check(now, interval, result.next_check_hint),
    )


def _baseline_rows(source: Source, result: PollResult) -> list[Post]:
    seen: set[str] = set()
    rows = []
    for post in result.posts:
        if post.external_id not in seen:
            seen.add(post.external_id)
            rows.append(post_row(source, post, seen_at=source.added_at, baseline=True))
    return rows


def post_row(source: Source, post: FetchedPost, *, seen_at: datetime, baseline: bool) -> Post:
    """A fetched post as the row that stores it: the one place the two are mapped."""
    return Post(
        source_id=source.id,
        external_id=post.external_id,
        url=post.url,
        title=post.title,
        text=post.text,
        published_at=post.published_at,
        first_seen_at=seen_at,
        baseline=baseline,
        forwarded_url=post.forwarded_url,
        reply_to_url=_reply_url(post.url, post.reply_to),
    )


def _reply_url(url: str | None, reply_to: str | None) -> str | None:
    """The link of the post a channel post replies to: its own link, another number."""
    if url is None or reply_to is None or "/" not in url:
        return None
    return f"{url.rsplit('/', 1)[0]}/{reply_to}"


async def list_sources(session: AsyncSession) -> list[Source]:
    return list(await session.scalars(select(Source).order_by(Source.id)))
