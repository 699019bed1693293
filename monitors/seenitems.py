"""Items a feed showed before: a changed feed is parsed without the ones already seen.

A changed feed mostly shows the same dozens of items plus one, or the same items under a
new ``lastBuildDate``, and parsing is ~15 ms for a real feed of 50 KB, nearly all of it in
the items. So a poll parses only the items whose bytes it has not seen.

Contract:

- `cut_items` finds the spans of a body's ``<item>…</item>`` (RSS) or ``<entry>…</entry>``
  (Atom) elements, whichever comes first, and a digest of each: of its bytes, of the
  final URL, of the XML declaration and of the root element's start tag (the encoding
  and the namespaces they declare change what the same bytes mean). A body
  whose spans are not plainly one after another (one opens inside another, one is not
  closed), or that has more than `MAX_POSTS_PER_FEED` of them, has no spans: it is parsed
  whole, every time.
- The digests travel in ``Validators.cursor`` (`to_cursor`, `seen_in`), which the caller
  stores with the other validators once the poll is recorded: a poll whose recording
  failed leaves the old cursor, and its items are parsed again next time.
- `FeedItems.without` is the body with the seen spans cut out. The caller must check that
  parsing it found exactly the items kept, with no problem, and parse the whole body if
  not (a span boundary inside CDATA or a comment, a repeated id).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from monitors.parsedfeed import MAX_POSTS_PER_FEED

CURSOR_PREFIX = "items:"
DIGEST_BYTES = 8
"""Of one item: a 64-bit digest collides about once in 4e9 pairs of one feed's items; a
collision would leave a new item unparsed, so items are also keyed by their feed."""
_STARTS = {b"item": re.compile(rb"<item[\s>]"), b"entry": re.compile(rb"<entry[\s>]")}
_ANY_START = re.compile(rb"<(item|entry)[\s>]")
_ROOT = re.compile(rb"<[A-Za-z_]")


@dataclass(frozen=True, slots=True)
class FeedItems:
    body: bytes
    spans: tuple[tuple[int, int], ...]
    digests: tuple[bytes, ...]

    def without(self, seen: frozenset[bytes]) -> tuple[bytes, int]:
        """The body without the items in ``seen``, and how many items it keeps."""
        pieces: list[bytes] = []
        kept = 0
        position = 0
        for (start, end), digest in zip(self.spans, self.digests, strict=True):
            if digest in seen:
                pieces.append(self.body[position:start])
                position = end
            else:
                kept += 1
        pieces.append(self.body[position:])
        return b"".join(pieces), kept

    def to_cursor(self) -> str:
        return CURSOR_PREFIX + base64.b64encode(b"".join(self.digests)).decode("ascii")


def seen_in(cursor: str | None) -> frozenset[bytes]:
    """The digests a cursor of `to_cursor` holds; none for any other cursor."""
    if cursor is None or not cursor.startswith(CURSOR_PREFIX):
        return frozenset()
    try:
        packed = base64.b64decode(cursor[len(CURSOR_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return frozenset()
    return frozenset(
        packed[at : at + DIGEST_BYTES]
        for at in range(0, len(packed) - DIGEST_BYTES + 1, DIGEST_BYTES)
    )


def cut_items(body: bytes, url: str) -> FeedItems | None:
    """The body's item spans and their digests; see the module docstring."""
    first = _ANY_START.search(body)
    root = _ROOT.search(body)
    if first is None or root is None:
        return None
    start_of = _STARTS[first.group(1)]
    close = b"</" + first.group(1) + b">"
    spans: list[tuple[int, int]] = []
    position = first.start()
    while (opened := start_of.search(body, position)) is not None:
        end = body.find(close, opened.end())
        if end < 0 or start_of.search(body, opened.end(), end) is not None:
            return None
        position = end + len(close)
        spans.append((opened.start(), position))
        if len(spans) > MAX_POSTS_PER_FEED:
            return None
    declaration = body[: body.find(b"?>") + 2] if body.startswith(b"<?xml") else b""
    root_tag = body[root.start() : body.find(b">", root.end()) + 1]
    frame = hashlib.blake2b(
        b"\n".join((url.encode("utf-8", "surrogatepass"), declaration, root_tag)),
        digest_size=16,
    ).digest()
    digests = tuple(
        hashlib.blake2b(body[start:end], digest_size=DIGEST_BYTES, key=frame).digest()
        for start, end in spans
    )
    return FeedItems(body, tuple(spans), digests)
