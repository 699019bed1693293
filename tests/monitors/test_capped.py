"""Socket reads capped (`monitors.capped`), against real loopback servers:
a large answer still arrives whole, over plain TCP and over TLS, in reads no larger than
the cap."""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING

import pytest

from bench.poll import self_signed
from monitors.capped import READ_CAP
from monitors.fetcher import Fetcher, Validators
from monitors.guard import GuardedBackend, GuardedTransport

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

BODY = (
    b"<rss version='2.0'><channel><title>t</title>"
    + b"<!-- padding -->" * 20_000
    + b"</channel></rss>"
)


def answer(body: bytes) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def serve_once(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes
) -> None:
    await reader.readuntil(b"\r\n\r\n")
    # All at once: the client's socket has far more than one record waiting.
    writer.write(answer(body))
    await writer.drain()
    await reader.read()  # until the client closes
    writer.close()


@pytest.fixture
async def plain_server() -> AsyncIterator[int]:
    server = await asyncio.start_server(lambda r, w: serve_once(r, w, BODY), "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path, names="IP:127.0.0.1")


async def test_a_connection_reads_its_socket_at_most_the_cap_at_a_time(
    plain_server: int,
) -> None:
    stream = await GuardedBackend(allow_private_networks=True).connect_tcp(
        "127.0.0.1", plain_server
    )
    try:
        await stream.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await asyncio.sleep(0.2)  # the whole answer is waiting in the socket
        received = b""
        sizes = []
        expected = answer(BODY)
        while len(received) < len(expected):
            chunk = await stream.read(65536)
            sizes.append(len(chunk))
            received += chunk
    finally:
        await stream.aclose()
    assert received == expected
    assert max(sizes) <= READ_CAP


async def test_a_large_answer_over_tls_arrives_whole(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await asyncio.start_server(
        lambda r, w: serve_once(r, w, BODY), "127.0.0.1", 0, ssl=context
    )
    port = server.sockets[0].getsockname()[1]
    transport = GuardedTransport(
        GuardedBackend(allow_private_networks=True),
        per_host=1,
        keepalive_expiry=5,
        max_hosts=10,
        ssl_context=ssl.create_default_context(cafile=str(cert)),
    )
    async with server, Fetcher(allow_private_networks=True, transport=transport) as fetcher:
        fetched = await fetcher.fetch(f"https://127.0.0.1:{port}/feed", Validators())
    assert fetched.status == 200
    assert fetched.body == BODY
