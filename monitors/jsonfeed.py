"""`parse_json_feed`: JSON Feed 1.0 and 1.1 (https://jsonfeed.org) into posts.

Contract: the document must be an object whose ``version`` starts with
``https://jsonfeed.org/version/`` and whose ``items`` is a list, otherwise
`SourceParseError`. Items that are not objects are skipped and counted in
``problems``. Text is ``content_text``, else ``content_html`` as plain text,
else ``summary``; the date is ``date_published``, else ``date_modified``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from monitors.errors import SourceParseError
from monitors.parsedfeed import (
    ParsedFeed,
    as_utc,
    first_items,
    item_id,
    safe_link,
    unique_posts,
)
from monitors.plaintext import html_to_text, normalize_text
from monitors.post import Post

_VERSION_PREFIX = "https://jsonfeed.org/version/"


def parse_json_feed(body: bytes, *, url: str) -> ParsedFeed:
    """Parse a JSON Feed document; see the module docstring."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise SourceParseError(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        _VERSION_PREFIX
    ):
        raise SourceParseError("the body is JSON but not a JSON Feed")
    items = document.get("items")
    if not isinstance(items, list):
        raise SourceParseError("the JSON Feed has no list of items")
    base = safe_link(document.get("feed_url"), url) or url
    problems: list[str] = []
    objects = [item for item in items if isinstance(item, dict)]
    if len(objects) < len(items):
        problems.append(f"{len(items) - len(objects)} items are not JSON objects; skipped")
    posts = [_post(item, base) for item in first_items(objects, problems)]
    return ParsedFeed(
        posts=unique_posts(posts, problems),
        title=_text(document.get("title")),
        ttl_seconds=None,
        problems=tuple(problems),
    )


def _post(item: dict[str, Any], base: str) -> Post:
    title = _text(item.get("title"))
    if isinstance(item.get("content_text"), str):
        text = normalize_text(item["content_text"])
    elif isinstance(item.get("content_html"), str):
        text = html_to_text(item["content_html"])
    else:
        text = _text(item.get("summary"))
    link = safe_link(item.get("url"), base) or safe_link(item.get("external_url"), base)
    raw_id = item.get("id")
    own_id = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
    return Post(
        external_id=item_id(own_id, link, title, text),
        url=link,
        title=title,
        text=text,
        published_at=_date(item.get("date_published")) or _date(item.get("date_modified")),
    )


def _text(value: object) -> str:
    return normalize_text(value) if isinstance(value, str) else ""


def _date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None
