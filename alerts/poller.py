"""The poll loop: one tick picks the sources that are due, polls them, records results.

A tick is the whole straight line: sync rules → claim due sources (`alerts.leases`:
several processes may share the database) → fetch and parse them
concurrently (bounded) → record each result in its own transaction → wake delivery.
One failing source never stops the others; its failure is recorded on it.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import structlog

from alerts.failures import Failure
from alerts.leases import claim_due_sources, lease_for
from alerts.models import utcnow
from alerts.pipeline import PipelineConfig, record_poll
from alerts.schedule import next_failure_check
from alerts.sources import source_ref
from alerts.storybook import StoryBook
from monitors.poll import Validators, poll

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.metrics import Metrics
    from alerts.models import Source
    from alerts.rulebook import RuleBook
    from monitors.fetcher import Fetcher
    from monitors.poll import PollResult

log = structlog.get_logger(__name__)

CONCURRENT_POLLS = 20


class Poller:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        fetcher: Fetcher,
        rulebook: RuleBook,
        config: PipelineConfig,
        *,
        telegram_web_url: str,
        on_alerts: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
    ) -> None:
        self._sessions = sessions
        self._fetcher = fetcher
        self._rulebook = rulebook
        self._config = config
        self._telegram_web_url = telegram_web_url
        self._on_alerts = on_alerts
        self._metrics = metrics
        self._slots = asyncio.Semaphore(CONCURRENT_POLLS)
        self._storybook = StoryBook()
        self._stories_current = False

    async def tick(self) -> int:
        """Poll every due source once; returns how many alerts were queued."""
        async with self._sessions() as session:
            await self._rulebook.sync(session)
            if not self._stories_current:
                await self._storybook.rebuild(session, utcnow())
                self._stories_current = True
        async with self._sessions.begin() as session:
            due = await claim_due_sources(session, utcnow(), lease_for(self._config.poll_interval))
        if not due:
            return 0
        results = await asyncio.gather(*(self._poll(source) for source in due))
        alerts = 0
        for source, result in zip(due, results, strict=True):
            try:
                alerts += await self._record(source, result)
            except Exception:
                # A bug met by one source's posts must not stop every other source;
                # its transaction rolled back, so the same posts are tried next time.
                log.exception("source_record_failed", source=source.id)
                # The story window may hold posts the rollback removed.
                self._stories_current = False
                await self._postpone(source)

        if alerts:
            self._on_alerts()
        return alerts

    async def _record(self, source: Source, result: PollResult) -> int:
        async with self._sessions.begin() as session:
            merged = await session.merge(source)
            recorded = await record_poll(
                session,
                merged,
                result,
                rulebook=self._rulebook,
                storybook=self._storybook,
                config=self._config,
                now=utcnow(),
            )
        if self._metrics is not None:
            self._metrics.recorded(recorded.new_posts, recorded.alerts)
        return recorded.alerts

    async def _postpone(self, source: Source) -> None:
        """Back the source off as after a failed poll, so a bug is not retried every tick."""
        now = utcnow()
        interval = source.poll_interval or self._config.poll_interval
        async with self._sessions.begin() as session:
            merged = await session.merge(source)
            merged.error_count += 1
            merged.last_error = "internal error while recording posts"
            merged.last_failure = Failure("internal").as_json()
            merged.last_error_at = now
            merged.next_check_at = next_failure_check(now, interval, merged.error_count)

    async def _poll(self, source: Source) -> PollResult:
        validators = Validators(
            source.etag, source.last_modified, source.body_hash, cursor=source.cursor
        )
        async with self._slots:
            started = time.perf_counter()
            result = await poll(
                self._fetcher,
                source_ref(source),
                validators,
                telegram_web_url=self._telegram_web_url,
            )
        if self._metrics is not None:
            self._metrics.polled(result, time.perf_counter() - started)
        return result
