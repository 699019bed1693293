"""A source's health: how its polls went, when it is checked next, when it is paused.

Contract:
- success: the failure run ends, validators and the channel cursor are kept, the next
  check is the source's interval after it fell due (claimed later than `CATCH_UP` of its
  interval, after that share of it before the poll started), shortened for sources that post
  often (down to a quarter of it, never under `MIN_INTERVAL`) and lengthened by the
  source's own hints (Retry-After, max-age, RSS ttl) within bounds, with jitter;
- failure (an expected `MonitorError`, or any exception the poll loop caught for this
  source): the error is kept, checks back off exponentially up to an hour, and after
  `PAUSE_AFTER` of nothing but failures the source is paused and the admins and the
  chats whose rules name it are told, once (the pause itself is the "once").

Failures are kept as a key with arguments (`alerts.ingest.failures`) beside the English detail;
the pause notice is queued as the kind `source_paused` with the arguments `source_id`,
`name` and `failure` (a `Failure` as JSON), worded when it is sent, in the language the
chat has then. `Source.paused_reason` is the key `PAUSED_FAILING`. Notices written
before migration 0005 are of the kind `NOTICE_TEXT`.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import func, select

from alerts.ingest.failures import failure_of
from alerts.ingest.schedule import next_failure_check, next_success_check
from alerts.outbox.queue import queue_notice
from alerts.sources import display_name
from alerts.store.models import Chat, Post, SourceState, source_title
from monitors.errors import MonitorError, Throttled

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from alerts.store.models import Source
    from monitors.poll import PollResult

log = structlog.get_logger(__name__)

PAUSE_AFTER = timedelta(days=1)
MIN_INTERVAL = 1.0
# A source posting about once an hour is polled at the configured interval.
REFERENCE_POSTS_PER_DAY = 24.0
FASTEST_FACTOR = 0.25
SOURCE_PAUSED = "source_paused"
# Notices queued before they had kinds keep their English sentence: {"text": …}.
NOTICE_TEXT = "text"
PAUSED_FAILING = "failing_for_a_day"
MAX_REASON_CHARS = 400
CATCH_UP = 0.1
"""A source claimed within this share of its interval after falling due keeps its cadence;
with the jitter, two polls of a source are then at least 80% of its interval apart."""


def adaptive_interval(base: float, posts_per_day: float) -> float:
    """Busy sources are polled more often: a missed minute matters more there."""
    if posts_per_day <= REFERENCE_POSTS_PER_DAY:
        return base
    factor = max(FASTEST_FACTOR, math.sqrt(REFERENCE_POSTS_PER_DAY / posts_per_day))
    return max(MIN_INTERVAL, base * factor)


async def record_success(
    session: AsyncSession,
    source: Source,
    result: PollResult,
    base_interval: float,
    now: datetime,
    *,
    polled_at: datetime | None = None,
    due_at: datetime | None = None,
) -> None:
    """``due_at``, when the source fell due, is where the next interval counts from: counted
    from `now`, after the claim, the fetch and the wait to record, or even from
    ``polled_at``, when the poll started, every poll would come a little later than one
    interval after the last (3 pollers at 10,000 sources polled 97% of them per interval).
    A source claimed later than that counts from `CATCH_UP` of its interval before its
    poll: after a backlog (a start, a stop) it catches up by at most that much per poll,
    instead of being polled again soon after."""
    source.error_count = 0
    source.failing_since = None
    source.last_success_at = now
    source.etag = result.validators.etag
    source.last_modified = result.validators.last_modified
    source.body_hash = result.validators.body_hash
    source.cursor = result.validators.cursor
    source.title = source.title or source_title(result.title)
    if not result.not_modified:
        source.posts_per_day = await _posts_per_day(session, source.id, now)
    interval = adaptive_interval(source.poll_interval or base_interval, source.posts_per_day)
    counted_from = polled_at or now
    if due_at is not None:
        counted_from = max(due_at, counted_from - timedelta(seconds=interval * CATCH_UP))
    source.next_check_at = next_success_check(counted_from, interval, result.next_check_hint)
    if result.truncated:
        log.warning("source_gap", source=source.id, detail="paging back stopped at its bound")


def failure_reason(error: Exception) -> str:
    """What an admin reads about a failure; a bug's own message stays in the log."""
    if isinstance(error, MonitorError):
        return str(error)[:MAX_REASON_CHARS]
    return f"internal error while polling ({type(error).__name__})"


async def record_failure(
    session: AsyncSession,
    source: Source,
    error: Exception,
    base_interval: float,
    now: datetime,
    *,
    admins: Collection[int],
    watchers: Collection[int],
) -> None:
    source.error_count += 1
    source.last_error = failure_reason(error)
    source.last_failure = failure_of(error).as_json()
    source.last_error_at = now
    source.failing_since = source.failing_since or now
    retry_after = error.retry_after if isinstance(error, Throttled) else None
    interval = source.poll_interval or base_interval
    source.next_check_at = next_failure_check(now, interval, source.error_count, retry_after)
    log.warning(
        "source_poll_failed",
        source=source.id,
        error=type(error).__name__,
        detail=str(error),
        failures=source.error_count,
    )
    if now - source.failing_since >= PAUSE_AFTER:
        await _pause(session, source, now, recipients={*admins, *watchers})


async def _pause(
    session: AsyncSession, source: Source, now: datetime, recipients: set[int]
) -> None:
    source.state = SourceState.PAUSED
    source.paused_reason = PAUSED_FAILING
    arguments = {
        "source_id": source.id,
        "name": display_name(source),
        "failure": source.last_failure,
    }
    known = set(await session.scalars(select(Chat.id).where(Chat.id.in_(recipients))))
    for chat_id in sorted(known):
        await queue_notice(session, chat_id, SOURCE_PAUSED, arguments, now)
    log.warning("source_paused", source=source.id, told=len(known))


async def _posts_per_day(session: AsyncSession, source_id: int, now: datetime) -> float:
    published = func.coalesce(Post.published_at, Post.first_seen_at)
    count = await session.scalar(
        select(func.count())
        .select_from(Post)
        .where(Post.source_id == source_id, published >= now - timedelta(days=1))
    )
    return float(count or 0)
