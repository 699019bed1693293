"""Source leases: each due source is polled by one process at a time.

A tick claims due sources in one statement: ``UPDATE … WHERE id IN (SELECT … FOR
UPDATE SKIP LOCKED) RETURNING``. Rows another process is claiming at that moment are
skipped, not waited for. The claim moves each source's ``next_check_at`` `LEASE`
ahead (`lease_for`): that is the lease. Recording the poll sets the real next check, which
ends the lease; if the process dies first, the source falls due again when the lease
lapses and another process polls it. No extra column and no sweeper: a lapsed lease is
simply a due source.

A claim takes at most ``limit`` sources, the oldest due first: the poller asks for what it
can start before its next tick (its free places, `alerts.ingest.poller`), so the rest stays
due for the other processes instead of waiting in one process's queue under its lease.

On SQLite ``FOR UPDATE SKIP LOCKED`` is left out (SQLite has no row locks; one process
uses the file, see `alerts.store.locks`), and the same UPDATE still claims the rows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from alerts.sources import DUE_BATCH
from alerts.store.models import Source, SourceState

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

LEASE_FLOOR = timedelta(seconds=30)
"""At least one fetch's whole time budget (`monitors.fetcher`), so a live process's
claim does not lapse in the middle of a slow poll."""


def lease_for(poll_interval: float) -> timedelta:
    """Two intervals, and never under `LEASE_FLOOR`: a dead process's sources wait at most
    about two intervals, while a live one's tick rarely outlasts its lease. If it does (a
    batch of sources timing out one after another), a second process may poll the same
    source: the posts are stored once, so the cost is one extra fetch, not an alert."""
    return max(LEASE_FLOOR, timedelta(seconds=2 * poll_interval))


async def claim_due_sources(
    session: AsyncSession, now: datetime, lease: timedelta, limit: int = DUE_BATCH
) -> list[Source]:
    """At most `limit` sources due at `now` that no other process holds, now leased to this
    one."""
    due = (
        select(Source.id)
        .where(Source.state == SourceState.ACTIVE, Source.next_check_at <= now)
        .order_by(Source.next_check_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.scalars(
        update(Source)
        .where(Source.id.in_(due.scalar_subquery()))
        .values(next_check_at=now + lease)
        .returning(Source),
        execution_options={"populate_existing": True},
    )
    return sorted(claimed, key=lambda source: source.id)
