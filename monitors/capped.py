"""`cap_reads`: a connection's socket reads capped at `READ_CAP` bytes.

Why: over TLS every socket read is written into OpenSSL's memory BIO (anyio's `TLSStream`
over `ssl.MemoryBIO`), whose buffer grows to the largest read (and a third more) and keeps
that size while the connection lives. Reads are up to 64 KB (httpcore's and anyio's size),
so a kept connection that once fetched a large feed went on holding ~86 KB instead of
~45 KB (``bench.kept_connections --tls --real-bodies``); capped at one TLS record, ~55 KB;
at 4 KB, ~49 KB. OpenSSL gathers a record from several reads in a buffer of its own,
which it frees once the record is read (CPython sets ``SSL_MODE_RELEASE_BUFFERS``), so a
smaller cap keeps less and only takes more reads for a large body.

Contract: `cap_reads` takes the stream httpcore's own backend returned and, when it is laid
out as httpcore 1.x lays it out (its ``_stream``, an anyio byte stream), puts `CappedReads`
between it and the socket, so the TLS layer started on it later reads through the cap. A
stream laid out otherwise (another httpcore release) is returned as it is: reads are then
uncapped, as before, never broken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.abc

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpcore

READ_CAP = 4 * 1024
"""A quarter of a TLS record's 16 KB: a 190 KB feed takes ~48 reads instead of 12."""


class CappedReads(anyio.abc.ByteStream):
    """``inner`` with each `receive` asking for at most ``cap`` bytes."""

    def __init__(self, inner: anyio.abc.ByteStream, cap: int = READ_CAP) -> None:
        self._inner = inner
        self._cap = cap

    async def receive(self, max_bytes: int = 65536) -> bytes:
        return await self._inner.receive(min(max_bytes, self._cap))

    async def send(self, item: bytes) -> None:
        await self._inner.send(item)

    async def send_eof(self) -> None:
        await self._inner.send_eof()

    async def aclose(self) -> None:
        await self._inner.aclose()

    @property
    def extra_attributes(self) -> Mapping[Any, Callable[[], Any]]:
        return self._inner.extra_attributes


def cap_reads(stream: httpcore.AsyncNetworkStream) -> httpcore.AsyncNetworkStream:
    """``stream`` reading the socket at most `READ_CAP` bytes at a time (module docstring)."""
    raw = getattr(stream, "_stream", None)
    if isinstance(raw, anyio.abc.ByteStream) and not isinstance(raw, CappedReads):
        # httpcore's AnyIOStream reads, writes and starts TLS on this attribute.
        stream._stream = CappedReads(raw)  # type: ignore[attr-defined]
    return stream
