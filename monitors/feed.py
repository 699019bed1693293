"""`parse_feed`: any supported feed document into a `ParsedFeed`.

Contract: JSON Feed when the content type says JSON or the body starts with
``{``; otherwise RSS or Atom (`monitors.xmlfeed`, which explains its safety
rules). Recoverable trouble is listed in ``ParsedFeed.problems``; a document
that yields no feed at all raises `SourceParseError`. No other exception
escapes for any input bytes: that is a bug, and a property test hunts for it.
Parsing is CPU work; callers on an event loop run it in a thread.
"""

from __future__ import annotations

from monitors.jsonfeed import parse_json_feed
from monitors.parsedfeed import ParsedFeed
from monitors.xmlfeed import parse_xml_feed

__all__ = ["ParsedFeed", "parse_feed"]


def parse_feed(body: bytes, *, url: str, content_type: str | None) -> ParsedFeed:
    """Parse a feed document; see the module docstring."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type.endswith("json") or body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return parse_json_feed(body, url=url)
    return parse_xml_feed(body, url=url, content_type=content_type)
