"""`HostPools`: connections kept per host across the poll interval.

Contract:

- Each origin (scheme, host, port) gets its own small httpcore pool: at most
  ``per_host`` connections at once, one of them kept idle for ``keepalive_expiry``
  seconds after its answer. One, because a kept TLS connection holds about 45 KB
  (OpenSSL's buffers), and a host polled one source at a time needs no more.
- Finding a request's pool is one dictionary look-up, so the cost of a request does
  not grow with the number of hosts kept (one httpcore pool over every host looks at
  each of its connections for every request).
- ``keepalive_expiry`` is meant to exceed the poll interval: a source polled once a
  minute then reuses its host's connection, with no TCP or TLS handshake, for as
  long as the server keeps it open. A connection the server closed meanwhile is
  noticed by httpcore before use and replaced.
- Pools idle longer than ``keepalive_expiry`` are closed, least recently used first.
  At most ``max_hosts`` are kept: a new host beyond them is fetched through a pool that
  keeps nothing (a new connection each time), so the hosts already kept go on reusing
  theirs. (Letting the least recently used go instead would, with hosts polled in a
  cycle, always let go the host due next: no reuse at all.) Every kept connection is a
  file descriptor: `idle_host_bound` keeps ``max_hosts`` within the process's limit.
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

MAX_IDLE_HOSTS = 2048
"""Hosts whose connection is kept between polls: about 90 MB of TLS connections at
most, and the distinct hosts of 10,000 sources in practice (``bench.poll`` has 2,000).
Under systemd's default limit of 1,024 open files the descriptor bound decides: 512."""
FD_SHARE = 2
"""Kept connections use at most 1/FD_SHARE of the descriptor limit: the database,
logs and new connections need the rest."""

OVERFLOW_CONNECTIONS = 100
"""Connections at once to hosts beyond ``max_hosts``, together (the fetcher's own bound
on exchanges is lower)."""

_Key = tuple[bytes, bytes, int]


def idle_host_bound(wanted: int = MAX_IDLE_HOSTS) -> int:
    """``wanted``, lowered to what the process's open-file limit leaves room for."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft // FD_SHARE))


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
        self._unkept = self._new_pool(max_connections=OVERFLOW_CONNECTIONS, keep=0)

    def __len__(self) -> int:
        return len(self._pools)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        url = request.url
        key = (url.scheme, url.host, url.port or (443 if url.scheme == b"https" else 80))
        now = time.monotonic()
        await self._shed(now)
        found = self._pools.pop(key, None)
        if found is None and len(self._pools) >= self._max_hosts:
            return await self._unkept.handle_async_request(request)
        pool = found[0] if found is not None else self._new_pool(self._per_host, keep=1)
        self._pools[key] = (pool, now)
        return await pool.handle_async_request(request)

    def _new_pool(self, max_connections: int, keep: int) -> httpcore.AsyncConnectionPool:
        return httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=keep,
            keepalive_expiry=self._keepalive_expiry,
            network_backend=self._backend,
        )

    async def _shed(self, now: float) -> None:
        """Close the pools that outlived the expiry, least recently used first."""
        stale = now - self._keepalive_expiry
        while self._pools:
            key, (pool, used) = next(iter(self._pools.items()))
            if used >= stale:
                return
            if not all(connection.is_idle() for connection in pool.connections):
                # In use: asked again soon enough; the next request looks again.
                return
            del self._pools[key]
            await pool.aclose()

    async def aclose(self) -> None:
        pools = [self._unkept, *(pool for pool, _used in self._pools.values())]
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
