"""The poll loop: one tick picks the sources that are due, polls them, records results.

A tick is the whole straight line: sync rules → due sources → fetch and parse them
concurrently (bounded) → record each result in its own transaction → wake delivery.

Containment: one source's exception, of any type, never leaves its own poll. An
expected failure comes back from `monitors.poll` as a value; anything else raised
while polling it or recording its result (a bug met by its posts, a database
refusal) is caught here. Both go through the one failure path,
`alerts.health.record_failure`: the source backs off, is paused after a day of
failures and the admins are told once; the tick goes on with the other sources.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

from alerts.health import record_failure
from alerts.models import utcnow
from alerts.pipeline import PipelineConfig, record_poll
from alerts.sources import due_sources, source_names, source_ref
from alerts.storybook import StoryBook
from monitors.poll import Validators, poll

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
    ) -> None:
        self._sessions = sessions
        self._fetcher = fetcher
        self._rulebook = rulebook
        self._config = config
        self._telegram_web_url = telegram_web_url
        self._on_alerts = on_alerts
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
            due = await due_sources(session, utcnow())
        if not due:
            return 0
        results = await asyncio.gather(*(self._poll(source) for source in due))
        alerts = 0
        for source, result in zip(due, results, strict=True):
            if isinstance(result, Exception):
                await self._fail(source, result)
                continue
            try:
                alerts += await self._record(source, result)
            except Exception as exc:
                # Its transaction rolled back, so the same posts are tried next time.
                log.exception("source_record_failed", source=source.id)
                # The story window may hold posts the rollback removed.
                self._stories_current = False
                await self._fail(source, exc)

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
        return recorded.alerts

    async def _fail(self, source: Source, error: Exception) -> None:
        """The one failure path for what raised: as a failed poll, so it backs off."""
        try:
            async with self._sessions.begin() as session:
                merged = await session.merge(source)
                await record_failure(
                    session,
                    merged,
                    error,
                    self._config.poll_interval,
                    utcnow(),
                    admins=self._config.admins,
                    watchers=self._rulebook.chats_naming(source_names(merged)),
                )
        except Exception:
            # The database itself is failing: the source stays due and is tried next tick.
            log.exception("source_failure_unrecorded", source=source.id)

    async def _poll(self, source: Source) -> PollResult | Exception:
        validators = Validators(
            source.etag, source.last_modified, source.body_hash, cursor=source.cursor
        )
        async with self._slots:
            try:
                return await poll(
                    self._fetcher,
                    source_ref(source),
                    validators,
                    telegram_web_url=self._telegram_web_url,
                )
            except Exception as exc:
                # A bug met by this source alone: the other polls of the tick go on.
                log.exception("source_poll_crashed", source=source.id)
                return exc
