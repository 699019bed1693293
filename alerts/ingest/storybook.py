"""Stories in the database: which story each new post joins, kept across restarts and
shared by every process on one database.

A story is named by its first post's id (`posts.story_id`). `StoryWindow` decides
sameness in memory over the last 48 hours; before the first post is stored, and after
a transaction that may have left it ahead of the database, the window is rebuilt from
the stored posts of that span (first seen and published within it), oldest first, each
in the story stored for it.

Several processes on one PostgreSQL: before storing new posts a transaction calls
`catch_up`, which waits for the `alerts.store.locks.STORIES` turn (held to its commit)
and adds to the window, in their stored stories, the posts other processes stored since
this window last looked (read once before waiting, so the turn is held only while the
last few are read). Every writer of posts takes that turn, so post ids grow in
commit order and "posts after the highest id this window saw" is exactly what it
missed; the post it then stores is compared with every report of the event already
stored, and two processes never open two stories for one event. On SQLite one process
owns the database and `catch_up` does nothing.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import func, select

from alerts.store.locks import STORIES, take_turn
from alerts.store.models import Post
from alerts.stories.clues import clues
from alerts.stories.facts import FactReader, pair_openers
from alerts.stories.neardup import StoryItem, StoryWindow
from rules.gazetteer import Gazetteer
from rules.topics import Topics

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from rules.lexicon import Lexicon

log = structlog.get_logger(__name__)

KEY_PREFIX = "post:"
_DIGITS = re.compile(r"\d+")
REBUILD_BATCH = 1000


class StoryBook:
    def __init__(self, window: StoryWindow | None = None) -> None:
        self._window = window if window is not None else StoryWindow(facts=FactReader.load())
        # The highest post id the window has taken in or passed over: later posts are news.
        self._seen = 0

    @classmethod
    def sharing(cls, lexicon: Lexicon) -> StoryBook:
        """A story book that reads facts with the lexicon's tables (`facts_reader`)."""
        return cls(StoryWindow(facts=facts_reader(lexicon)))

    def __len__(self) -> int:
        return len(self._window)

    async def rebuild(self, session: AsyncSession, now: datetime) -> None:
        window = StoryWindow(
            self._window.window, policy=self._window.policy, facts=self._window.facts
        )
        started = time.perf_counter()
        # Posts stored after this read are left to `catch_up`.
        seen = await session.scalar(select(func.max(Post.id))) or 0
        published = func.coalesce(Post.published_at, Post.first_seen_at)
        since = now - window.window
        stream = await session.stream_scalars(
            select(Post)
            # Published before the window, a post would be forgotten by the window's
            # first `expire` (it goes by publication): a source's baseline is mostly
            # such posts, and fingerprinting them was most of a rebuild's time.
            .where(Post.first_seen_at >= since, published >= since, Post.id <= seen)
            .order_by(published, Post.id)
            .execution_options(yield_per=REBUILD_BATCH)
        )
        posts = [(_item(post), post.story_id) async for post in stream]
        # Fingerprinting two days of posts is CPU work of seconds: done off the event loop,
        # so the bot keeps answering meanwhile.
        await asyncio.to_thread(_fill, window, posts)
        self._window, self._seen = window, seen
        log.info(
            "stories_rebuilt",
            posts=len(window),
            seconds=round(time.perf_counter() - started, 2),
        )

    async def catch_up(self, session: AsyncSession, now: datetime) -> bool:
        """Take the stories turn for this transaction and learn the posts other processes
        stored meanwhile. True when others may have stored posts (PostgreSQL): then what
        the caller read before the turn may be out of date."""
        if session.get_bind().dialect.name != "postgresql":
            return False
        # What others stored is learned first without the turn (committed posts only, so
        # none is skipped): the turn is then held only for what they stored meanwhile.
        await self._learn(session, now)
        await take_turn(session, STORIES)
        await self._learn(session, now)
        return True

    async def _learn(self, session: AsyncSession, now: datetime) -> None:
        # Usually a handful of rows: one plain query, no server-side cursor's round trips.
        # (After a long idle spell, at most the window's posts, as at a rebuild.)
        learned = await session.scalars(
            select(Post)
            .where(Post.id > self._seen, Post.first_seen_at >= now - self._window.window)
            .order_by(Post.id)
        )
        for post in learned:
            self._window.remember(_item(post), _story_key(post.story_id or post.id))
            self._seen = max(self._seen, post.id)

    def assign(self, row: Post, now: datetime) -> int:
        """The story id for a stored post (flushed, so it has an id)."""
        self._window.expire(now)
        story = self._window.assign(_item(row))
        self._seen = max(self._seen, row.id)
        return int(story.removeprefix(KEY_PREFIX))

    def facts_changed(self, before: str, after: str) -> bool:
        """``after`` states a number or a place that ``before`` does not: a changed count,
        another place hit. (Without a fact reader, the digits alone are compared.)"""
        if self._window.facts is None:
            return not set(_DIGITS.findall(after)) <= set(_DIGITS.findall(before))
        old, new = (self._window.facts(text, clues(text).words) for text in (before, after))
        return not (new.numbers <= old.numbers and new.places <= old.places)


def _fill(window: StoryWindow, posts: list[tuple[StoryItem, int | None]]) -> None:
    for item, story_id in posts:
        if story_id is None:
            window.assign(item)
        else:
            window.remember(item, _story_key(story_id))


def _story_key(story_id: int) -> str:
    return f"{KEY_PREFIX}{story_id}"


def facts_reader(lexicon: Lexicon) -> FactReader:
    """A `FactReader` on the lexicon's gazetteer and topics, the packaged ones that
    `FactReader.load` would load again: a second gazetteer is ~15 MB of a poller's memory."""
    gazetteer, topics = lexicon.gazetteer, lexicon.topics
    if not isinstance(gazetteer, Gazetteer) or not isinstance(topics, Topics):
        return FactReader.load()  # a lexicon of stand-ins (tests)
    return FactReader(gazetteer.region_of, topics, pair_openers(gazetteer))


def _item(post: Post) -> StoryItem:
    text = f"{post.title}\n\n{post.text}" if post.title else post.text
    return StoryItem(
        key=_story_key(post.id),
        source=f"source:{post.source_id}",
        text=text,
        url=post.url,
        published_at=post.published_at or post.first_seen_at,
        forwarded_url=post.forwarded_url,
        reply_to_url=post.reply_to_url,
    )
