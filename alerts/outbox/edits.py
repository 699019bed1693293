"""What an alert says about its story: the other sources, official confirmation, edits.

An alert names its own post; when other sources report the same story, the message
adds them ("Also: …"), and an official source among them confirms it. When a story
gains a source after its alert went out, the entry's revision goes up
(`alerts.outbox.intake`) and the sent message is due for an edit: `due_edits` finds those,
one per chat, oldest first, so edits are paced like sends.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from alerts.outbox.queue import Alert, Edit, Notice, StorySource, load_sent
from alerts.sources import display_name
from alerts.store.models import Chat, OutboxEntry, OutboxState, Post, Source

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


async def with_stories(
    session: AsyncSession, messages: Sequence[Alert | Notice]
) -> list[Alert | Notice]:
    """The alerts with their stories' other sources filled in (notices as they are)."""
    stories = {m.story_id for m in messages if isinstance(m, Alert) and m.story_id is not None}
    if not stories:
        return list(messages)
    rows = await session.execute(
        select(Post.story_id, Post.id, Post.url, Source)
        .join(Source, Source.id == Post.source_id)
        .where(Post.story_id.in_(stories))
        .order_by(Post.id)
    )
    members: dict[int, list[tuple[int, str | None, Source]]] = {}
    for story_id, post_id, url, source in rows:
        if story_id is not None:
            members.setdefault(story_id, []).append((post_id, url, source))
    return [
        _with_story(m, members.get(m.story_id or -1, [])) if isinstance(m, Alert) else m
        for m in messages
    ]


def _with_story(alert: Alert, members: list[tuple[int, str | None, Source]]) -> Alert:
    seen = {alert.source_locator}
    also = []
    for post_id, url, source in members:
        if post_id == alert.post_id or source.locator in seen:
            continue
        seen.add(source.locator)
        also.append(StorySource(display_name(source), url, source.official))
    return replace(alert, also=tuple(also)) if also else alert


async def due_edits(
    session: AsyncSession, now: datetime, skip: Collection[int], limit: int
) -> list[Edit]:
    """Sent alerts behind their story, one per chat not in `skip`, as edits to send."""
    heads = (
        select(func.min(OutboxEntry.id))
        .join(Chat, Chat.id == OutboxEntry.chat_id)
        .where(
            OutboxEntry.state == OutboxState.SENT,
            OutboxEntry.revision > OutboxEntry.sent_revision,
            OutboxEntry.message_id.is_not(None),
            OutboxEntry.post_id.is_not(None),
            Chat.active.is_(True),
            OutboxEntry.chat_id.not_in(skip),
        )
        .group_by(OutboxEntry.chat_id)
        .limit(limit)
    )
    ids = list(await session.scalars(heads))
    edits = await load_sent(session, ids, now)
    grown = await with_stories(session, [edit.alert for edit in edits])
    return [
        replace(edit, alert=alert)
        for edit, alert in zip(edits, grown, strict=True)
        if isinstance(alert, Alert)
    ]


async def mark_edited(session: AsyncSession, entry_id: int, revision: int) -> None:
    """The message now shows `revision` of its story (or gave up trying to)."""
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == entry_id, OutboxEntry.sent_revision < revision)
        .values(sent_revision=revision)
    )
