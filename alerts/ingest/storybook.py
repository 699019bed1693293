"""Stories in the database: which story each new post joins, kept across restarts.

A story is named by its first post's id (`posts.story_id`). `StoryWindow` decides
sameness in memory over the last 48 hours; at start, and after a transaction that
may have left it ahead of the database, the window is rebuilt from the stored posts
of that span, oldest first, so a restart groups new posts as a running process would.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import func, select

from alerts.store.models import Post
from alerts.stories.clues import clues
from alerts.stories.facts import FactReader
from alerts.stories.neardup import StoryItem, StoryWindow

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

log = structlog.get_logger(__name__)

KEY_PREFIX = "post:"
_DIGITS = re.compile(r"\d+")
REBUILD_BATCH = 1000


class StoryBook:
    def __init__(self, window: StoryWindow | None = None) -> None:
        self._window = window if window is not None else StoryWindow(facts=FactReader.load())

    def __len__(self) -> int:
        return len(self._window)

    async def rebuild(self, session: AsyncSession, now: datetime) -> None:
        window = StoryWindow(
            self._window.window, policy=self._window.policy, facts=self._window.facts
        )
        published = func.coalesce(Post.published_at, Post.first_seen_at)
        stream = await session.stream_scalars(
            select(Post)
            .where(Post.first_seen_at >= now - window.window)
            .order_by(published, Post.id)
            .execution_options(yield_per=REBUILD_BATCH)
        )
        items = [_item(post) async for post in stream]
        # Fingerprinting two days of posts is CPU work of seconds: done off the event loop,
        # so the bot keeps answering meanwhile.
        await asyncio.to_thread(_fill, window, items)
        self._window = window
        log.info("stories_rebuilt", posts=len(window))

    def assign(self, row: Post, now: datetime) -> int:
        """The story id for a stored post (flushed, so it has an id)."""
        self._window.expire(now)
        story = self._window.assign(_item(row))
        return int(story.removeprefix(KEY_PREFIX))

    def facts_changed(self, before: str, after: str) -> bool:
        """``after`` states a number or a place that ``before`` does not: a changed count,
        another place hit. (Without a fact reader, the digits alone are compared.)"""
        if self._window.facts is None:
            return not set(_DIGITS.findall(after)) <= set(_DIGITS.findall(before))
        old, new = (self._window.facts(text, clues(text).words) for text in (before, after))
        return not (new.numbers <= old.numbers and new.places <= old.places)


def _fill(window: StoryWindow, items: list[StoryItem]) -> None:
    for item in items:
        window.assign(item)


def _item(post: Post) -> StoryItem:
    text = f"{post.title}\n\n{post.text}" if post.title else post.text
    return StoryItem(
        key=f"{KEY_PREFIX}{post.id}",
        source=f"source:{post.source_id}",
        text=text,
        url=post.url,
        published_at=post.published_at or post.first_seen_at,
        forwarded_url=post.forwarded_url,
        reply_to_url=post.reply_to_url,
    )
