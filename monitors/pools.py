"""`HostPools`: connections kept per host across the poll interval.

Contract:

- Each origin (scheme, host, port) gets its own small httpcore pool: at most
  ``per_host`` connections at once, each kept idle for ``keepalive_expiry`` seconds
  after its answer (a burst of one host's polls reuses them, where closing all but
  one would open new ones next burst). Finding a request's pool is one dictionary look-up, so
  the cost of a request does not grow with the number of hosts kept (one httpcore
  pool over every host looks at each of its connections for every request).
- ``keepalive_expiry`` is meant to exceed the poll interval: a source polled once a
  minute then reuses its host's connection, with no TCP or TLS handshake, for as
  long as the server keeps it open. A connection the server closed meanwhile is
  noticed by httpcore before use and replaced.
- At most ``max_hosts`` pools are kept. Past that, and whenever the least recently
  used pool has been idle longer than ``keepalive_expiry``, the least recently used
  pools with no exchange in flight are closed. Every kept connection is a file
  descriptor: `idle_host_bound` keeps ``max_hosts`` within the process's limit.
- All pools share one `ssl.SSLContext` and one network backend (the SSRF guard).
"""

from __future__ import annotations

import resource
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Self

import httpcore

if TYPE_CHECKING:
    import ssl
    from types import TracebackType

MAX_IDLE_HOSTS = 4096
"""Hosts whose connections are kept between polls: more than the distinct hosts of
10,000 sources in practice. (Under systemd's default limit of 1,024 open files the
descriptor bound, not this, decides: 128 hosts at 4 connections each.)"""
FD_SHARE = 2
"""Kept connections use at most 1/FD_SHARE of the descriptor limit: the database,
logs and new connections need the rest."""

_Key = tuple[bytes, bytes, int]


def idle_host_bound(per_host: int, wanted: int = MAX_IDLE_HOSTS) -> int:
    """``wanted``, lowered to what the process's open-file limit leaves room for when
    every kept host holds ``per_host`` connections."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft // (FD_SHARE * per_host)))


class HostPools:
    """httpcore's pool interface (as `httpx.AsyncHTTPTransport` uses it), one pool per
    origin; see the module docstring."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        network_backend: httpcore.AsyncNetworkBackend,
        per_host: int,
        keepalive_expiry: float,
        max_hosts: int,
    ) -> None:
        self._ssl_context = ssl_context
        self._backend = network_backend
        self._per_host = per_host
        self._keepalive_expiry = keepalive_expiry
        self._max_hosts = max_hosts
        # Least recently used first; the value is the pool and when it was last asked.
        self._pools: OrderedDict[_Key, tuple[httpcore.AsyncConnectionPool, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pools)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        url = request.url
        key = (url.scheme, url.host, url.port or (443 if url.scheme == b"https" else 80))
        now = time.monotonic()
        found = self._pools.pop(key, None)
        pool = found[0] if found is not None else self._new_pool()
        self._pools[key] = (pool, now)
        await self._shed(now)
        return await pool.handle_async_request(request)

    def _new_pool(self) -> httpcore.AsyncConnectionPool:
        return httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=self._per_host,
            max_keepalive_connections=self._per_host,
            keepalive_expiry=self._keepalive_expiry,
            network_backend=self._backend,
        )

    async def _shed(self, now: float) -> None:
        """Close the oldest pools while there are too many or they outlived the expiry."""
        stale = now - self._keepalive_expiry
        while self._pools:
            key, (pool, used) = next(iter(self._pools.items()))
            if len(self._pools) <= self._max_hosts and used >= stale:
                return
            if not all(connection.is_idle() for connection in pool.connections):
                # In use: asked again soon enough; the next request looks again.
                return
            del self._pools[key]
            await pool.aclose()

    async def aclose(self) -> None:
        pools = [pool for pool, _used in self._pools.values()]
        self._pools.clear()
        for pool in pools:
            await pool.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
