"""One poll result into the database: the source's health, new posts, and their alerts.

Everything for one source happens in the caller's transaction, so a post and the
outbox rows it causes are stored together or not at all: a crash between the two
can neither lose an alert nor alert twice.

Order per new post: skip posts already stored (same source and external id) → store
the post → if it is fresh (inside the alert window) match it → one outbox row per
chat that a rule of it hit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select

from alerts.models import OutboxEntry, Post, Source
from alerts.schedule import next_failure_check, next_success_check
from alerts.sources import source_names
from monitors.errors import Throttled

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta

    from sqlalchemy.ext.asyncio import AsyncSession

    from alerts.rulebook import ChatHit, RuleBook
    from monitors.poll import PollResult
    from monitors.post import Post as FetchedPost

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    poll_interval: float
    alert_window: timedelta


@dataclass(frozen=True, slots=True)
class Recorded:
    new_posts: int
    alerts: int


async def record_poll(
    session: AsyncSession,
    source: Source,
    result: PollResult,
    *,
    rulebook: RuleBook,
    config: PipelineConfig,
    now: datetime,
) -> Recorded:
    interval = source.poll_interval or config.poll_interval
    if result.error is not None:
        source.error_count += 1
        source.last_error = str(result.error)
        source.last_error_at = now
        retry_after = result.error.retry_after if isinstance(result.error, Throttled) else None
        source.next_check_at = next_failure_check(now, interval, source.error_count, retry_after)
        log.warning(
            "source_poll_failed",
            source=source.id,
            error=type(result.error).__name__,
            detail=str(result.error),
            failures=source.error_count,
        )
        return Recorded(0, 0)
    source.error_count = 0
    source.last_success_at = now
    source.etag = result.validators.etag
    source.last_modified = result.validators.last_modified
    source.body_hash = result.validators.body_hash
    source.title = source.title or result.title
    source.next_check_at = next_success_check(now, interval, result.next_check_hint)
    if result.not_modified or not result.posts:
        return Recorded(0, 0)
    fresh = await _unseen(session, source, result.posts)
    alerts = 0
    for post in fresh:
        row = _post_row(source, post, now)
        session.add(row)
        await session.flush()
        if _inside_window(row, now, config.alert_window):
            text = post.full_text
            hits = rulebook.match(text, sources=source_names(source), first_seen_at=now)
            session.add_all(_outbox_rows(row, text, hits))
            alerts += len(hits)
    log.info("source_polled", source=source.id, new_posts=len(fresh), alerts=alerts)
    return Recorded(len(fresh), alerts)


async def _unseen(
    session: AsyncSession, source: Source, posts: Sequence[FetchedPost]
) -> list[FetchedPost]:
    ids = {post.external_id for post in posts}
    known = set(
        await session.scalars(
            select(Post.external_id).where(Post.source_id == source.id, Post.external_id.in_(ids))
        )
    )
    unseen: dict[str, FetchedPost] = {}
    for post in posts:
        if post.external_id not in known:
            unseen.setdefault(post.external_id, post)
    # Oldest first, so alerts from one poll arrive in the order they were published.
    # Sources list newest first; undated posts keep that order, reversed.
    ordered = list(unseen.values())[::-1]
    dated = [(post.published_at, post) for post in ordered if post.published_at is not None]
    if len(dated) == len(ordered):
        return [post for _, post in sorted(dated, key=lambda pair: pair[0])]
    return ordered


def _post_row(source: Source, post: FetchedPost, now: datetime) -> Post:
    return Post(
        source_id=source.id,
        external_id=post.external_id,
        url=post.url,
        title=post.title,
        text=post.text,
        published_at=post.published_at,
        first_seen_at=now,
        baseline=False,
    )


def _inside_window(post: Post, now: datetime, window: timedelta) -> bool:
    published = post.published_at or post.first_seen_at
    return now - published <= window


def _outbox_rows(post: Post, text: str, hits: list[ChatHit]) -> list[OutboxEntry]:
    return [
        OutboxEntry(
            chat_id=hit.chat_id,
            post_id=post.id,
            rule_id=hit.rule_id,
            created_at=post.first_seen_at,
            next_attempt_at=post.first_seen_at,
            highlights={
                # The words as the post wrote them, to set in bold when rendering.
                "terms": sorted({text[start:end] for start, end in hit.hit.spans}),
                "regions": list(hit.hit.regions),
                "topics": list(hit.hit.topics),
            },
        )
        for hit in hits
    ]
