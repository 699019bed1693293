"""The poll loop: one tick picks the sources that are due, polls them, records results.

A tick is the whole straight line: sync rules → claim due sources (`alerts.ingest.leases`:
several processes may share the database) → fetch and parse them concurrently (the
fetcher bounds them, per host and in all) → record each result in its own transaction
→ wake delivery. A tick claims at most its free places (`places` less the polls still in
flight): a process that is behind leaves the due sources to the others instead of holding
them under its lease. Given a `HostSpread`, it claims its own hosts' sources first, so the
processes keep disjoint sets of connections (`alerts.ingest.spread`).

Recording is one result at a time (SQLite has one writer, the story window one owner).
A poll that found nothing to store (a 304, the same body, only items seen before) only
moves its source's next check and keeps its validators. Such quiet results are written
together: every one waiting when the turn comes, in one transaction, without reading its
source again, so a busy poller spends one commit on many of them. If that transaction
fails (a source deleted meanwhile), each is recorded alone.

Each source's poll and record is one task: a slow source is still in flight when the next
tick comes, is skipped by it, and delays nobody else. The story window is rebuilt before
the first result is recorded (and after a failed recording), holding the recording turn:
polls fetch and parse meanwhile.

Containment: one source's exception, of any type, never leaves its own poll. An
expected failure comes back from `monitors.poll` as a value; anything else raised
while polling it or recording its result (a bug met by its posts, a database
refusal) is caught here. Both go through the one failure path,
`alerts.ingest.health.record_failure`: the source backs off, is paused after a day of
failures and the admins are told once; the tick goes on with the other sources.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import structlog

from alerts.ingest.health import record_failure, record_success
from alerts.ingest.leases import claim_due_sources, lease_for, owner_grace
from alerts.ingest.pipeline import PipelineConfig, record_poll
from alerts.ingest.storybook import StoryBook
from alerts.sources import DUE_BATCH, source_ref
from alerts.store.models import utcnow
from monitors.poll import Validators

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.ingest.leases import Claim
    from alerts.ingest.rulebook import RuleBook
    from alerts.ingest.spread import HostSpread
    from alerts.metrics import Metrics
    from alerts.store.models import Source
    from monitors.poll import Monitor, PollResult

log = structlog.get_logger(__name__)

# Longer than any poll may take (the fetcher's 30 s deadline, times paging back).
TICK_WAIT = 300.0


class Poller:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        monitor: Monitor,
        rulebook: RuleBook,
        config: PipelineConfig,
        *,
        on_alerts: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
        tick_wait: float = TICK_WAIT,
        places: int = DUE_BATCH,
        spread: HostSpread | None = None,
        storybook: StoryBook | None = None,
    ) -> None:
        self._sessions = sessions
        self._monitor = monitor
        self._rulebook = rulebook
        self._config = config
        self._on_alerts = on_alerts
        self._metrics = metrics
        self._storybook = storybook if storybook is not None else StoryBook()
        self._stories_current = False
        self._tick_wait = tick_wait
        self._in_flight: dict[int, asyncio.Task[int]] = {}
        self._recording = asyncio.Lock()
        self._places = places
        self._quiet: list[tuple[Claim, PollResult, datetime]] = []
        self._spread = spread

    async def tick(self) -> int:
        """Start a poll of every due source not already being polled.

        Waits up to ``tick_wait`` seconds for them and returns how many alerts those
        finished so far queued; a slower poll (a server dribbling its answer) goes on
        in the background and records its result when it ends, so it never holds up
        the next tick, nor the other sources' alerts.
        """
        async with self._sessions() as session:
            await self._rulebook.sync(session)
        free = self._places - len(self._in_flight)
        if free <= 0:
            return 0
        buckets = await self._spread.buckets() if self._spread is not None else None
        interval = self._config.poll_interval
        async with self._sessions.begin() as session:
            due = await claim_due_sources(
                session,
                utcnow(),
                lease_for(interval),
                free,
                buckets=buckets,
                grace=owner_grace(interval),
            )
        started = [self._start(claim) for claim in due if claim.source.id not in self._in_flight]
        if not started:
            return 0
        done, _slow = await asyncio.wait(started, timeout=self._tick_wait)
        return sum(task.result() for task in done if not task.cancelled())

    async def aclose(self) -> None:
        """Stop the polls still running; their sources are simply polled again later."""
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._spread is not None:
            await self._spread.aclose()

    def _start(self, claim: Claim) -> asyncio.Task[int]:
        source_id = claim.source.id
        task = asyncio.create_task(self._poll_and_record(claim), name=f"poll-{source_id}")
        self._in_flight[source_id] = task
        task.add_done_callback(lambda _task: self._in_flight.pop(source_id, None))
        return task

    async def _poll_and_record(self, claim: Claim) -> int:
        source = claim.source
        polled_at = utcnow()
        result = await self._poll(source)
        if not isinstance(result, Exception) and _quiet(result):
            await self._record_quiet(claim, result, polled_at)
            return 0
        async with self._recording:
            if isinstance(result, Exception):
                await self._fail(source, result)
                return 0
            try:
                await self._current_stories()
                alerts = await self._record(claim, result, polled_at)
            except Exception as exc:
                # Its transaction rolled back, so the same posts are tried next time.
                log.exception("source_record_failed", source=source.id)
                # The story window may hold posts the rollback removed.
                self._stories_current = False
                await self._fail(source, exc)
                return 0
        if alerts:
            self._on_alerts()
        return alerts

    async def _record_quiet(self, claim: Claim, result: PollResult, polled_at: datetime) -> None:
        """Returns once this result is written: by this call, or by an earlier one that
        took the turn after it was added (the turn is first come, first served)."""
        self._quiet.append((claim, result, polled_at))
        async with self._recording:
            batch, self._quiet = self._quiet, []
            if not batch:
                return
            try:
                # Not needed for these, but built at the first recording of any kind, the
                # window is ready when the first new post comes, as it would be then.
                await self._current_stories()
                async with self._sessions.begin() as session:
                    now = utcnow()
                    for quiet_claim, quiet_result, quiet_at in batch:
                        # Not read again: only the columns a success changes are written.
                        merged = await session.merge(quiet_claim.source, load=False)
                        await record_success(
                            session,
                            merged,
                            quiet_result,
                            self._config.poll_interval,
                            now,
                            polled_at=quiet_at,
                            due_at=quiet_claim.due_at,
                        )
            except Exception:
                log.warning("quiet_batch_failed", sources=len(batch), exc_info=True)
                for quiet_claim, quiet_result, quiet_at in batch:
                    await self._record_alone(quiet_claim, quiet_result, quiet_at)
                return
        if self._metrics is not None:
            for _ in batch:
                self._metrics.recorded(0, 0)

    async def _record_alone(self, claim: Claim, result: PollResult, polled_at: datetime) -> None:
        try:
            await self._record(claim, result, polled_at)
        except Exception as exc:
            log.exception("source_record_failed", source=claim.source.id)
            await self._fail(claim.source, exc)

    async def _current_stories(self) -> None:
        """Rebuild the story window if it may be out of step with the database.

        Called holding the recording turn, so only recordings wait for a rebuild (seconds
        per ten thousand posts of the window): the polls of the first tick fetch and parse
        meanwhile instead of starting after it.
        """
        if self._stories_current:
            return
        async with self._sessions() as session:
            await self._storybook.rebuild(session, utcnow())
        self._stories_current = True

    async def _record(self, claim: Claim, result: PollResult, polled_at: datetime) -> int:
        async with self._sessions.begin() as session:
            merged = await session.merge(claim.source)
            recorded = await record_poll(
                session,
                merged,
                result,
                rulebook=self._rulebook,
                storybook=self._storybook,
                config=self._config,
                now=utcnow(),
                polled_at=polled_at,
                due_at=claim.due_at,
            )
        if self._metrics is not None:
            self._metrics.recorded(recorded.new_posts, recorded.alerts)
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
                    watchers=self._rulebook.chats_naming((merged.key,)),
                )
        except Exception:
            # The database itself is failing: the source stays due and is tried next tick.
            log.exception("source_failure_unrecorded", source=source.id)

    async def _poll(self, source: Source) -> PollResult | Exception:
        validators = Validators(
            source.etag, source.last_modified, source.body_hash, cursor=source.cursor
        )
        started = time.perf_counter()
        try:
            result = await self._monitor.poll(source_ref(source), validators)
        except Exception as exc:
            # A bug met by this source alone: the other polls of the tick go on.
            log.exception("source_poll_crashed", source=source.id)
            return exc
        if self._metrics is not None:
            self._metrics.polled(result, time.perf_counter() - started)
        return result


def _quiet(result: PollResult) -> bool:
    return result.error is None and not result.posts and not result.edits
