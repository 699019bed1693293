"""BodyReader: content codings undone within the cap, whatever the chunking."""

from __future__ import annotations

import gzip
import zlib

import pytest

from monitors.errors import SourceParseError, SourceTooLarge
from monitors.inflater import BodyReader

BODY = b"<rss>" + b"drone " * 2000 + b"</rss>"


def read(coding: str | None, data: bytes, *, cap: int = 2**20, chunk: int = 7) -> bytes:
    reader = BodyReader(coding, max_bytes=cap)
    for start in range(0, len(data), chunk):
        reader.feed(data[start : start + chunk])
    return reader.finish()


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        (None, lambda b: b),
        ("identity", lambda b: b),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("GZIP", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
        ("deflate, gzip", lambda b: gzip.compress(zlib.compress(b))),
    ],
)
def test_codings(coding: str | None, encode) -> None:
    assert read(coding, encode(BODY)) == BODY


def test_concatenated_gzip_members() -> None:
    assert read("gzip", gzip.compress(b"one ") + gzip.compress(b"two")) == b"one two"


def test_truncated_gzip_keeps_what_was_decoded() -> None:
    data = gzip.compress(BODY)
    assert BODY.startswith(read("gzip", data[: len(data) // 2]))


@pytest.mark.parametrize("coding", ["gzip", "deflate, gzip"])
def test_cap_applies_after_decompression(coding: str) -> None:
    data = gzip.compress(b"\0" * 2**20)
    if coding == "deflate, gzip":
        data = gzip.compress(zlib.compress(b"\0" * 2**20))
    with pytest.raises(SourceTooLarge):
        read(coding, data, cap=64 * 1024, chunk=4096)


def test_cap_applies_to_raw_bytes_too() -> None:
    with pytest.raises(SourceTooLarge):
        read(None, b"x" * 1001, cap=1000)


def test_exactly_the_cap_is_allowed() -> None:
    assert read("gzip", gzip.compress(b"x" * 1000), cap=1000) == b"x" * 1000


def test_unknown_coding() -> None:
    with pytest.raises(SourceParseError, match="unsupported coding 'zstd'"):
        BodyReader("zstd", max_bytes=1000)
