"""A fake web server on 127.0.0.1 serving feeds and channel pages, for every test.

`FakeWeb` is a real aiohttp server on a free port: the code under test talks
HTTP to it exactly as to the internet. A test publishes documents with
`FakeWeb.serve` (each publication gets a new ETag and a later Last-Modified;
conditional requests for an unchanged document get 304) and reads what was
asked in `FakeWeb.requests` (with the connection each came on).

Paths may carry a query: ``serve("/s/name?before=100", page)`` answers exactly
that query; a request whose path and query match nothing falls back to the
document at the bare path, then to 404.

Knobs, per path: `fail` (any status, optional Retry-After), `redirect`,
``gzip=True`` on `serve` (Content-Encoding: gzip), ``headers=`` on `serve`
(e.g. a hand-made Content-Encoding for a pre-compressed body), `dribble`
(the body one byte per interval, to test deadlines). `max_in_flight` counts
the most requests it was answering at once.

Use ``async with FakeWeb() as web`` or ``web = await FakeWeb.start()`` ...
``await web.close()``, or the `fake_web` pytest fixture.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import itertools
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING, Self

import pytest
from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping
    from types import TracebackType


@dataclass(frozen=True)
class SeenRequest:
    """One request as the server saw it."""

    path: str
    query: str
    headers: Mapping[str, str]
    at: float = field(default_factory=time.monotonic)
    """When it arrived, on the monotonic clock."""
    connection: int = 0
    """The client's port: requests with the same one came on one kept-alive connection."""

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class _Document:
    body: bytes
    content_type: str
    etag: str
    last_modified: datetime
    gzip: bool
    headers: dict[str, str]


@dataclass
class _Failure:
    status: int
    retry_after: str | None
    body: bytes


@dataclass
class _Site:
    documents: dict[str, _Document] = field(default_factory=dict)
    failures: dict[str, _Failure] = field(default_factory=dict)
    redirects: dict[str, tuple[int, str]] = field(default_factory=dict)
    dribbles: dict[str, float] = field(default_factory=dict)


class FakeWeb:
    """The server; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        # Any of 127.0.0.0/8: another address is another host to a client's per-host limits.
        self.host = host
        self.requests: list[SeenRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        """Most requests handled at once so far, to check client concurrency limits."""
        self._site = _Site()
        self._versions = itertools.count(1)
        self._clock = datetime(2024, 1, 1, tzinfo=UTC)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = asyncio.Event()

    @classmethod
    async def start(cls, host: str = "127.0.0.1") -> FakeWeb:
        fake = cls(host)
        await fake._start()
        return fake

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else f"/{path}")

    def serve(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "application/rss+xml; charset=utf-8",
        *,
        gzip: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Publish or replace the document at ``path`` (new ETag, later Last-Modified)."""
        self._clock = max(self._clock + timedelta(seconds=1), datetime.now(UTC))
        self._site.documents[path] = _Document(
            body=body.encode() if isinstance(body, str) else body,
            content_type=content_type,
            etag=f'"v{next(self._versions)}"',
            last_modified=self._clock.replace(microsecond=0),
            gzip=gzip,
            headers=dict(headers or {}),
        )
        self._site.failures.pop(path, None)
        self._site.redirects.pop(path, None)

    def fail(
        self, path: str, status: int, *, retry_after: str | None = None, body: str = ""
    ) -> None:
        """Answer ``status`` at ``path`` until `serve` or `heal` is called for it."""
        self._site.failures[path] = _Failure(status, retry_after, body.encode())

    def heal(self, path: str) -> None:
        self._site.failures.pop(path, None)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self._site.redirects[path] = (status, location)

    def dribble(self, path: str, interval: float = 1.0) -> None:
        """Send the body at ``path`` one byte per ``interval`` seconds."""
        self._site.dribbles[path] = interval

    def requests_for(self, path: str) -> list[SeenRequest]:
        return [seen for seen in self.requests if path in (seen.path, seen.target)]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        query = request.query_string
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen = SeenRequest(
            request.path, query, dict(request.headers), connection=peer[1] if peer else 0
        )
        self.requests.append(seen)
        key = seen.target if seen.target in self._known() else request.path
        site = self._site
        if key in site.redirects:
            status, location = site.redirects[key]
            return web.Response(status=status, headers={"Location": location})
        if key in site.failures:
            failure = site.failures[key]
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return web.Response(status=failure.status, body=failure.body, headers=headers)
        document = site.documents.get(key)
        if document is None:
            return web.Response(status=404, text="not found")
        headers = {
            "ETag": document.etag,
            "Last-Modified": format_datetime(document.last_modified, usegmt=True),
            **document.headers,
        }
        if _unchanged(request, document):
            return web.Response(status=304, headers=headers)
        body = document.body
        if document.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Type"] = document.content_type
        if key in site.dribbles:
            return await self._dribble(request, body, headers, site.dribbles[key])
        return web.Response(body=body, headers=headers)

    def _known(self) -> set[str]:
        site = self._site
        return set(site.documents) | set(site.failures) | set(site.redirects)

    async def _dribble(
        self, request: web.Request, body: bytes, headers: dict[str, str], interval: float
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers=headers)
        response.content_length = len(body)
        await response.prepare(request)
        for index in range(len(body)):
            try:
                await response.write(body[index : index + 1])
            except (ConnectionError, RuntimeError):
                break  # the client gave up, which is what the test wants
            if index + 1 == len(body):
                break  # answered: a handler still open would count as in flight
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), interval)
            if self._closing.is_set():
                break
        return response


def _unchanged(request: web.Request, document: _Document) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return document.etag in {tag.strip() for tag in if_none_match.split(",")}
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        return document.last_modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


@pytest.fixture
async def fake_web() -> AsyncIterator[FakeWeb]:
    """A running `FakeWeb`, closed after the test."""
    async with FakeWeb() as server:
        yield server
