"""What ingest puts in the outbox: alerts of a post, replies with changed facts, revisions.

Contract, all inside the caller's transaction (the one that stores the post):

- `queue_alerts` writes one pending entry per `Recipient` for a stored post of a story.
  The outbox is unique per chat and story; `alerted_chats` names the chats a story
  has reached already, so the caller leaves them out.
- `sent_showing` finds the sent alerts that show some posts; `queue_reply` answers one of
  them with a newer post as a new alert, a reply to its message. Such an entry has no
  story: it is not the one alert per story a chat gets.
- A sent alert whose story or post changed is due for an edit: its revision goes up
  (`story_grew`, `post_edited`), and `alerts.outbox.edits` sends the edit.
  `show_update` also points the alerts that showed a source's earlier post at its update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from alerts.store.models import OutboxEntry, OutboxState, Post

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Highlights:
    """What an alert sets in bold: the words as the post wrote them, regions, topics."""

    terms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Recipient:
    """A chat a post alerts, through which of its rules, with what to highlight."""

    chat_id: int
    rule_id: int
    highlights: Highlights


@dataclass(frozen=True, slots=True)
class SentAlert:
    """A sent alert as a reply needs it: where it went, what it showed, why it matched."""

    chat_id: int
    rule_id: int | None
    message_id: int
    highlights: dict[str, Any] | None
    shown: Post


async def alerted_chats(session: AsyncSession, story_id: int | None) -> set[int]:
    """Chats that have an entry of this story, in any state."""
    return set(
        await session.scalars(select(OutboxEntry.chat_id).where(OutboxEntry.story_id == story_id))
    )


def queue_alerts(
    session: AsyncSession, post: Post, recipients: Sequence[Recipient], now: datetime
) -> None:
    """One pending alert of `post` (already flushed: it has an id) per recipient."""
    session.add_all(
        OutboxEntry(
            chat_id=recipient.chat_id,
            post_id=post.id,
            story_id=post.story_id,
            rule_id=recipient.rule_id,
            created_at=now,
            next_attempt_at=now,
            highlights=_stored(recipient.highlights),
        )
        for recipient in recipients
    )


async def sent_showing(
    session: AsyncSession, post_ids: Collection[int], *, story_id: int | None = None
) -> list[SentAlert]:
    """Sent alerts whose message shows one of `post_ids` (of `story_id`, if given)."""
    query = (
        select(OutboxEntry, Post)
        .join(Post, Post.id == OutboxEntry.post_id)
        .where(
            OutboxEntry.state == OutboxState.SENT,
            OutboxEntry.message_id.is_not(None),
            OutboxEntry.post_id.in_(post_ids),
        )
    )
    if story_id is not None:
        query = query.where(OutboxEntry.story_id == story_id)
    return [
        SentAlert(entry.chat_id, entry.rule_id, entry.message_id, entry.highlights, post)
        for entry, post in await session.execute(query)
        if entry.message_id is not None
    ]


def queue_reply(session: AsyncSession, sent: SentAlert, post: Post, now: datetime) -> None:
    """`post` changed the facts of `sent`: the chat gets it as a reply to that message."""
    session.add(
        OutboxEntry(
            chat_id=sent.chat_id,
            post_id=post.id,
            rule_id=sent.rule_id,
            created_at=now,
            next_attempt_at=now,
            highlights=sent.highlights,
            reply_to_message=sent.message_id,
        )
    )


async def story_grew(session: AsyncSession, story_id: int) -> None:
    """Another source joined the story: every alert of it is due for an edit."""
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.story_id == story_id)
        .values(revision=OutboxEntry.revision + 1)
    )


async def show_update(
    session: AsyncSession, story_id: int, earlier: Collection[int], update_id: int
) -> None:
    """A source updated its report: alerts of the story that showed one of its `earlier`
    posts now show the update `update_id`, and are due for an edit."""
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.story_id == story_id, OutboxEntry.post_id.in_(earlier))
        .values(post_id=update_id, revision=OutboxEntry.revision + 1)
    )


async def post_edited(session: AsyncSession, post_id: int) -> None:
    """The source edited the post: the alerts showing it are due for an edit."""
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.post_id == post_id)
        .values(revision=OutboxEntry.revision + 1)
    )


def _stored(highlights: Highlights) -> dict[str, list[str]]:
    return {
        "terms": list(highlights.terms),
        "regions": list(highlights.regions),
        "topics": list(highlights.topics),
    }
