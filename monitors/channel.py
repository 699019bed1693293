"""`poll_channel`: new and edited posts of a public channel, without gaps.

Contract:

- The preview ``{base_url}/s/{name}`` shows the latest ~20 posts. The first
  poll of a channel (no cursor) returns those posts as they are.
- Later polls know the last seen post id (kept in ``Validators.cursor``) and
  page back with ``?before=`` until the pages reach it, fetching at most
  ``max_pages`` pages; when the bound (or an empty page) stops the paging
  first, the result says ``truncated``: posts in between may be missing.
- ``posts`` are the posts newer than the last seen id, newest first.
- ``edits`` are seen posts still on the fetched pages whose text, or link
  preview, changed since the poll that saw them (``edited=True``). The cursor
  keeps a short digest of the most recent posts' text for this.
- The cursor is an opaque JSON string owned by this module; a missing or
  unreadable cursor means "first poll".
- A page over `MAX_PAGE_BYTES` (a real one is ~150 KB) is `SourceTooLarge`
  before it is parsed; a page is read to at most
  `monitors.channelpage.MAX_POSTS_PER_PAGE` posts.
- A 304, or a first page whose body hash equals ``validators.body_hash``,
  is ``not_modified``. Failures raise `MonitorError`; `monitors.poll`
  turns them into values.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import structlog

from monitors.channelpage import ChannelPage, parse_channel_page
from monitors.errors import SourceTooLarge, SourceUnavailable, Throttled
from monitors.fetcher import Validators

if TYPE_CHECKING:
    from monitors.fetcher import Fetcher
    from monitors.post import Post

log = structlog.get_logger(__name__)

MAX_PAGES = 5
MAX_PAGE_BYTES = 2 * 2**20
_DIGESTS_KEPT = 60


@dataclass(frozen=True, slots=True)
class ChannelPoll:
    """What one channel poll found; see the module docstring."""

    posts: tuple[Post, ...]
    edits: tuple[Post, ...]
    validators: Validators
    title: str | None
    truncated: bool
    not_modified: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Cursor:
    last_id: int | None
    digests: dict[int, str]

    @classmethod
    def load(cls, text: str | None) -> _Cursor:
        try:
            data = json.loads(text) if text else {}
            digests = {int(k): str(v) for k, v in data.get("digests", {}).items()}
            last = data.get("last")
            return cls(int(last) if last is not None else None, digests)
        except (ValueError, TypeError, AttributeError):
            return cls(None, {})

    def dump(self) -> str:
        kept = sorted(self.digests, reverse=True)[:_DIGESTS_KEPT]
        digests = {str(k): self.digests[k] for k in sorted(kept)}
        return json.dumps({"v": 1, "last": self.last_id, "digests": digests}, separators=(",", ":"))


async def poll_channel(
    fetcher: Fetcher,
    name: str,
    validators: Validators,
    *,
    base_url: str,
    max_pages: int = MAX_PAGES,
) -> ChannelPoll:
    """Poll one channel; see the module docstring."""
    cursor = _Cursor.load(validators.cursor)
    url = f"{base_url.rstrip('/')}/s/{name}"
    fetched = await fetcher.fetch(url, validators)
    if fetched.body is None or fetched.validators.body_hash == validators.body_hash:
        return ChannelPoll((), (), fetched.validators, None, False, True)
    first = await _preview(fetched.body, fetched.url, name=name, base_url=base_url)
    pages, truncated = await _page_back(
        fetcher, first, url=url, name=name, base_url=base_url, cursor=cursor, max_pages=max_pages
    )
    by_id = {int(post.external_id): post for page in pages for post in page.posts}
    last = cursor.last_id
    new = [by_id[i] for i in sorted(by_id, reverse=True) if last is None or i > last]
    edits = [
        replace(by_id[i], edited=True)
        for i in sorted(by_id, reverse=True)
        if last is not None and i <= last and cursor.digests.get(i) not in (None, _digest(by_id[i]))
    ]
    seen = max([*by_id, *([last] if last is not None else [])], default=None)
    digests = {**cursor.digests, **{i: _digest(post) for i, post in by_id.items()}}
    if truncated:
        log.warning("channel_gap", channel=name, last_seen=last, pages=len(pages))
    return ChannelPoll(
        posts=tuple(new),
        edits=tuple(edits),
        validators=replace(fetched.validators, cursor=_Cursor(seen, digests).dump()),
        title=first.title,
        truncated=truncated,
        not_modified=False,
        problems=tuple(problem for page in pages for problem in page.problems),
    )


async def _page_back(
    fetcher: Fetcher,
    page: ChannelPage,
    *,
    url: str,
    name: str,
    base_url: str,
    cursor: _Cursor,
    max_pages: int,
) -> tuple[list[ChannelPage], bool]:
    """Pages from ``page`` back to the last seen post; and whether a bound cut it short."""
    pages = [page]
    if cursor.last_id is None:
        return pages, False
    while page.before is not None and page.before > cursor.last_id + 1:
        if len(pages) >= max_pages:
            return pages, True
        fetched = await fetcher.fetch(f"{url}?before={page.before}", Validators())
        try:
            page = await _preview(fetched.body or b"", fetched.url, name=name, base_url=base_url)
        except Throttled:
            # Empty before reaching the last seen post: throttled, or the posts
            # in between were deleted. Either way, say that some may be missing.
            return pages, True
        pages.append(page)
    return pages, False


async def _preview(body: bytes, final_url: str, *, name: str, base_url: str) -> ChannelPage:
    """The parsed preview page; t.me answers ``/s/name`` without one by redirecting."""
    if len(body) > MAX_PAGE_BYTES:
        raise SourceTooLarge(f"the page of @{name} is {len(body) // 1024} KiB, over the cap")
    page = await asyncio.to_thread(parse_channel_page, body, name=name, base_url=base_url)
    if not urlsplit(final_url).path.startswith("/s/"):
        raise SourceUnavailable(f"@{name} has no public web preview (t.me sent us to its page)")
    return page


def _digest(post: Post) -> str:
    return hashlib.sha256(post.full_text.encode()).hexdigest()[:16]
