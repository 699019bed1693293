"""`poll`: one check of one source, start to finish, as a value.

Contract:

- Expected failures (every `MonitorError`) come back in ``PollResult.error``
  with the validators passed in, unchanged, so a failed body is never marked
  as seen. Only bugs raise.
- A feed is fetched conditionally; a 304, or a 200 whose body hashes to
  ``validators.body_hash``, is ``not_modified`` with no posts and no parsing.
- A feed's ``posts`` are its items, in document order (newest first for almost
  every feed), less those whose bytes are unchanged since the poll that gave
  ``validators.cursor`` (`monitors.seenitems`): the caller stored those then.
  Without that cursor they are all its items. The caller drops the ones it has
  already stored, and must store the cursor with the other validators.
- A channel goes through `monitors.channel`: ``posts`` are the posts newer
  than the last seen one, newest first, found by paging back as far as
  needed (``truncated`` when a bound stopped it); ``edits`` are seen posts
  whose text changed. Its state lives in ``validators.cursor``, which the
  caller must store and pass back like the other validators; without it
  every poll is a first poll (the latest page, no edits).
- ``next_check_hint`` is the source's own wish, in seconds: the largest of
  Retry-After, ``Cache-Control: max-age`` and the feed's ``<ttl>``; the poll
  loop clamps it to its own bounds.

A `Monitor` is what the rest of the program holds to poll sources: the fetcher and the
base URL of public channel pages, built once in the composition root, so nothing above
`monitors` knows where channel pages live.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import structlog

from monitors.channel import poll_channel
from monitors.errors import MonitorError, SourceParseError, Throttled
from monitors.feed import parse_feed
from monitors.fetcher import Fetched, Fetcher, Validators
from monitors.seenitems import cut_items, seen_in

if TYPE_CHECKING:
    from monitors.locator import SourceRef
    from monitors.parsedfeed import ParsedFeed
    from monitors.post import Post

__all__ = ["Monitor", "PollResult", "Validators", "poll"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll found; see the module docstring.

    ``edits`` are already-seen channel posts whose text changed (each with
    ``edited=True``); ``truncated`` says paging back through a channel stopped
    at its bound before reaching the last seen post, so posts may be missing;
    ``problems`` are recoverable oddities worth a log line.
    """

    posts: tuple[Post, ...]
    validators: Validators
    not_modified: bool
    error: MonitorError | None
    next_check_hint: float | None
    title: str | None
    edits: tuple[Post, ...] = ()
    truncated: bool = False
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Monitor:
    """Polls sources through `fetcher`; channels at ``{telegram_web_url}/s/{name}``."""

    fetcher: Fetcher
    telegram_web_url: str = "https://t.me"

    async def poll(self, ref: SourceRef, validators: Validators) -> PollResult:
        """Check one source once; see the module docstring."""
        return await poll(self.fetcher, ref, validators, telegram_web_url=self.telegram_web_url)


async def poll(
    fetcher: Fetcher,
    ref: SourceRef,
    validators: Validators,
    *,
    telegram_web_url: str = "https://t.me",
) -> PollResult:
    """Check one source once; see the module docstring."""
    try:
        if ref.kind == "channel":
            return await _poll_channel(fetcher, ref, validators, telegram_web_url)
        return await _poll_feed(fetcher, ref, validators)
    except MonitorError as exc:
        # A value, not a log line: the caller records the failure on its source and logs it.
        retry_after = exc.retry_after if isinstance(exc, Throttled) else None
        return PollResult((), validators, False, exc, retry_after, None)


async def _poll_feed(fetcher: Fetcher, ref: SourceRef, validators: Validators) -> PollResult:
    fetched = await fetcher.fetch(ref.locator, validators)
    if fetched.body is None or fetched.validators.body_hash == validators.body_hash:
        return PollResult((), fetched.validators, True, None, _hint(fetched), None)
    # A big feed is milliseconds to seconds of CPU; keep the event loop answering.
    parsed, cursor = await asyncio.to_thread(_parse_unseen, fetched, validators.cursor)
    if parsed.problems:
        log.info("feed_problems", source=ref.locator, problems=list(parsed.problems))
    return PollResult(
        posts=parsed.posts,
        validators=replace(fetched.validators, cursor=cursor),
        not_modified=False,
        error=None,
        next_check_hint=_hint(fetched, parsed.ttl_seconds),
        title=parsed.title or None,
        problems=parsed.problems,
    )


async def _poll_channel(
    fetcher: Fetcher, ref: SourceRef, validators: Validators, telegram_web_url: str
) -> PollResult:
    found = await poll_channel(fetcher, ref.locator, validators, base_url=telegram_web_url)
    if found.problems:
        log.info("channel_problems", source=ref.locator, problems=list(found.problems))
    return PollResult(
        posts=found.posts,
        validators=found.validators,
        not_modified=found.not_modified,
        error=None,
        next_check_hint=None,
        title=found.title,
        edits=found.edits,
        truncated=found.truncated,
        problems=found.problems,
    )


def _parse_unseen(fetched: Fetched, cursor: str | None) -> tuple[ParsedFeed, str | None]:
    """The feed without the items ``cursor`` saw, when that parse is clean; and the cursor
    of this body's items."""
    body = fetched.body or b""
    items = cut_items(body, fetched.url)
    seen = seen_in(cursor)
    if items is not None and seen:
        unseen, kept = items.without(seen)
        try:
            parsed = parse_feed(unseen, url=fetched.url, content_type=fetched.content_type)
        except SourceParseError:
            pass
        else:
            if len(parsed.posts) == kept and not parsed.problems:
                return parsed, items.to_cursor()
    parsed = parse_feed(body, url=fetched.url, content_type=fetched.content_type)
    return parsed, items.to_cursor() if items is not None else None


def _hint(fetched: Fetched, ttl_seconds: int | None = None) -> float | None:
    wishes = [w for w in (fetched.retry_after, fetched.max_age, ttl_seconds) if w is not None]
    return float(max(wishes)) if wishes else None
