"""One poll result into the database: the source's health, new posts, and their alerts.

Everything for one source happens in the caller's transaction, so a post and the
outbox rows it causes are stored together or not at all: a crash between the two
can neither lose an alert nor alert twice.

Before the first new post is stored, the transaction takes the stories turn
(`StoryBook.catch_up`): on PostgreSQL, one process at a time stores posts and decides
their stories, having first learned the posts the others stored.

Order per new post: skip posts already stored (same source and external id) → store
the post → find its story → if the story gained a source, every alert of the story is
due for an edit (its revision goes up) → if the post is fresh (inside the alert
window), match it → one outbox row per chat that a rule hit and that has not yet been
alerted to this story. A post that alerts anyone gets its lemmas stored for /search
(`alerts.store.lemmas`); an edit of such a post renews them.

Updates are never silent. A post of a source already in its story joined it as that
source's update (a reply, an «Уточнение»: `alerts.stories`): the alerts that show the
source's earlier post now show the update, and are due for an edit. An edited post —
a channel's edit, or a feed item whose title or summary changed under the same guid
(found here: feeds do not say) — is stored with its new text, the alerts showing it
are due for an edit, and words the edit adds can alert chats not yet alerted. When an
update or an edit states a number or a place the sent alert did not (a casualty count
rose), each chat sent that alert also gets the update as a new alert, a reply to it
(`alerts.outbox.intake.queue_reply`; such an entry has no story, so it is not the one
alert per story a chat gets).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select

from alerts.ingest.health import record_failure, record_success
from alerts.outbox.intake import (
    Highlights,
    Recipient,
    SentAlert,
    alerted_chats,
    post_edited,
    queue_alerts,
    queue_reply,
    sent_showing,
    show_update,
    story_grew,
)
from alerts.sources import post_row
from alerts.store.lemmas import lemma_document
from alerts.store.models import Post, Source

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta

    from sqlalchemy.ext.asyncio import AsyncSession

    from alerts.ingest.rulebook import ChatHit, RuleBook
    from alerts.ingest.storybook import StoryBook
    from monitors.poll import PollResult
    from monitors.post import Post as FetchedPost

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    poll_interval: float
    alert_window: timedelta
    admins: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Recorded:
    new_posts: int
    alerts: int


async def record_poll(
    session: AsyncSession,
    source: Source,
    result: PollResult,
    *,
    rulebook: RuleBook,
    storybook: StoryBook,
    config: PipelineConfig,
    now: datetime,
    polled_at: datetime | None = None,
    due_at: datetime | None = None,
) -> Recorded:
    if result.error is not None:
        await record_failure(
            session,
            source,
            result.error,
            config.poll_interval,
            now,
            admins=config.admins,
            watchers=rulebook.chats_naming((source.key,)),
        )
        return Recorded(0, 0)
    recorder = _Recorder(session, source, rulebook, storybook, config, now)
    fresh, changed = await _unseen(session, source, result.posts)
    if fresh and await storybook.catch_up(session, now):
        # While this transaction waited for its turn another process may have stored some
        # of them (a lapsed lease): read again, now that no one else stores posts.
        fresh, changed = await _unseen(session, source, result.posts)
    reported = {edit.external_id for edit in result.edits}
    edits = [*result.edits, *(post for post in changed if post.external_id not in reported)]
    alerts = 0
    for post in fresh:
        alerts += await recorder.new_post(post)
    for edit in edits:
        alerts += await recorder.edited_post(edit)
    # After the posts, so the source's rate counts them.
    await record_success(
        session, source, result, config.poll_interval, now, polled_at=polled_at, due_at=due_at
    )
    if fresh or edits:
        log.info(
            "source_polled",
            source=source.id,
            new_posts=len(fresh),
            edits=len(edits),
            alerts=alerts,
        )
    return Recorded(len(fresh), alerts)


@dataclass(frozen=True, slots=True)
class _Recorder:
    """Stores one source's posts of one poll and queues their alerts."""

    session: AsyncSession
    source: Source
    rulebook: RuleBook
    storybook: StoryBook
    config: PipelineConfig
    now: datetime

    async def new_post(self, post: FetchedPost) -> int:
        row = post_row(self.source, post, seen_at=self.now, baseline=False)
        self.session.add(row)
        await self.session.flush()
        row.story_id = self.storybook.assign(row, self.now)
        if row.story_id != row.id:
            await self._story_grew(row)
        return await self._alert(row, post)

    async def _story_grew(self, row: Post) -> None:
        """Sent alerts of the story are edited: to name a new source, or to show the
        update of a source already in it instead of its earlier post."""
        story_id = row.story_id
        if story_id is None:
            return
        earlier = list(
            await self.session.scalars(
                select(Post.id).where(
                    Post.story_id == story_id,
                    Post.source_id == row.source_id,
                    Post.id != row.id,
                )
            )
        )
        if not earlier:
            await story_grew(self.session, story_id)
            return
        await self._tell_changes(row, await sent_showing(self.session, earlier, story_id=story_id))
        await show_update(self.session, story_id, earlier, row.id)

    async def _tell_changes(
        self, row: Post, sent: list[SentAlert], *, before: str | None = None
    ) -> None:
        """Chats sent an alert whose facts `row` changes get `row` as a reply to it;
        ``before`` is what the alert showed when it showed `row` itself, since edited."""
        after = _story_text(row)
        for alert in sent:
            shown_text = before if before is not None else _story_text(alert.shown)
            if self.storybook.facts_changed(shown_text, after):
                queue_reply(self.session, alert, row, self.now)

    async def edited_post(self, edit: FetchedPost) -> int:
        """An edited post keeps its identity; words added by the edit can still alert."""
        row = await self.session.scalar(
            select(Post).where(
                Post.source_id == self.source.id, Post.external_id == edit.external_id
            )
        )
        if row is None:
            return 0
        before = _story_text(row)
        row.title = edit.title
        row.text = edit.text
        row.edited_at = self.now
        if row.lemmas is not None:
            row.lemmas = lemma_document(edit.full_text, self.rulebook.morphology)
        if self.storybook.facts_changed(before, _story_text(row)):
            sent = await sent_showing(self.session, (row.id,))
            await self._tell_changes(row, sent, before=before)
        await post_edited(self.session, row.id)
        return await self._alert(row, edit)

    async def _alert(self, row: Post, post: FetchedPost) -> int:
        """Queue alerts for a stored post; chats already alerted about it are skipped."""
        if row.baseline or not _inside_window(row, self.now, self.config.alert_window):
            return 0
        text = post.full_text
        hits = self.rulebook.match(
            text, sources=(self.source.key,), first_seen_at=row.first_seen_at
        )
        if not hits:
            return 0
        already = await alerted_chats(self.session, row.story_id)
        fresh_hits = [hit for hit in hits if hit.chat_id not in already]
        if fresh_hits and row.lemmas is None:
            row.lemmas = lemma_document(text, self.rulebook.morphology)
        queue_alerts(self.session, row, [_recipient(text, hit) for hit in fresh_hits], self.now)
        return len(fresh_hits)


async def _unseen(
    session: AsyncSession, source: Source, posts: Sequence[FetchedPost]
) -> tuple[list[FetchedPost], list[FetchedPost]]:
    """Posts not stored yet, oldest first; and stored ones whose title or text changed."""
    ids = {post.external_id for post in posts}
    rows = await session.execute(
        select(Post.external_id, Post.title, Post.text).where(
            Post.source_id == source.id, Post.external_id.in_(ids)
        )
    )
    known = {external_id: (title, text) for external_id, title, text in rows}
    unseen: dict[str, FetchedPost] = {}
    changed: dict[str, FetchedPost] = {}
    for post in posts:
        stored = known.get(post.external_id)
        if stored is None:
            unseen.setdefault(post.external_id, post)
        elif stored != (post.title, post.text) and post.text + post.title:
            changed.setdefault(post.external_id, replace(post, edited=True))
    return _oldest_first(list(unseen.values())), list(changed.values())


def _oldest_first(newest_first: list[FetchedPost]) -> list[FetchedPost]:
    # Oldest first, so alerts from one poll arrive in the order they were published.
    # Sources list newest first; undated posts keep that order, reversed.
    ordered = newest_first[::-1]
    dated = [(post.published_at, post) for post in ordered if post.published_at is not None]
    if len(dated) == len(ordered):
        return [post for _, post in sorted(dated, key=lambda pair: pair[0])]
    return ordered


def _story_text(post: Post) -> str:
    return f"{post.title}\n\n{post.text}" if post.title else post.text


def _inside_window(post: Post, now: datetime, window: timedelta) -> bool:
    published = post.published_at or post.first_seen_at
    return now - published <= window


def _recipient(text: str, hit: ChatHit) -> Recipient:
    return Recipient(
        hit.chat_id,
        hit.rule_id,
        # The words as the post wrote them, to set in bold when rendering.
        Highlights(
            terms=tuple(sorted({text[start:end] for start, end in hit.hit.spans})),
            regions=hit.hit.regions,
            topics=hit.hit.topics,
        ),
    )
