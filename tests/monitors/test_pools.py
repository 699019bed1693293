"""Connections kept per host between polls (`monitors.pools`), against real loopback
servers: one kept across a gap, closed after its expiry, the oldest hosts shed past the
bound."""

from __future__ import annotations

import asyncio
import resource
from typing import TYPE_CHECKING

from monitors.fetcher import Fetcher, Validators
from monitors.guard import GuardedBackend, GuardedTransport
from monitors.pools import HostPools, idle_host_bound
from tests.fakes.web import FakeWeb

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

FEED = "<rss version='2.0'><channel><title>t</title></channel></rss>"


def fetcher(*, keepalive_expiry: float, max_hosts: int = 100) -> Fetcher:
    transport = GuardedTransport(
        GuardedBackend(allow_private_networks=True),
        per_host=4,
        keepalive_expiry=keepalive_expiry,
        max_hosts=max_hosts,
    )
    return Fetcher(allow_private_networks=True, transport=transport)


def pools_of(client: Fetcher) -> HostPools:
    pools = client._transport._pool  # type: ignore[attr-defined]  # the test looks inside
    assert isinstance(pools, HostPools)
    return pools


def servers(count: int) -> AbstractAsyncContextManager[list[FakeWeb]]:
    """``count`` servers, each on its own loopback address: each is another host."""

    class Servers:
        async def __aenter__(self) -> list[FakeWeb]:
            self.webs = [await FakeWeb.start(f"127.0.0.{n + 1}") for n in range(count)]
            for web in self.webs:
                web.serve("/feed", FEED)
            return self.webs

        async def __aexit__(self, *exc: object) -> None:
            for web in self.webs:
                await web.close()

    return Servers()


async def poll_twice(client: Fetcher, web: FakeWeb, gap: float) -> list[int]:
    """The connections (client ports) two polls of one feed ``gap`` seconds apart came on."""
    validators = (await client.fetch(web.url("/feed"), Validators())).validators
    await asyncio.sleep(gap)
    await client.fetch(web.url("/feed"), validators)
    return [seen.connection for seen in web.requests[-2:]]


async def test_a_host_keeps_its_connection_between_polls() -> None:
    async with servers(1) as (web,), fetcher(keepalive_expiry=2.0) as client:
        first, second = await poll_twice(client, web, gap=0.5)
    assert first == second


async def test_a_connection_idle_past_its_expiry_is_replaced() -> None:
    async with servers(1) as (web,), fetcher(keepalive_expiry=0.2) as client:
        first, second = await poll_twice(client, web, gap=0.5)
    assert first != second


async def test_hosts_idle_past_the_expiry_are_let_go() -> None:
    async with servers(2) as (old, new), fetcher(keepalive_expiry=0.2) as client:
        await client.fetch(old.url("/feed"), Validators())
        await asyncio.sleep(0.4)
        await client.fetch(new.url("/feed"), Validators())
        assert len(pools_of(client)) == 1


async def test_past_the_bound_a_new_host_is_not_kept_and_the_kept_ones_stay() -> None:
    async with servers(3) as webs, fetcher(keepalive_expiry=60.0, max_hosts=2) as client:
        for web in webs:
            await client.fetch(web.url("/feed"), Validators())
        assert len(pools_of(client)) == 2
        for web in webs:
            await client.fetch(web.url("/feed"), Validators())
    first, _second, third = ([seen.connection for seen in web.requests] for web in webs)
    # The hosts kept reuse their connection; the one past the bound connects each time
    # (letting the oldest go instead would, in a cycle of polls, keep none in use).
    assert first[0] == first[1]
    assert third[0] != third[1]


def test_kept_connections_fit_the_open_file_limit() -> None:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    bound = idle_host_bound()
    assert bound >= 1
    if soft != resource.RLIM_INFINITY:
        assert bound <= soft // 2
