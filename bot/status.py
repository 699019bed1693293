"""``/healthz`` and ``/metrics`` on ``LOOKOUT_HTTP_PORT``: what an orchestrator and
Prometheus ask a running process.

``GET /healthz`` answers JSON: ``{"status", "database", "last_tick_age", "sender_lag",
"problems"}``, with 200 when healthy and 503 when not. Unhealthy means any of: the
database does not answer ``SELECT 1`` within `DATABASE_TIMEOUT`; this process polls
and its poll loop has not finished a tick for `TICK_STALE` seconds (counted from start
before the first); this process sends and the oldest alert due to an active chat has
waited `SENDER_LAG_LIMIT` seconds (a digest holds alerts up to 10 minutes, so the limit
is above that). Ages are seconds, ``null`` when there is nothing to measure.

``GET /metrics`` is Prometheus's text format (`alerts.metrics`), the outbox gauges read
from the database at each scrape.

Other parts add their routes when the server is built: in webhook mode, the bot's
webhook path (`bot.webhook`).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from alerts.outbox.queue import Backlog, backlog
from alerts.store.models import utcnow

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.metrics import Metrics

log = structlog.get_logger(__name__)

DATABASE_TIMEOUT = 5.0
TICK_STALE = 120.0
SENDER_LAG_LIMIT = 900.0


@dataclass(frozen=True, slots=True)
class StatusConfig:
    host: str
    port: int
    polls: bool
    sends: bool


class StatusServer:
    def __init__(
        self,
        config: StatusConfig,
        sessions: async_sessionmaker[AsyncSession],
        metrics: Metrics,
        *,
        routes: Sequence[web.RouteDef] = (),
    ) -> None:
        self._config = config
        self._sessions = sessions
        self._metrics = metrics
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        app.router.add_routes(routes)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._config.host, self._config.port)
        await site.start()
        log.info("status_server_started", host=self._config.host, port=self._config.port)

    async def close(self) -> None:
        await self._runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        found = await self._backlog()
        tick_age = self._metrics.since_tick() if self._config.polls else None
        lag = _lag(found) if self._config.sends else None
        problems = []
        if found is None:
            problems.append("database unreachable")
        if tick_age is not None and tick_age > TICK_STALE:
            problems.append("poll loop stalled")
        if lag is not None and lag > SENDER_LAG_LIMIT:
            problems.append("delivery behind")
        body = {
            "status": "unhealthy" if problems else "ok",
            "database": found is not None,
            "last_tick_age": _rounded(tick_age),
            "sender_lag": _rounded(lag),
            "problems": problems,
        }
        return web.Response(
            text=json.dumps(body),
            status=503 if problems else 200,
            content_type="application/json",
        )

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        found = await self._backlog()
        if found is not None:
            self._metrics.outbox_pending.set(found.pending)
            self._metrics.outbox_oldest.set(_lag(found) or 0.0)
        if self._config.polls:
            self._metrics.since_tick()
        return web.Response(
            body=self._metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _backlog(self) -> Backlog | None:
        """The outbox backlog, or None when the database does not answer in time."""
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT), self._sessions() as session:
                await session.execute(text("SELECT 1"))
                return await backlog(session, utcnow())
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            log.warning("health_database_unreachable", error=str(exc))
            return None


def _lag(found: Backlog | None) -> float | None:
    if found is None or found.oldest_due_at is None:
        return None
    return max(0.0, (utcnow() - found.oldest_due_at).total_seconds())


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)
