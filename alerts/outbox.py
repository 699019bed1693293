"""The alert outbox: what is due for delivery and what became of each entry.

Every entry ends sent, cancelled with a reason, or is still pending; nothing is
deleted or dropped silently. A send that timed out may still have reached Telegram,
so delivery is at-least-once: such an entry is retried and may arrive twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from alerts.models import Chat, OutboxEntry, OutboxState, Post, Source
from alerts.sources import display_name

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """An outbox entry with everything needed to render and send it.

    A notice (say, a source was paused) has `notice` text and no post: its post fields
    are empty.
    """

    id: int
    chat_id: int
    attempts: int
    source_name: str = ""
    source_locator: str = ""
    title: str = ""
    text: str = ""
    url: str | None = None
    published_at: datetime | None = None
    terms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    notice: str | None = None


async def due_alerts(session: AsyncSession, now: datetime, limit: int) -> list[PendingAlert]:
    rows = await session.execute(
        select(OutboxEntry, Post, Source)
        .outerjoin(Post, Post.id == OutboxEntry.post_id)
        .outerjoin(Source, Source.id == Post.source_id)
        .join(Chat, Chat.id == OutboxEntry.chat_id)
        .where(
            OutboxEntry.state == OutboxState.PENDING,
            OutboxEntry.next_attempt_at <= now,
            Chat.active.is_(True),
        )
        .order_by(OutboxEntry.id)
        .limit(limit)
    )
    return [_pending(entry, post, source) for entry, post, source in rows]


def _pending(entry: OutboxEntry, post: Post | None, source: Source | None) -> PendingAlert:
    if post is None or source is None:
        return PendingAlert(entry.id, entry.chat_id, entry.attempts, notice=entry.notice or "")
    highlights = entry.highlights or {}
    return PendingAlert(
        id=entry.id,
        chat_id=entry.chat_id,
        attempts=entry.attempts,
        source_name=display_name(source),
        source_locator=source.locator,
        title=post.title,
        text=post.text,
        url=post.url,
        published_at=post.published_at,
        terms=tuple(highlights.get("terms", ())),
        regions=tuple(highlights.get("regions", ())),
        topics=tuple(highlights.get("topics", ())),
    )


async def mark_sent(
    session: AsyncSession, entry_id: int, message_id: int | None, now: datetime
) -> None:
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == entry_id)
        .values(state=OutboxState.SENT, sent_at=now, message_id=message_id, last_error=None)
    )


async def retry_later(
    session: AsyncSession, entry_id: int, at: datetime, error: str, *, count_attempt: bool = True
) -> None:
    values: dict[str, object] = {"next_attempt_at": at, "last_error": error}
    if count_attempt:
        values["attempts"] = OutboxEntry.attempts + 1
    await session.execute(update(OutboxEntry).where(OutboxEntry.id == entry_id).values(**values))


async def deactivate_chat(session: AsyncSession, chat_id: int, reason: str) -> int:
    """The chat is gone for us (blocked, kicked, deleted): stop and cancel what is pending."""
    await session.execute(update(Chat).where(Chat.id == chat_id).values(active=False))
    result = await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.chat_id == chat_id, OutboxEntry.state == OutboxState.PENDING)
        .values(state=OutboxState.CANCELLED, cancel_reason=reason[:256])
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def cancel_entry(session: AsyncSession, entry_id: int, reason: str) -> None:
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == entry_id)
        .values(state=OutboxState.CANCELLED, cancel_reason=reason[:256])
    )
