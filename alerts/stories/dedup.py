"""`dedup`: the pure core of ``lookout dedup`` — posts in, ``{"id", "story"}`` out.

Contract:

- Each input post is a mapping with ``id`` (a string or an integer), ``source``
  (string), ``text`` (string), ``url`` (string or null) and ``published_at`` (ISO 8601
  with a timezone, e.g. ``2025-03-10T04:41:00Z``); ``forwarded_url`` and
  ``reply_to_url`` (the ``t.me`` link of the post it replies to in its own channel),
  strings or null, are optional. Other keys are ignored. Two spellings of one
  source (``@Kursk_Gov``, ``https://t.me/s/kursk_gov``) are one source: they are
  compared by their key (`rules.source.source_key`), as stored sources are.
- For each post, in input order, it yields ``{"id": <the post's id>, "story": <the id of
  the first post of its story>}``. Posts are clustered by a `StoryWindow` over the
  last 48 hours of publication time (reading facts with the packaged gazetteer and
  topics unless a window is given); input in publication order gives the intended
  stories (a late post is still compared with everything within 48 hours of it).
- Ids need not be unique (two channels may both have post 539): each input line is
  its own item, and ``story`` names the id of the first line of the story.
- A malformed post raises ``ValueError`` naming its position (1-based) and id when it
  has one; posts before it have already been yielded. It is lazy: one post in, one
  answer out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from alerts.stories.facts import FactReader
from alerts.stories.neardup import StoryItem, StoryWindow
from rules.source import source_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

_REQUIRED = ("id", "source", "text", "url", "published_at")
_PRUNE_EVERY = 1024


def dedup(
    posts: Iterable[Mapping[str, Any]], *, window: StoryWindow | None = None
) -> Iterator[dict[str, Any]]:
    """``{"id", "story"}`` per post; see the module docstring."""
    window = window if window is not None else StoryWindow(facts=FactReader.load())
    # Story key -> (id of its first post, publication time of its latest post).
    stories: dict[str, tuple[Any, datetime]] = {}
    latest: datetime | None = None
    for position, post in enumerate(posts, start=1):
        item = _item(position, post)
        if latest is None or item.published_at > latest:
            latest = item.published_at
            window.expire(latest)
        story = window.assign(item)
        known = stories.get(story)
        first_id = post["id"] if known is None else known[0]
        last_seen = item.published_at if known is None else max(known[1], item.published_at)
        stories[story] = (first_id, last_seen)
        if position % _PRUNE_EVERY == 0:
            # A story none of whose posts is left in the window can never be named again.
            cutoff = latest - window.window
            stories = {key: value for key, value in stories.items() if value[1] >= cutoff}
        yield {"id": post["id"], "story": first_id}


def _item(position: int, post: Mapping[str, Any]) -> StoryItem:
    where = f"post {position}"
    if not isinstance(post, Mapping):
        raise ValueError(f"{where}: expected a JSON object, got {type(post).__name__}")
    post_id = post.get("id")
    if isinstance(post_id, str | int) and not isinstance(post_id, bool):
        where += f" (id {post_id!r})"
    else:
        raise ValueError(f"{where}: 'id' must be a string or an integer")
    missing = [name for name in _REQUIRED if name not in post]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(map(repr, missing))}")
    for name, nullable in (("source", False), ("text", False), ("url", True)):
        _check_string(where, name, post[name], nullable=nullable)
    for name in ("forwarded_url", "reply_to_url"):
        _check_string(where, name, post.get(name), nullable=True)
    return StoryItem(
        key=str(position),
        source=source_key(post["source"]) or post["source"],
        text=post["text"],
        url=post["url"],
        published_at=_published_at(where, post["published_at"]),
        forwarded_url=post.get("forwarded_url"),
        reply_to_url=post.get("reply_to_url"),
    )


def _check_string(where: str, name: str, value: object, *, nullable: bool) -> None:
    if isinstance(value, str) or (nullable and value is None):
        return
    kind = "a string or null" if nullable else "a string"
    raise ValueError(f"{where}: {name!r} must be {kind}, got {type(value).__name__}")


def _published_at(where: str, value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{where}: 'published_at' must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where}: 'published_at' is not an ISO 8601 date: {value!r}") from None
    if parsed.utcoffset() is None:
        raise ValueError(f"{where}: 'published_at' has no timezone: {value!r}")
    return parsed.astimezone(UTC)
