"""The fetcher against a real loopback server: validators, limits, deadlines, statuses."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
import tracemalloc
import zlib
from typing import TYPE_CHECKING

import httpx
import pytest

from monitors.errors import (
    SourceHTTPError,
    SourceParseError,
    SourceTimeout,
    SourceTooLarge,
    SourceUnavailable,
    Throttled,
)
from monitors.fetcher import Fetcher, Validators

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fakes.web import FakeWeb

FEED = "<rss version='2.0'><channel><title>t</title></channel></rss>"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private_networks=True) as shared:
        yield shared


async def test_conditional_get_answers_304_until_the_document_changes(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve("/feed", FEED)
    first = await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert first.status == 200
    assert first.body == FEED.encode()
    assert first.validators.etag == '"v1"'
    assert first.validators.last_modified is not None
    assert first.validators.body_hash == hashlib.sha256(FEED.encode()).hexdigest()

    second = await fetcher.fetch(fake_web.url("/feed"), first.validators)
    assert second.not_modified
    assert second.body is None
    assert second.validators == first.validators
    asked = fake_web.requests[-1].headers
    assert asked["If-None-Match"] == '"v1"'
    assert asked["If-Modified-Since"] == first.validators.last_modified

    fake_web.serve("/feed", FEED + " ")
    third = await fetcher.fetch(fake_web.url("/feed"), second.validators)
    assert third.status == 200
    assert third.validators.etag == '"v2"'


async def test_a_not_modified_answer_keeps_its_connection(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    # Regression: a 304 closed unread closed its connection, so every poll of an
    # unchanged source paid a new TCP and TLS handshake.
    fake_web.serve("/feed", FEED)
    validators = Validators()
    for _ in range(3):
        validators = (await fetcher.fetch(fake_web.url("/feed"), validators)).validators
    assert [seen.connection for seen in fake_web.requests] == [fake_web.requests[0].connection] * 3
    assert fake_web.requests[-1].headers["If-None-Match"] == '"v1"'


async def test_a_request_lost_with_a_kept_connection_is_sent_again() -> None:
    # Regression: connections kept across the poll interval meet servers closing them
    # at their idle timeout just as the next poll leaves; that poll failed
    # ("Server disconnected without sending a response") and the source backed off.
    body = FEED.encode()
    connections = 0

    async def one_answer_per_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal connections
        connections += 1
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
            # The next request on this connection gets no answer: it is closed under it.
            await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            pass  # the client closed it first (the last connection, at the end)
        finally:
            writer.close()
            await writer.wait_closed()

    server = await asyncio.start_server(one_answer_per_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, Fetcher(allow_private_networks=True) as fetcher:
        for _ in range(2):
            fetched = await fetcher.fetch(f"http://127.0.0.1:{port}/feed", Validators())
            assert fetched.body == body
    assert connections == 2


async def test_last_modified_alone_is_enough(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    fake_web.serve("/feed", FEED)
    first = await fetcher.fetch(fake_web.url("/feed"), Validators())
    again = await fetcher.fetch(
        fake_web.url("/feed"), Validators(last_modified=first.validators.last_modified)
    )
    assert again.not_modified


async def test_user_agent_names_lookout(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    fake_web.serve("/feed", FEED)
    await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert "Lookout" in fake_web.requests[0].headers["User-Agent"]
    assert fake_web.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


async def test_gzip_body_is_decoded(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    fake_web.serve("/feed", FEED, gzip=True)
    fetched = await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert fetched.body == FEED.encode()


@pytest.mark.parametrize(
    "compress", [zlib.compress, lambda data: zlib.compress(data)[2:-4]], ids=["zlib", "raw"]
)
async def test_deflate_body_is_decoded_wrapped_or_raw(
    fake_web: FakeWeb, fetcher: Fetcher, compress
) -> None:
    fake_web.serve("/feed", compress(FEED.encode()), headers={"Content-Encoding": "deflate"})
    fetched = await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert fetched.body == FEED.encode()


async def test_gzip_bomb_stops_at_the_cap_without_inflating_it(fake_web: FakeWeb) -> None:
    bomb = gzip.compress(b"\0" * (64 * 2**20), compresslevel=9)  # 64 MiB in ~64 KiB
    fake_web.serve("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        async with Fetcher(allow_private_networks=True, max_body_bytes=2**20) as fetcher:
            with pytest.raises(SourceTooLarge, match="decompressed body is larger than 1024 KiB"):
                await fetcher.fetch(fake_web.url("/bomb"), Validators())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB while refusing a bomb"


async def test_declared_length_over_the_cap_is_refused(fake_web: FakeWeb) -> None:
    fake_web.serve("/big", b"x" * 5000)
    async with Fetcher(allow_private_networks=True, max_body_bytes=4000) as fetcher:
        with pytest.raises(SourceTooLarge):
            await fetcher.fetch(fake_web.url("/big"), Validators())


async def test_unknown_content_encoding_is_a_parse_error(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve("/feed", b"\x1b\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(SourceParseError, match="unsupported coding 'br'"):
        await fetcher.fetch(fake_web.url("/feed"), Validators())


async def test_corrupt_gzip_is_a_parse_error(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    fake_web.serve("/feed", b"\x1f\x8bnot really gzip", headers={"Content-Encoding": "gzip"})
    with pytest.raises(SourceParseError, match="not valid gzip"):
        await fetcher.fetch(fake_web.url("/feed"), Validators())


async def test_slow_dribble_hits_the_total_deadline(fake_web: FakeWeb) -> None:
    fake_web.serve("/slow", FEED)
    fake_web.dribble("/slow", interval=0.2)
    async with Fetcher(allow_private_networks=True, total_timeout=0.5) as fetcher:
        with pytest.raises(SourceTimeout, match=r"no complete answer within 0\.5 s"):
            await fetcher.fetch(fake_web.url("/slow"), Validators())


async def test_redirects_are_followed_to_the_final_url(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    fake_web.redirect("/old", "/older", status=301)
    fake_web.redirect("/older", fake_web.url("/feed"), status=308)
    fake_web.serve("/feed", FEED)
    fetched = await fetcher.fetch(fake_web.url("/old"), Validators())
    assert fetched.body == FEED.encode()
    assert fetched.url == fake_web.url("/feed")


async def test_more_than_five_redirects_give_up(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    for hop in range(7):
        fake_web.redirect(f"/r{hop}", f"/r{hop + 1}")
    fake_web.serve("/r7", FEED)
    with pytest.raises(SourceUnavailable, match="redirects more than 5 times"):
        await fetcher.fetch(fake_web.url("/r0"), Validators())
    assert len(fake_web.requests) == 6


@pytest.mark.parametrize("status", [429, 503])
async def test_throttling_statuses_carry_retry_after(
    fake_web: FakeWeb, fetcher: Fetcher, status: int
) -> None:
    fake_web.fail("/feed", status, retry_after="120")
    with pytest.raises(Throttled) as caught:
        await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert caught.value.retry_after == 120.0


async def test_retry_after_as_a_date(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    fake_web.fail("/feed", 503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    with pytest.raises(Throttled) as caught:
        await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert caught.value.retry_after == 0.0  # a date in the past means "now"


@pytest.mark.parametrize("status", [400, 403, 404, 410, 500, 502])
async def test_error_statuses(fake_web: FakeWeb, fetcher: Fetcher, status: int) -> None:
    fake_web.fail("/feed", status)
    with pytest.raises(SourceHTTPError) as caught:
        await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert caught.value.status == status


async def test_cache_hints_are_reported(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    fake_web.serve("/feed", FEED, headers={"Cache-Control": "public, max-age=300"})
    fetched = await fetcher.fetch(fake_web.url("/feed"), Validators())
    assert fetched.max_age == 300.0


async def test_connection_refused_is_unavailable(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        await fetcher.fetch(f"http://127.0.0.1:{port}/feed", Validators())


async def test_httpx_errors_never_escape() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    async with Fetcher(allow_private_networks=False, transport=httpx.MockTransport(broken)) as f:
        with pytest.raises(SourceUnavailable, match="broke the HTTP protocol"):
            await f.fetch("https://news.example/feed", Validators())


async def test_per_host_limit_holds(fake_web: FakeWeb) -> None:
    fake_web.serve("/slow", "abc")
    fake_web.dribble("/slow", interval=0.05)
    async with Fetcher(allow_private_networks=True, per_host_limit=2) as fetcher:
        await asyncio.gather(
            *(fetcher.fetch(fake_web.url("/slow"), Validators()) for _ in range(6))
        )
    assert fake_web.max_in_flight == 2
