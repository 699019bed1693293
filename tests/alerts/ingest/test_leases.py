"""Several processes on one database: source leases and the one-holder locks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from alerts.ingest.leases import claim_due_sources, host_bucket, lease_for, owner_grace
from alerts.ingest.spread import BUCKETS, HostSpread, owned_buckets
from alerts.store import migrate
from alerts.store.db import create_engine, session_factory
from alerts.store.locks import DatabaseInUse, Singleton, lock_sqlite_database
from alerts.store.models import Source, SourceKind, SourceState, utcnow
from tests.postgres import create_database

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from alerts.ingest.leases import Claim
    from tests.postgres import PostgresServer

LEASE = timedelta(seconds=30)


@pytest.fixture
async def postgres(postgres_server: PostgresServer) -> AsyncIterator[AsyncEngine]:
    """Row and advisory locks are PostgreSQL's: SQLite has one process (`alerts.store.locks`)."""
    engine = create_engine(create_database(postgres_server))
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


async def _sources(
    sessions: async_sessionmaker[AsyncSession],
    count: int,
    *,
    hosts: int = 1,
    due: timedelta = timedelta(seconds=5),
) -> None:
    past = utcnow() - due
    async with sessions.begin() as session:
        session.add_all(
            Source(
                kind=SourceKind.FEED,
                locator=f"https://news{number % hosts}.example/{number}.xml",
                state=SourceState.ACTIVE,
                next_check_at=past,
            )
            for number in range(count)
        )


async def test_a_claimed_source_is_not_due_again_until_its_lease_lapses(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _sources(sessions, 3)
    now = utcnow()
    async with sessions.begin() as session:
        first = await claim_due_sources(session, now, LEASE)
    async with sessions.begin() as session:
        second = await claim_due_sources(session, now + timedelta(seconds=1), LEASE)
    async with sessions.begin() as session:
        lapsed = await claim_due_sources(session, now + LEASE + timedelta(seconds=1), LEASE)
    assert len(first) == 3
    assert second == []
    assert sorted(c.source.id for c in lapsed) == sorted(c.source.id for c in first)


async def test_concurrent_claims_skip_the_rows_another_is_claiming(postgres: AsyncEngine) -> None:
    sessions = session_factory(postgres)
    await _sources(sessions, 40)
    now = utcnow()
    # The first claim's transaction stays open: its rows are locked, not yet updated for
    # the others, and the second claim must skip them rather than wait or take them.
    async with sessions.begin() as holding:
        first = await claim_due_sources(holding, now, LEASE)
        async with sessions.begin() as other:
            second = await asyncio.wait_for(claim_due_sources(other, now, LEASE), 5)
    assert len(first) == 40
    assert second == []


def test_the_lease_covers_a_slow_fetch_and_two_intervals() -> None:
    assert lease_for(1) == timedelta(seconds=30)
    assert lease_for(60) == timedelta(seconds=120)


async def test_one_holder_at_a_time_and_a_standby_takes_over(postgres: AsyncEngine) -> None:
    engine = postgres
    stop = asyncio.Event()
    holder = Singleton(engine, "sender", "123:token")
    standby = Singleton(engine, "sender", "123:token")
    other_bot = Singleton(engine, "sender", "456:token")
    assert await holder.acquire(stop)
    assert await asyncio.wait_for(other_bot.acquire(stop), 5)
    waiting = asyncio.create_task(standby.acquire(stop))
    await asyncio.sleep(0.5)
    assert not waiting.done()
    await holder.release()
    assert await asyncio.wait_for(waiting, 10)
    await standby.release()
    await other_bot.release()


async def test_a_standby_gives_up_waiting_when_stopped(postgres: AsyncEngine) -> None:
    engine = postgres
    holder = Singleton(engine, "updates", "123:token")
    assert await holder.acquire(asyncio.Event())
    stop = asyncio.Event()
    waiting = asyncio.create_task(Singleton(engine, "updates", "123:token").acquire(stop))
    await asyncio.sleep(0.2)
    stop.set()
    assert await asyncio.wait_for(waiting, 2) is False
    await holder.release()


def test_a_sqlite_database_has_one_process(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}"
    held = lock_sqlite_database(url)
    assert held is not None
    try:
        with pytest.raises(DatabaseInUse, match="SQLite serves one process"):
            lock_sqlite_database(url)
    finally:
        held.close()
    lock_sqlite_database(url).close()  # type: ignore[union-attr]


async def test_a_claim_takes_at_most_its_limit_and_leaves_the_rest_to_the_others(
    postgres: AsyncEngine,
) -> None:
    sessions = session_factory(postgres)
    await _sources(sessions, 40)
    now = utcnow()
    async with sessions.begin() as session:
        first = await claim_due_sources(session, now, LEASE, limit=15)
    async with sessions.begin() as session:
        second = await claim_due_sources(session, now, LEASE, limit=100)
    assert len(first) == 15
    assert len(second) == 25
    assert not {c.source.id for c in first} & {c.source.id for c in second}


def _host(claim: Claim) -> str:
    return claim.source.locator.split("/")[2]


async def test_a_claim_returns_when_each_source_fell_due(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _sources(sessions, 2, due=timedelta(seconds=7))
    now = utcnow()
    async with sessions.begin() as session:
        claimed = await claim_due_sources(session, now, LEASE)
    for claim in claimed:
        assert now - timedelta(seconds=8) < claim.due_at < now - timedelta(seconds=6)
        assert claim.source.next_check_at == now + LEASE


async def test_each_host_is_claimed_by_its_owner_until_its_sources_are_overdue(
    postgres: AsyncEngine,
) -> None:
    sessions = session_factory(postgres)
    # Due a second ago: within the owners' grace.
    await _sources(sessions, 60, hosts=20, due=timedelta(seconds=1))
    first, second = HostSpread(postgres, refresh=0), HostSpread(postgres, refresh=0)
    try:
        # Both joined first: each then reads the other as live.
        await first.buckets()
        await second.buckets()
        ours, theirs = await first.buckets(), await second.buckets()
        assert ours is not None
        assert theirs is not None
        now = utcnow()
        grace = owner_grace(60)
        async with sessions.begin() as session:
            mine = await claim_due_sources(session, now, LEASE, buckets=ours, grace=grace)
        async with sessions.begin() as session:
            left = await claim_due_sources(session, now, LEASE, buckets=ours, grace=grace)
        async with sessions.begin() as session:
            others = await claim_due_sources(session, now, LEASE, buckets=theirs, grace=grace)
    finally:
        await first.aclose()
        await second.aclose()
    # The two pollers hold disjoint hosts; each host's three sources go to one of them.
    assert mine
    assert others
    assert left == []
    assert len(mine) + len(others) == 60
    assert not {_host(claim) for claim in mine} & {_host(claim) for claim in others}


async def test_a_source_its_owner_left_overdue_is_anyones(postgres: AsyncEngine) -> None:
    sessions = session_factory(postgres)
    await _sources(sessions, 30, hosts=10, due=timedelta(seconds=1))
    now = utcnow()
    grace = timedelta(seconds=5)
    async with sessions.begin() as session:
        # Owning no host at all, as a poller whose hosts are all another's.
        early = await claim_due_sources(session, now, LEASE, buckets=[], grace=grace)
    async with sessions.begin() as session:
        late = await claim_due_sources(
            session, now + timedelta(seconds=5), LEASE, buckets=[], grace=grace
        )
    assert early == []
    assert len(late) == 30


async def test_a_departed_pollers_hosts_go_to_the_others(postgres: AsyncEngine) -> None:
    first, second, third = (HostSpread(postgres, refresh=0) for _ in range(3))
    try:
        for spread in (first, second, third):
            await spread.buckets()
        shares = [await spread.buckets() for spread in (first, second, third)]
        assert all(share is not None and len(share) > BUCKETS // 6 for share in shares)
        assert sorted(b for share in shares for b in share or ()) == list(range(BUCKETS))
        kept = set(await first.buckets() or ())
        # Its lock's connection closes, as a killed process's does.
        await second.aclose()
        after = [await spread.buckets() for spread in (first, third)]
    finally:
        for spread in (first, second, third):
            await spread.aclose()
    assert sorted(b for share in after for b in share or ()) == list(range(BUCKETS))
    # Rendezvous: a poller that stays keeps every host it had.
    assert kept <= set(after[0] or ())


def test_buckets_are_spread_evenly_over_live_pollers() -> None:
    live = frozenset({0, 1, 2})
    sizes = [len(owned_buckets(slot, live)) for slot in sorted(live)]
    assert sum(sizes) == BUCKETS
    assert min(sizes) > BUCKETS / 3 * 0.85


async def test_without_postgresql_there_is_no_preference(tmp_path: Path) -> None:
    # SQLite serves one process: it takes every due source.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}")
    try:
        assert await HostSpread(engine, refresh=0).buckets() is None
    finally:
        await engine.dispose()


async def test_when_everything_is_overdue_a_claim_takes_its_own_hosts_first(
    postgres: AsyncEngine,
) -> None:
    sessions = session_factory(postgres)
    # Overdue for all, as after a start: any poller may take any of them.
    await _sources(sessions, 60, hosts=20, due=timedelta(minutes=5))
    first, second = HostSpread(postgres, refresh=0), HostSpread(postgres, refresh=0)
    try:
        await first.buckets()
        await second.buckets()
        ours = await first.buckets()
        assert ours is not None
        async with sessions() as session:
            own = set(await session.scalars(select(Source.id).where(host_bucket().in_(ours))))
        async with sessions.begin() as session:
            firsts = await claim_due_sources(session, utcnow(), LEASE, buckets=ours, limit=len(own))
    finally:
        await first.aclose()
        await second.aclose()
    assert 0 < len(own) < 60
    assert {claim.source.id for claim in firsts} == own
