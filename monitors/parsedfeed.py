"""`ParsedFeed`, what every feed parser returns, and the rules they share.

Shared rules: an item's identity is its own id, else its link, else
``sha256:`` of its title and text (`item_id`); links are kept only when they
are absolute http(s) URLs (`safe_link`), so a ``javascript:`` link in a feed
never reaches a rendered alert; dates become timezone-aware UTC (`as_utc`).

Bounds, so every field fits its column on SQLite and PostgreSQL alike: a link
longer than `MAX_LINK_CHARS` is dropped; an id longer than `MAX_ID_CHARS` is
replaced by ``sha256:`` of itself (still stable); a feed keeps its first
`MAX_POSTS_PER_FEED` items (the newest, in almost every feed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from monitors.post import Post

MAX_LINK_CHARS = 2048
MAX_ID_CHARS = 1024
MAX_POSTS_PER_FEED = 1000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's posts in document order, with what went wrong on the way.

    ``problems`` are sentences about recoverable trouble (wrong encoding,
    document cut short, duplicate ids); the posts are still good.
    ``ttl_seconds`` is the feed's own refresh hint (RSS ``<ttl>``), if any.
    """

    posts: tuple[Post, ...]
    title: str
    ttl_seconds: int | None
    problems: tuple[str, ...]


def item_id(own_id: str | None, link: str | None, title: str, text: str) -> str:
    """The identity of a feed item; see the module docstring."""
    if own_id and own_id.strip():
        return _fitting_id(own_id.strip())
    if link:
        return _fitting_id(link)
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
    return f"sha256:{digest}"


def _fitting_id(value: str) -> str:
    if len(value) <= MAX_ID_CHARS:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def safe_link(link: object, base: str) -> str | None:
    """``link`` made absolute against ``base``, or None unless it is http(s)."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        absolute = urljoin(base, link.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if len(absolute) > MAX_LINK_CHARS:
        return None
    return absolute


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive value is taken to be UTC already."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def unique_posts(posts: list[Post], problems: list[str]) -> tuple[Post, ...]:
    """Posts with the first of each ``external_id``; repeats noted in ``problems``."""
    seen: set[str] = set()
    kept: list[Post] = []
    for post in posts:
        if post.external_id in seen:
            continue
        seen.add(post.external_id)
        kept.append(post)
    if len(kept) < len(posts):
        problems.append(f"{len(posts) - len(kept)} items repeat an earlier item's id; skipped")
    return tuple(kept)


def first_items(items: list[T], problems: list[str]) -> list[T]:
    """The first `MAX_POSTS_PER_FEED` items, cut before any of their text is read."""
    if len(items) <= MAX_POSTS_PER_FEED:
        return items
    problems.append(f"{len(items)} items; the first {MAX_POSTS_PER_FEED} were read")
    return items[:MAX_POSTS_PER_FEED]
