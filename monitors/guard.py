"""SSRF guard: which URLs and addresses a fetch may reach, enforced at connect time.

Contract:

- Only ``http`` and ``https`` URLs are fetched (`check_url`).
- Unless ``allow_private_networks``, a host is refused when it is, or resolves
  to, an address that is not publicly routable: unspecified, loopback,
  link-local, multicast, private (RFC 1918, IPv6 unique-local and the deprecated
  site-local fec0::/10), shared CGNAT
  100.64.0.0/10, reserved or documentation ranges, and the IPv4-mapped,
  6to4, NAT64 and Teredo forms of any of those. One bad address among a
  host's answers refuses the host: mixed answers are how rebinding attacks
  look.
- The connection goes to an address that was checked. `GuardedBackend` sits
  under httpcore's connection pool, so every new connection of every hop
  resolves, checks and connects to the checked address in one step; DNS
  cannot change between the check and the connect, and TLS still verifies
  the certificate against the host name.
- Its connections read the socket at most 4 KB at a time
  (`monitors.capped`), so a kept connection does not keep a large read's buffer.
- A refusal is `SourceRefused` with a reason a person can read, e.g.
  "feeds.example resolves to 10.0.0.5, a private address".
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import httpcore
import httpx

from monitors.capped import cap_reads
from monitors.errors import SourceRefused, SourceUnavailable
from monitors.pools import HostPools

if TYPE_CHECKING:
    import ssl

    from httpcore._backends.base import SOCKET_OPTION

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
"""Seam for tests: ``await resolver(host, port)`` gives the host's addresses."""

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_SIXTO4 = ipaddress.IPv6Network("2002::/16")


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve with the operating system, as the connection would."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceUnavailable(f"{host} does not resolve ({exc})") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def address_problem(address: IPAddress) -> str | None:
    """Why a connection to ``address`` is refused, or None when it is public."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        problem = address_problem(embedded)
        return None if problem is None else f"{problem} ({embedded})"
    for flag, problem in (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "a CGNAT address"),
        # fec0::/10 is deprecated but still routed inside some networks.
        (
            isinstance(address, ipaddress.IPv6Address) and address.is_site_local,
            "a site-local address",
        ),
        (address.is_private, "a private address"),
    ):
        if flag:
            return problem
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _SIXTO4:
        return address.sixtofour
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.teredo is not None:
        return address.teredo[1]
    return None


def check_url(url: httpx.URL, *, allow_private_networks: bool) -> None:
    """Refuse URLs we never fetch: other schemes, and literal private addresses."""
    if url.scheme not in ("http", "https"):
        raise SourceRefused(f"only http and https URLs are fetched, not {url.scheme or '?'}:")
    if not url.host:
        raise SourceRefused(f"{url} has no host")
    if allow_private_networks:
        return
    try:
        address = ipaddress.ip_address(url.host)
    except ValueError:
        return
    problem = address_problem(address)
    if problem is not None:
        raise SourceRefused(f"{address} is {problem}")


async def vet_host(
    host: str, port: int, *, resolver: Resolver, allow_private_networks: bool
) -> list[IPAddress]:
    """The addresses to connect to for ``host``, all checked; or `SourceRefused`."""
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = list(await resolver(host, port))
    if not addresses:
        raise SourceUnavailable(f"{host} has no addresses")
    if not allow_private_networks:
        for address in addresses:
            problem = address_problem(address)
            if problem is None:
                continue
            if str(address) == host:
                raise SourceRefused(f"{address} is {problem}")
            raise SourceRefused(f"{host} resolves to {address}, {problem}")
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Network backend that connects only to addresses `vet_host` approved."""

    def __init__(
        self,
        *,
        allow_private_networks: bool,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._allow_private_networks = allow_private_networks
        self._resolver = resolver
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await vet_host(
                    host,
                    port,
                    resolver=self._resolver,
                    allow_private_networks=self._allow_private_networks,
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        failure: Exception | None = None
        for address in addresses:
            try:
                return cap_reads(
                    await self._inner.connect_tcp(
                        str(address), port, timeout, local_address, socket_options
                    )
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        if failure is None:  # unreachable: vet_host never returns no addresses
            raise httpcore.ConnectError(f"{host} has no addresses")
        raise failure

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, its connections kept per host (`monitors.pools.HostPools`)
    and made through `GuardedBackend`."""

    def __init__(
        self,
        backend: GuardedBackend,
        *,
        per_host: int,
        keepalive_expiry: float,
        max_hosts: int,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(trust_env=False)
        # httpx 0.28 takes no network backend, so its pool is replaced by ours;
        # everything else (request mapping, error mapping, streams) stays httpx's.
        # tests/monitors/test_guard.py proves a request really goes through it.
        self._pool = HostPools(  # type: ignore[assignment]  # httpcore's pool interface
            # A context of the caller's only where it trusts its own CA (bench.poll's
            # self-signed server). Otherwise certifi's authorities, or those of the file
            # that SSL_CERT_FILE (or the folder SSL_CERT_DIR) names, as OpenSSL's own tools
            # read them: an intranet's CA, or bench.fleet's self-signed servers.
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=True),
            network_backend=backend,
            per_host=per_host,
            keepalive_expiry=keepalive_expiry,
            max_hosts=max_hosts,
        )
