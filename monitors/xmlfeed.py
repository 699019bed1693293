"""`parse_xml_feed`: RSS 0.9x/1.0/2.0 and Atom into posts, safely and leniently.

feedparser does the format work, but ``feedparser.parse`` is not used: on any
XML error it falls back to its loose parser, which expands the entities the
document declares (a 120 KB quadratic-blowup feed became 1.2 GiB). Instead:

1. Bytes become UTF-8 with feedparser's converter, steered by our own choice
   of charset (`_charset_hint`): a BOM, else valid UTF-8, else the XML
   declaration (written by whatever encoded the bytes), else the HTTP
   charset, else a guess between windows-1251 and windows-1252.
2. feedparser's strict handler runs on defusedxml's expat reader, which
   refuses entity declarations and external DTDs. On refusal the DOCTYPE is
   stripped and the strict parse runs once more; after a refused entity
   declaration the loose parser is never used.
3. On a plain XML error (a document cut short, a stray ``&``), the entries
   parsed so far are kept, and the loose parser also gets a try on the
   document without its DOCTYPE and with no entities; it wins unless it
   found fewer entries (the strict parse's last entry is cut short anyway).
   The error goes into ``problems``.
4. Nothing recognisable as a feed (no version, title or entries) raises
   `SourceParseError`; so does anything feedparser itself trips over.
"""

from __future__ import annotations

import html
import io
import re
import xml.sax
from datetime import UTC, datetime
from functools import partial
from typing import Any

import feedparser.api
import feedparser.encodings
from defusedxml import DefusedXmlException, EntitiesForbidden, expatreader

from monitors.errors import SourceParseError
from monitors.parsedfeed import ParsedFeed, first_items, item_id, safe_link, unique_posts
from monitors.plaintext import html_to_text, normalize_text
from monitors.post import Post

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*['\"]([A-Za-z0-9._-]+)['\"]")
_HTTP_CHARSET = re.compile(r"charset\s*=\s*['\"]?([A-Za-z0-9._-]+)", re.IGNORECASE)
_DOCTYPE = re.compile(
    rb"<!DOCTYPE(?:[^\[>\"']|\"[^\"]*\"|'[^']*'|\[(?:[^\]\"']|\"[^\"]*\"|'[^']*')*\])*>"
)
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")
_CYRILLIC_HIGH = 0xC0


def parse_xml_feed(body: bytes, *, url: str, content_type: str | None) -> ParsedFeed:
    """Parse an RSS or Atom document; see the module docstring."""
    problems: list[str] = []
    charset = _charset_hint(body, content_type, problems)
    media_type = "application/xml" + (f"; charset={charset}" if charset else "")
    result: dict[str, Any] = {"bozo": False}
    try:
        data: bytes = feedparser.encodings.convert_to_utf8(
            {"content-type": media_type}, body, result
        )
    except (UnicodeError, LookupError) as exc:  # a mangled encoding declaration
        raise SourceParseError(f"the feed's encoding declaration is unreadable: {exc}") from exc
    if result.get("bozo_exception") is not None:
        problems.append(f"encoding: {result['bozo_exception']}")
    if not result.get("encoding"):
        raise SourceParseError("the feed's character encoding cannot be determined")
    declares_entities = False
    try:
        handler, error = _strict(data)
    except DefusedXmlException as exc:
        declares_entities = isinstance(exc, EntitiesForbidden)
        problems.append(
            "the document declares XML entities; its DOCTYPE was ignored"
            if declares_entities
            else "the document refers to an external DTD; it was ignored"
        )
        data = _strip_doctype(data)
        try:
            handler, error = _strict(data)
        except DefusedXmlException as again:
            raise SourceParseError("the feed declares XML entities, which are refused") from again
    if error is not None:
        problems.append(f"the document is malformed: {error}")
        if not declares_entities:
            handler = _better_of(handler, _loose(_strip_doctype(data)))
    return _result(handler, url, problems)


def _charset_hint(body: bytes, content_type: str | None, problems: list[str]) -> str | None:
    """The charset to try first, or None to let the XML declaration or BOM decide."""
    if body.startswith(_BOMS) or _XML_ENCODING.match(body):
        return None
    if b"\x00" not in body[:4]:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8"
    match = _HTTP_CHARSET.search(content_type or "")
    if match:
        return match.group(1)
    guess = _guess_single_byte(body)
    problems.append(f"encoding: none declared and not UTF-8; read as {guess}")
    return guess


def _guess_single_byte(body: bytes) -> str:
    """windows-1251 when high bytes come in runs (Cyrillic words), else windows-1252.

    Latin-1 text has an accented letter here and there between ASCII letters;
    Cyrillic in windows-1251 is whole words of bytes from 0xC0 up.
    """
    high = paired = 0
    for index in range(1, min(len(body), 65536)):
        if body[index] >= _CYRILLIC_HIGH:
            high += 1
            if body[index - 1] >= _CYRILLIC_HIGH:
                paired += 1
    return "windows-1251" if high and paired * 2 > high else "windows-1252"


def _strip_doctype(data: bytes) -> bytes:
    """``data`` without a DOCTYPE that precedes the root element."""
    match = _DOCTYPE.search(data)
    if match is None or _ELEMENT_START.search(data, 0, match.start()):
        return data
    return data[: match.start()] + data[match.end() :]


def _strict(data: bytes) -> tuple[Any, str | None]:
    """feedparser's strict handler run by defused expat; the handler and any XML error."""
    handler = _configured(feedparser.api.StrictFeedParser("", None, "utf-8"))
    reader = expatreader.create_parser()
    reader.setFeature(xml.sax.handler.feature_namespaces, 1)
    reader.setFeature(xml.sax.handler.feature_external_ges, 0)
    reader.setContentHandler(handler)
    reader.setErrorHandler(handler)
    source = xml.sax.xmlreader.InputSource()
    source.setByteStream(io.BytesIO(data))
    try:
        reader.parse(source)
    except xml.sax.SAXException as exc:
        return handler, str(exc)
    except DefusedXmlException:
        raise  # a ValueError, and the caller's to handle
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        # feedparser's own handlers tripping over a shape they do not expect.
        raise SourceParseError(f"the feed cannot be read: {exc}") from exc
    return handler, None


def _loose(data: bytes) -> Any:
    handler = _configured(feedparser.api.LooseFeedParser("", None, "utf-8", {}))
    try:
        handler.feed(data.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 -- feedparser's sgml parser raises all sorts on garbage; it is only a second opinion here
        return None
    return handler


def _configured(handler: Any) -> Any:
    handler.resolve_relative_uris = False
    handler.sanitize_html = False  # html_to_text drops scripts and markup itself
    # An image's width and height are never shown, and feedparser's own reading of
    # them fails on a <width> it did not see open (one inside an item's text): the
    # element is only taken off its stack.
    handler._end_width = partial(handler.pop, "width")
    handler._end_height = partial(handler.pop, "height")
    return handler


def _better_of(strict: Any, loose: Any) -> Any:
    if loose is not None and len(loose.entries) >= len(strict.entries):
        return loose
    return strict


def _result(handler: Any, url: str, problems: list[str]) -> ParsedFeed:
    feed = handler.feeddata
    if not (handler.version or handler.entries or _field(feed, "title")):
        raise SourceParseError("the document is not an RSS or Atom feed")
    try:
        posts = [_post(entry, url) for entry in first_items(handler.entries, problems)]
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise SourceParseError(f"the feed's items cannot be read: {exc}") from exc
    return ParsedFeed(
        posts=unique_posts(posts, problems),
        title=_field_text(feed, "title"),
        ttl_seconds=_ttl(_field(feed, "ttl")),
        problems=tuple(problems),
    )


def _post(entry: Any, base: str) -> Post:
    title = _field_text(entry, "title")
    text = _body_text(entry)
    link = safe_link(_field(entry, "link"), base)
    if _field(entry, "guidislink") and link is not None and link != _field(entry, "link"):
        link = None  # a guid that is not a URL, taken as the link by feedparser
    own_id = _field(entry, "id") if isinstance(_field(entry, "id"), str) else None
    return Post(
        external_id=item_id(own_id, link, title, text),
        url=link,
        title=title,
        text=text,
        published_at=_published(entry),
    )


def _field_text(element: Any, name: str) -> str:
    value = _field(element, name)
    if not isinstance(value, str):
        return ""
    detail = _field(element, f"{name}_detail") or {}
    return _as_text(value, _field(detail, "type"))


def _body_text(entry: Any) -> str:
    """Full content when the entry has it, else the summary."""
    contents = [c for c in _field(entry, "content") or [] if isinstance(_field(c, "value"), str)]
    if contents:
        best = max(contents, key=lambda c: len(c["value"]))
        return _as_text(_field(best, "value"), _field(best, "type"))
    return _field_text(entry, "summary")


def _as_text(value: str, media_type: object) -> str:
    if media_type in ("text/plain", "text"):
        # Plain text is kept as is, except entities escaped twice by the
        # feed's generator ("Tom &amp;amp; Jerry"), which no one means literally.
        return normalize_text(html.unescape(value))
    return html_to_text(value)


def _published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = _field(entry, key)
        if parsed is None:
            continue
        try:
            year, month, day, hour, minute, second = parsed[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except (TypeError, ValueError, OverflowError):
            continue
    return None


def _field(mapping: Any, key: str) -> Any:
    """A raw value: FeedParserDict.get maps some keys to others, with warnings."""
    return dict.get(mapping, key) if isinstance(mapping, dict) else None


def _ttl(value: object) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        minutes = int(value.strip())
        return minutes * 60 if 0 < minutes <= 7 * 24 * 60 else None
    return None
