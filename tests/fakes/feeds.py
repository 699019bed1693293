"""Feed documents for tests: `rss` builds RSS 2.0, `json_feed` builds JSON Feed 1.1.

An item is ``(guid, title, link, description, pub_date)`` (an `Item`, a plain
tuple, or a mapping with those keys); any of them may be None, or missing from
a mapping, to leave the element out. ``pub_date`` is a timezone-aware datetime
(written as RFC 822) or a string written as given. Text is XML-escaped, so a
description may contain HTML as text, as real feeds do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, NamedTuple
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
    from collections.abc import Iterable


ItemLike = (
    tuple[str | None, str | None, str | None, str | None, datetime | str | None]
    | Mapping[str, object]
)


class Item(NamedTuple):
    guid: str | None
    title: str | None
    link: str | None
    description: str | None
    pub_date: datetime | str | None = None


def rss(
    items: Iterable[ItemLike],
    *,
    title: str = "Test feed",
    link: str = "https://news.example/",
    ttl: int | None = None,
) -> bytes:
    """An RSS 2.0 document with ``items`` in the order given."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>{escape(link)}</link>",
        "<description>Test feed</description>",
    ]
    if ttl is not None:
        parts.append(f"<ttl>{ttl}</ttl>")
    for raw in items:
        guid, item_title, item_link, description, pub_date = _item(raw)
        parts.append("<item>")
        if guid is not None:
            parts.append(f"<guid isPermaLink={quoteattr('false')}>{escape(guid)}</guid>")
        if item_title is not None:
            parts.append(f"<title>{escape(item_title)}</title>")
        if item_link is not None:
            parts.append(f"<link>{escape(item_link)}</link>")
        if description is not None:
            parts.append(f"<description>{escape(description)}</description>")
        if pub_date is not None:
            when = format_datetime(pub_date) if isinstance(pub_date, datetime) else pub_date
            parts.append(f"<pubDate>{escape(when)}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


def json_feed(items: Iterable[ItemLike], *, title: str = "Test feed") -> bytes:
    """A JSON Feed 1.1 document; ``description`` becomes ``content_html``."""
    documents = []
    for raw in items:
        guid, item_title, item_link, description, pub_date = _item(raw)
        document: dict[str, str] = {"id": guid or item_link or ""}
        if item_title is not None:
            document["title"] = item_title
        if item_link is not None:
            document["url"] = item_link
        if description is not None:
            document["content_html"] = description
        if pub_date is not None:
            document["date_published"] = (
                pub_date.isoformat() if isinstance(pub_date, datetime) else pub_date
            )
        documents.append(document)
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": documents}
    return json.dumps(feed, ensure_ascii=False).encode()


def _item(raw: ItemLike) -> Item:
    if isinstance(raw, tuple):
        return Item(*raw)
    fields = {name: raw.get(name) for name in Item._fields}
    unknown = set(raw) - set(Item._fields)
    if unknown:
        raise TypeError(f"unknown item fields: {sorted(unknown)}")
    return Item(**fields)  # type: ignore[arg-type]
