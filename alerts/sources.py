"""Sources: adding one (with its baseline), importing many, listing them, the due ones.

A source's posts present when it is added are recorded as a baseline and never
alerted: subscribers want news, not a feed's back catalogue.

`import_sources` adds a list of sources the way `add_source` adds one, so importing the
same list twice leaves each source once. A source that cannot be fetched now is not
stored (it would have no baseline) and comes back as a failed `SourceImported`; the
others are added all the same.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from alerts.ingest.failures import Failure, failure_of
from alerts.ingest.schedule import next_success_check
from alerts.store.locks import STORIES, take_turn
from alerts.store.models import Post, Source, SourceKind, SourceState, source_title, utcnow
from monitors.locator import SourceRef, parse_source
from monitors.poll import Validators
from rules.source import stored_key

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from monitors.poll import Monitor, PollResult
    from monitors.post import Post as FetchedPost

log = structlog.get_logger(__name__)

DUE_BATCH = 200
CONCURRENT_IMPORTS = 8
"""Sources fetched at once by an import: a list of hundreds should not open hundreds of
connections, nor take one round trip after another."""


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


@dataclass(frozen=True, slots=True)
class SourceImported:
    """One line of an import: what was asked for, and either the outcome or why it failed."""

    text: str
    added: SourceAdded | None
    error: str | None = None


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
    async with sessions.begin() as session:
        existing = await _source_by_key(session, key)
        if existing is not None:
            paused = existing.state is SourceState.PAUSED
            if paused:
                _resume(existing, utcnow())
            return SourceAdded(existing, 0, existed=True, resumed=paused)
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
    try:
        async with sessions.begin() as session:
            source = _new_source(ref, result, utcnow(), poll_interval)
            session.add(source)
            await session.flush()
            # Posts are stored one transaction at a time across processes, their ids in
            # commit order: the story windows of the pollers rely on it.
            await take_turn(session, STORIES)
            baseline = _baseline_rows(source, result)
            session.add_all(baseline)
            await session.flush()
            for row in baseline:
                row.story_id = row.id
    except IntegrityError:
        # Someone added the same source while we were fetching it.
        async with sessions() as session:
            same = await _source_by_key(session, key)
        if same is None:
            raise
        return SourceAdded(same, 0, existed=True)
    return SourceAdded(source, len(result.posts), existed=False)


async def import_sources(
    sessions: async_sessionmaker[AsyncSession],
    monitor: Monitor,
    texts: Sequence[str],
    *,
    poll_interval: float,
) -> list[SourceImported]:
    """Add each source of ``texts``; one outcome per text, in the same order."""
    slots = asyncio.Semaphore(CONCURRENT_IMPORTS)

    async def one(text: str) -> SourceImported:
        async with slots:
            try:
                added = await add_source(sessions, monitor, text, poll_interval=poll_interval)
            except SourceRejected as exc:
                return SourceImported(text, None, str(exc))
        return SourceImported(text, added)

    # One text per source: the same source listed twice, however spelled, must not race
    # itself. Each text still gets its own line with the outcome of its source.
    first = {_identity(text): text for text in reversed(texts)}
    done = await asyncio.gather(*(one(text) for text in first.values()))
    outcomes = dict(zip(first, done, strict=True))
    return [replace(outcomes[_identity(text)], text=text) for text in texts]


def _identity(text: str) -> str:
    try:
        return source_key_of(parse_source(text))
    except ValueError:
        return text


async def _source_by_key(session: AsyncSession, key: str) -> Source | None:
    # The oldest, should rows from before keys existed share one.
    return await session.scalar(
        select(Source).where(Source.key == key).order_by(Source.id).limit(1)
    )


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
