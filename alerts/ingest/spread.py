"""`HostSpread`: the hosts a poller prefers, spread over the live pollers.

Why: a poller keeps one connection per host it polls (`monitors.pools`, ~45 KB each over
TLS). If any poller took any host's sources, each of N pollers would keep a connection
to every host. So every host belongs to one live poller, and that poller's claims take
its hosts' sources first (`alerts.ingest.leases`); a source its owner has not claimed
within `leases.OWNER_GRACE` of falling due is anyone's, so a busy or dead owner delays
nothing for long.

Contract:

- A poller on PostgreSQL joins by holding one session-level advisory lock
  ``(SPREAD_CLASS, slot)`` on a connection of its own, the lowest free slot below
  `MAX_SLOTS`. The live pollers are the slots held (``pg_locks`` of this database);
  the server frees a slot the moment its holder's connection closes, a killed process's
  included, so the others see it gone at their next refresh (`REFRESH` seconds).
- Hosts are grouped in `BUCKETS` buckets by a hash the database computes
  (`leases.host_bucket`); each bucket belongs to the live slot ranked first for it by
  rendezvous hashing, so when a poller joins or leaves only the buckets it gains or
  held move: the other pollers keep their hosts, and their connections.
- `buckets` is None when there is no preference: SQLite (one process), no free slot,
  or the lock's connection failed (it is taken again at the next refresh). The claim
  then takes any due source, as every poller may.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger(__name__)

SPREAD_CLASS = 0x4C6B5350
"""The first key of the slot locks ("LkSP"): below 2**31, so pg_locks shows it unsigned
as it was given."""
MAX_SLOTS = 256
BUCKETS = 1024
"""Host buckets: enough that each of a few pollers gets an even share of hosts."""
REFRESH = 5.0
"""Seconds between reads of the live slots: how long a dead poller's hosts wait for a new
owner (its overdue sources are anyone's meanwhile)."""

_LIVE_SLOTS = text(
    "SELECT objid::int FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = :class AND objsubid = 2"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def owned_buckets(slot: int, live: frozenset[int]) -> tuple[int, ...]:
    """The buckets whose highest-ranked live slot is ``slot`` (rendezvous hashing)."""

    def rank(bucket: int, candidate: int) -> bytes:
        return hashlib.blake2b(f"{bucket}:{candidate}".encode(), digest_size=8).digest()

    return tuple(
        bucket
        for bucket in range(BUCKETS)
        if max(live, key=lambda candidate: rank(bucket, candidate)) == slot
    )


class HostSpread:
    def __init__(self, engine: AsyncEngine, *, refresh: float = REFRESH) -> None:
        self._engine = engine
        self._refresh = refresh
        self._connection: AsyncConnection | None = None
        self._slot: int | None = None
        self._live: frozenset[int] = frozenset()
        self._buckets: tuple[int, ...] | None = None
        self._read_at = -refresh

    @property
    def slot(self) -> int | None:
        return self._slot

    async def buckets(self) -> tuple[int, ...] | None:
        """This poller's host buckets now, or None for no preference (module docstring)."""
        if self._engine.dialect.name != "postgresql":
            return None
        now = time.monotonic()
        if now - self._read_at >= self._refresh:
            self._read_at = now
            try:
                await self._read()
            except Exception:
                # The others stop counting this poller once its lock's connection is gone.
                log.warning("poller_spread_lost", slot=self._slot, exc_info=True)
                await self.aclose()
        return self._buckets

    async def _read(self) -> None:
        if self._connection is None:
            await self._join()
        connection, slot = self._connection, self._slot
        if connection is None or slot is None:
            return
        live = frozenset(await connection.scalars(_LIVE_SLOTS, {"class": SPREAD_CLASS}))
        if live != self._live and slot in live:
            self._live = live
            self._buckets = owned_buckets(slot, live)
            log.info(
                "poller_spread_changed",
                slot=self._slot,
                pollers=len(live),
                buckets=len(self._buckets),
            )

    async def _join(self) -> None:
        connection = await self._engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for slot in range(MAX_SLOTS):
                held = await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:class, :slot)"),
                    {"class": SPREAD_CLASS, "slot": slot},
                )
                if held:
                    self._connection, self._slot = connection, slot
                    return
        except BaseException:
            await connection.close()
            raise
        await connection.close()
        log.warning("poller_spread_full", slots=MAX_SLOTS)

    async def aclose(self) -> None:
        connection, slot = self._connection, self._slot
        self._connection, self._slot, self._live, self._buckets = None, None, frozenset(), None
        if connection is None:
            return
        # Closing only returns the connection to the engine's pool, lock and all.
        with contextlib.suppress(Exception):
            await connection.execute(
                text("SELECT pg_advisory_unlock(:class, :slot)"),
                {"class": SPREAD_CLASS, "slot": slot},
            )
        with contextlib.suppress(Exception):
            await connection.close()
