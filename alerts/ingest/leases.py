"""Source leases: each due source is polled by one process at a time.

A tick claims due sources in one transaction: ``SELECT … FOR UPDATE SKIP LOCKED``, then
``UPDATE … RETURNING`` of the rows it locked. Rows another process is claiming at that
moment are skipped, not waited for. The claim moves each source's ``next_check_at`` `LEASE`
ahead (`lease_for`): that is the lease. Recording the poll sets the real next check, which
ends the lease; if the process dies first, the source falls due again when the lease
lapses and another process polls it. No extra column and no sweeper: a lapsed lease is
simply a due source.

A claim takes at most ``limit`` sources, the oldest due first: the poller asks for what it
can start before its next tick (its free places, `alerts.ingest.poller`), so the rest stays
due for the other processes instead of waiting in one process's queue under its lease.

Given ``buckets`` (its hosts, `alerts.ingest.spread`), a claim takes the due sources whose
host falls in them first, and any other source only once it has been due `OWNER_GRACE`:
each host is then polled, and its connection kept, by one process, while a source whose owner
is busy or dead waits at most that long (and a dead owner's hosts get a new owner within
`spread.REFRESH`). Without ``buckets`` any due source is taken.

Each claimed source comes back with when it fell due (`Claim.due_at`, read by the claim):
its next check counts from there, so the wait for a claim does not push every later poll
back (`alerts.ingest.health.record_success`).

On SQLite ``FOR UPDATE SKIP LOCKED`` is left out (SQLite has no row locks; one process
uses the file, see `alerts.store.locks`), and the same statements still claim the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Integer, any_, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from alerts.ingest.spread import BUCKETS
from alerts.sources import DUE_BATCH
from alerts.store.models import Source, SourceState

if TYPE_CHECKING:
    from collections.abc import Sequence

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


OWNER_GRACE = timedelta(seconds=5)
"""How long a due source waits for the process that owns its host: a few of its ticks
(one a second), short against any poll interval worth sharing."""


def owner_grace(poll_interval: float) -> timedelta:
    """`OWNER_GRACE`, and never over a quarter of the interval."""
    return min(OWNER_GRACE, timedelta(seconds=poll_interval / 4))


def host_bucket() -> ColumnElement[int]:
    """A source's host bucket, computed by PostgreSQL: the URL's authority (a channel's
    locator has none: all channels are one host, t.me), hashed into `BUCKETS`."""
    authority = func.split_part(Source.locator, "/", 3)
    return func.hashtext(authority).op("&")(BUCKETS - 1)


@dataclass(frozen=True, slots=True)
class Claim:
    source: Source
    due_at: datetime
    """When the source fell due: its ``next_check_at`` before the claim moved it."""


async def claim_due_sources(
    session: AsyncSession,
    now: datetime,
    lease: timedelta,
    limit: int = DUE_BATCH,
    *,
    buckets: Sequence[int] | None = None,
    grace: timedelta = OWNER_GRACE,
) -> list[Claim]:
    """At most `limit` sources due at `now` that no other process holds, now leased to this
    one; with ``buckets``, other hosts' sources only once due ``grace`` (module docstring)."""
    due_now = Source.next_check_at <= now
    order: list[ColumnElement[Any]] = [Source.next_check_at.asc()]
    if buckets is not None:
        ours = host_bucket() == any_(literal(list(buckets), ARRAY(Integer)))
        due_now = due_now & or_(ours, Source.next_check_at <= now - grace)
        # Its own first: when everything is overdue at once (a start, a pause), each
        # process still works through its own hosts before it opens connections to others'.
        order.insert(0, ours.desc())
    due: dict[int, datetime] = dict(
        (
            await session.execute(
                select(Source.id, Source.next_check_at)
                .where(Source.state == SourceState.ACTIVE, due_now)
                .order_by(*order)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    if not due:
        return []
    # The rows stay locked until the caller's transaction ends: no other claim takes them.
    claimed = await session.scalars(
        update(Source)
        .where(Source.id.in_(due))
        .values(next_check_at=now + lease)
        .returning(Source),
        execution_options={"populate_existing": True},
    )
    return sorted(
        (Claim(source, due[source.id]) for source in claimed), key=lambda claim: claim.source.id
    )
