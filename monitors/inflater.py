"""`BodyReader`: a response body from raw bytes, Content-Encoding undone, within a cap.

httpx decodes gzip a whole network chunk at a time before any streaming check
can look at the size, so a 510 KiB gzip bomb becomes 67 MB in memory. The
fetcher therefore reads ``response.aiter_raw()`` and feeds it here, where each
zlib step is asked for at most the bytes still allowed (``max_length``).

Contract:

- supported codings: ``identity``, ``gzip``/``x-gzip`` (several members too),
  ``deflate`` (zlib-wrapped, or raw as some servers send it), in any chain;
  brotli is neither advertised nor accepted, because no bounded decoder is
  guaranteed to be installed;
- more than ``max_bytes`` raw or decoded bytes raises `SourceTooLarge` as soon
  as the excess is produced, never after;
- an unknown coding or corrupt data raises `SourceParseError`; a compressed
  stream cut short yields what was decoded so far.
"""

from __future__ import annotations

import zlib
from typing import Protocol

from monitors.errors import SourceParseError, SourceTooLarge

ACCEPT_ENCODING = "gzip, deflate"
_GZIP_MAGIC = b"\x1f\x8b"


class _Stage(Protocol):
    def decode(self, data: bytes) -> bytes: ...

    def flush(self) -> bytes: ...


class _Identity:
    def decode(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


class _Zlib:
    """One zlib-family coding with bounded output."""

    def __init__(self, coding: str, max_bytes: int) -> None:
        self._coding = coding
        self._gzip = coding != "deflate"
        # 47 = 32 + 15: zlib detects gzip or zlib headers itself.
        self._inflater = zlib.decompressobj(47 if self._gzip else 15)
        self._max_bytes = max_bytes
        self._produced = 0
        self._started = False

    def decode(self, data: bytes) -> bytes:
        if not self._started and data:
            self._started = True
            try:
                return self._decode(data)
            except SourceParseError:
                if self._gzip:
                    raise
                # Some servers send raw DEFLATE without the zlib wrapper.
                self._inflater = zlib.decompressobj(-15)
                self._produced = 0
        return self._decode(data)

    def _decode(self, data: bytes) -> bytes:
        parts: list[bytes] = []
        try:
            while data:
                room = self._max_bytes - self._produced + 1
                chunk = self._inflater.decompress(data, room)
                self._produced += len(chunk)
                if self._produced > self._max_bytes:
                    raise SourceTooLarge(_too_large(self._max_bytes, "decompressed "))
                parts.append(chunk)
                data = self._inflater.unconsumed_tail
                if not data and self._inflater.eof:
                    data = self._next_member()
        except zlib.error as exc:
            raise SourceParseError(f"the body is not valid {self._coding}: {exc}") from exc
        return b"".join(parts)

    def _next_member(self) -> bytes:
        rest = self._inflater.unused_data
        if self._gzip and rest.startswith(_GZIP_MAGIC):
            self._inflater = zlib.decompressobj(47)
            return rest
        return b""

    def flush(self) -> bytes:
        try:
            tail = self._inflater.flush()
        except zlib.error as exc:
            raise SourceParseError(f"the body is not valid {self._coding}: {exc}") from exc
        self._produced += len(tail)
        if self._produced > self._max_bytes:
            raise SourceTooLarge(_too_large(self._max_bytes, "decompressed "))
        return tail


class BodyReader:
    """Accumulates one body; `feed` raw chunks, then `finish`."""

    def __init__(self, content_encoding: str | None, *, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._raw = 0
        self._size = 0
        self._parts: list[bytes] = []
        self._stages: list[_Stage] = []
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        # Codings are listed in the order applied, so they are undone in reverse.
        for coding in reversed([c for c in codings if c and c != "identity"]):
            if coding in ("gzip", "x-gzip", "deflate"):
                self._stages.append(_Zlib(coding, max_bytes))
            else:
                raise SourceParseError(f"the body uses an unsupported coding {coding!r}")
        if not self._stages:
            self._stages.append(_Identity())

    def feed(self, raw: bytes) -> None:
        self._raw += len(raw)
        if self._raw > self._max_bytes:
            raise SourceTooLarge(_too_large(self._max_bytes, ""))
        self._keep(self._run(raw, 0))

    def finish(self) -> bytes:
        for index, stage in enumerate(self._stages):
            self._keep(self._run(stage.flush(), index + 1))
        return b"".join(self._parts)

    def _run(self, data: bytes, first: int) -> bytes:
        for stage in self._stages[first:]:
            if not data:
                return b""
            data = stage.decode(data)
        return data

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._max_bytes:
            raise SourceTooLarge(_too_large(self._max_bytes, "decompressed "))
        if data:
            self._parts.append(data)


def _too_large(max_bytes: int, what: str) -> str:
    return f"the {what}body is larger than {max_bytes // 1024} KiB"
