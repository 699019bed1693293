"""`Fetcher`: one polite HTTP client shared by every poll.

Contract of `Fetcher.fetch`:

- GET with the source's validators (``If-None-Match``, ``If-Modified-Since``);
  answers `Fetched` with status 200 (body, new validators including the body's
  sha256) or 304 (no body, validators kept, any new ones merged).
- A connection goes back to its host's pool after every answer, a 304 included,
  and is kept `KEEP_IDLE` seconds, longer than the poll interval: a host's sources
  polled one after another, and the next poll a minute later, reuse it
  (`monitors.pools`).
- Redirects (301/302/303/307/308) are followed by hand, at most 5, and every
  hop passes the SSRF guard (`monitors.guard`): the URL here, the resolved
  address at connect time.
- Deadlines: 10 s to connect; 30 s for the whole exchange with all its hops,
  counted from when a per-host slot is free, so a server dribbling one byte a
  second cannot hold a slot. At most ``per_host_limit`` exchanges run at once
  against one host and ``max_exchanges`` in all; a request waiting for its host
  holds no global slot, so a slow host delays only its own sources.
- A URL or redirect target whose host cannot be read (an undecodable IDNA
  label such as ``xn--``) is `SourceRefused` / `SourceHTTPError`, never idna's
  own error. An ETag over 1,024 or a Last-Modified over 128 characters is
  dropped, so every validator fits its column.
- A request lost with its connection before any answer (a kept connection closed
  by the server as the request left) is sent once more on a new one.
- The body is read raw and decoded by `BodyReader`; over ``max_body_bytes``
  (after decompression) it fails with `SourceTooLarge`.
- 429 and 503 raise `Throttled` with the Retry-After seconds; other 4xx/5xx
  raise `SourceHTTPError`; every httpx failure becomes a `MonitorError`
  (see `monitors.errors`). `Fetched` carries Retry-After and
  ``Cache-Control: max-age`` as hints for the next check.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self

import httpx
import structlog

from monitors.errors import (
    MonitorError,
    SourceHTTPError,
    SourceRefused,
    SourceTimeout,
    SourceTooLarge,
    SourceUnavailable,
    Throttled,
)
from monitors.guard import GuardedBackend, GuardedTransport, Resolver, check_url, system_resolver
from monitors.inflater import ACCEPT_ENCODING, BodyReader
from monitors.pools import idle_host_bound

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from types import TracebackType

log = structlog.get_logger(__name__)

DEFAULT_USER_AGENT = "Lookout/0.1 (news alert bot; polls feeds politely, honours Retry-After)"


def user_agent(contact_url: str | None) -> str:
    """Lookout's User-Agent, naming where a site's operator can learn about this bot."""
    if not contact_url:
        return DEFAULT_USER_AGENT
    return f"Lookout/0.1 (+{contact_url}; news alert bot; polls feeds politely)"


MAX_REDIRECTS = 5
KEEP_IDLE = 90.0
"""Seconds an idle connection is kept: above the default 60 s poll interval with its
10% jitter, so the next poll of a host finds it (if the server kept it too: nginx
keeps one 75 s by default). A TLS handshake costs the poller more CPU than the poll."""
# Validators are stored with the source; longer values than these columns are dropped.
MAX_ETAG_CHARS = 1024
MAX_LAST_MODIFIED_CHARS = 128
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Validators:
    """What a source told us last time, to ask it "has anything changed?".

    ``cursor`` is opaque state of the channel poller (last seen post, recent
    text digests); callers store it alongside the rest and pass it back.
    """

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """One successful answer: 200 with a body or 304 without."""

    status: int
    body: bytes | None
    validators: Validators
    content_type: str | None
    url: str
    """The final URL, after redirects."""
    retry_after: float | None = None
    max_age: float | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """Shared HTTP client; build once in the composition root, `aclose` at exit."""

    def __init__(
        self,
        *,
        allow_private_networks: bool,
        user_agent: str = DEFAULT_USER_AGENT,
        max_body_bytes: int = 10 * 2**20,
        per_host_limit: int = 4,
        max_exchanges: int = 20,
        max_idle_hosts: int | None = None,
        connect_timeout: float = 10.0,
        total_timeout: float = 30.0,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if transport is None:
            backend = GuardedBackend(
                allow_private_networks=allow_private_networks, resolver=resolver
            )
            transport = GuardedTransport(
                backend,
                per_host=per_host_limit,
                keepalive_expiry=KEEP_IDLE,
                max_hosts=max_idle_hosts if max_idle_hosts is not None else idle_host_bound(),
            )
        self._allow_private_networks = allow_private_networks
        self._max_body_bytes = max_body_bytes
        self._total_timeout = total_timeout
        self._slots = _HostSlots(per_host_limit)
        self._exchanges = asyncio.Semaphore(max_exchanges)
        # Requests go to the transport itself: the client's layers (cookie jar, auth,
        # redirect and event-hook bookkeeping) cost a fifth of a 304 poll's CPU (0.91 to
        # 0.72 ms over TLS) and none is wanted here. Redirects are followed by hand and
        # no cookie is kept.
        self._transport = transport
        self._timeout = httpx.Timeout(total_timeout, connect=connect_timeout).as_dict()
        self._headers = {"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def fetch(self, url: str, validators: Validators | None = None) -> Fetched:
        """GET ``url`` politely; see the module docstring. Raises `MonitorError`."""
        validators = validators or Validators()
        current = _readable_url(url)
        loop = asyncio.get_running_loop()
        budget = self._total_timeout
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(current, allow_private_networks=self._allow_private_networks)
            # The global limit is taken only once the host's slot is free: sources
            # queued behind one slow host never hold up the other hosts.
            async with self._slots.hold(current.host), self._exchanges:
                started = loop.time()
                try:
                    async with asyncio.timeout(budget):
                        outcome = await self._exchange(current, validators)
                except TimeoutError as exc:
                    raise SourceTimeout(
                        f"{current.host} gave no complete answer within {self._total_timeout:g} s"
                    ) from exc
                budget -= loop.time() - started
            if isinstance(outcome, Fetched):
                return outcome
            log.debug("source_redirected", url=str(current), location=str(outcome))
            current = outcome
        raise SourceUnavailable(f"{url} redirects more than {MAX_REDIRECTS} times")

    async def _exchange(self, url: httpx.URL, validators: Validators) -> Fetched | httpx.URL:
        """One request: a `Fetched`, or the URL a redirect points to."""
        headers = dict(self._headers)
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        request = httpx.Request("GET", url, headers=headers, extensions={"timeout": self._timeout})
        try:
            response = await self._send(request)
            try:
                return await self._answer(url, response, validators)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise _translate(url, exc) from exc
        except ValueError as exc:
            # httpx reads a redirect's Location while sending; idna's UnicodeError
            # for an undecodable host comes from there, not as an httpx error.
            raise SourceUnavailable(f"{url.host} sent a URL that cannot be read") from exc

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """The response's head; a request lost with its connection is sent once more.

        A kept connection that the server closes just as the request leaves (its idle
        timeout, minutes after the last poll) loses the request with no answer. A GET
        may be sent again: once, on a new connection, within the same deadline.
        """
        try:
            return await self._transport.handle_async_request(request)
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            log.debug("source_connection_lost", url=str(request.url))
        return await self._transport.handle_async_request(request)

    async def _answer(
        self, url: httpx.URL, response: httpx.Response, validators: Validators
    ) -> Fetched | httpx.URL:
        status = response.status_code
        headers = response.headers
        if status in _REDIRECTS and "location" in headers:
            try:
                return _readable_url(headers["location"], base=url)
            except SourceRefused as exc:
                raise SourceHTTPError(status, f"{url.host} redirects to an invalid URL") from exc
        retry_after = _retry_after(headers.get("retry-after"))
        if status in (429, 503):
            raise Throttled(retry_after)
        if status >= 300 and status != 304:
            raise SourceHTTPError(status, f"{url.host} answered HTTP {status}")
        new = Validators(
            etag=_bounded(headers.get("etag"), MAX_ETAG_CHARS),
            last_modified=_bounded(headers.get("last-modified"), MAX_LAST_MODIFIED_CHARS),
            body_hash=None,
            cursor=validators.cursor,
        )
        body: bytes | None = None
        if status == 304:
            # A 304 has no body, but the connection returns to the pool only once the
            # response has been read to its end; closed unread, it is closed.
            await response.aread()
            new = Validators(
                etag=new.etag or validators.etag,
                last_modified=new.last_modified or validators.last_modified,
                body_hash=validators.body_hash,
                cursor=validators.cursor,
            )
        else:
            body = await self._read_body(response)
            new = Validators(
                etag=new.etag,
                last_modified=new.last_modified,
                body_hash=hashlib.sha256(body).hexdigest(),
                cursor=validators.cursor,
            )
        log.debug("source_fetched", url=str(url), status=status, size=len(body or b""))
        return Fetched(
            status=304 if status == 304 else 200,
            body=body,
            validators=new,
            content_type=headers.get("content-type"),
            url=str(url),
            retry_after=retry_after,
            max_age=_max_age(headers.get("cache-control")),
        )

    async def _read_body(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_body_bytes:
            raise SourceTooLarge(f"the body is {int(declared) // 1024} KiB, over the cap")
        reader = BodyReader(
            response.headers.get("content-encoding"), max_bytes=self._max_body_bytes
        )
        async for chunk in response.aiter_raw():
            reader.feed(chunk)
        return reader.finish()


def _readable_url(text: str, base: httpx.URL | None = None) -> httpx.URL:
    """``text`` (joined to ``base``) as a URL whose host can be read, or `SourceRefused`.

    A host that IDNA cannot decode (``xn--``, an emoji label) fails in httpx only when
    the host is first read, with idna's own `UnicodeError`: read it here, at the boundary.
    """
    try:
        url = base.join(text) if base is not None else httpx.URL(text)
        _ = url.host
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise SourceRefused(f"{text[:200]!r} is not a valid URL") from exc
    return url


def _bounded(value: str | None, limit: int) -> str | None:
    """A validator header too long to store is dropped: the next fetch is unconditional."""
    return value if value is not None and len(value) <= limit else None


class _HostSlots:
    """At most ``limit`` concurrent exchanges per host; idle hosts are forgotten."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._slots: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}

    @asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        semaphore, users = self._slots.setdefault(host, (asyncio.Semaphore(self._limit), [0]))
        users[0] += 1
        try:
            async with semaphore:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._slots[host]


def _translate(url: httpx.URL, exc: httpx.HTTPError) -> MonitorError:
    host = url.host
    if isinstance(exc, httpx.ConnectTimeout):
        return SourceTimeout(f"connecting to {host} timed out")
    if isinstance(exc, httpx.TimeoutException):
        return SourceTimeout(f"{host} stopped answering")
    if isinstance(exc, httpx.ConnectError):
        return SourceUnavailable(f"cannot connect to {host}: {exc or type(exc).__name__}")
    if isinstance(exc, httpx.ProtocolError):
        return SourceUnavailable(f"{host} broke the HTTP protocol: {exc}")
    return SourceUnavailable(f"fetching from {host} failed: {exc or type(exc).__name__}")


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _max_age(value: str | None) -> float | None:
    match = _MAX_AGE.search(value or "")
    return float(match.group(1)) if match else None
