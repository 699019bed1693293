"""The alert outbox: what is due for delivery and what became of each entry.

Every entry ends sent (alone, or as part of a digest whose message id it keeps),
cancelled with a reason, or is still pending; nothing is deleted or dropped silently.
Entries of a paused chat stay pending until it resumes; entries of an inactive chat
(it blocked the bot, was deleted, or moved to a supergroup) are cancelled or moved.

Delivery is at-least-once. An entry is marked sent in its own transaction after
Telegram accepted the message, so a duplicate can come from:
- a send that timed out, lost its connection or got a 5xx after Telegram had taken
  it: the entry is retried and the chat may see the alert twice;
- the process dying between Telegram's answer and the commit: the entry is still
  pending at the next start and goes again.
Nothing else sends an entry twice: the one delivery worker per database sends at
most one message per chat at a time, reads only pending rows, and skips a chat whose
send settled after it read them.

Queries here are portable (SQLite and PostgreSQL): one row per ready chat comes from a
GROUP BY, never from "the oldest N rows", which one busy chat could fill.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, case, func, select, update

from alerts.chats.preferences import is_quiet
from alerts.sources import display_name
from alerts.store.db import rowcount
from alerts.store.models import Chat, OutboxEntry, OutboxState, Post, Source, WatchRule

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Alert:
    """An outbox entry about a post, with everything needed to render and send it.

    `silent` is set during the chat's quiet hours unless the rule that caused the alert
    is urgent: Telegram then delivers it without sound. `language` and `timezone` are
    the chat's, for the words and times of the message.
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
    silent: bool = False
    post_id: int | None = None
    story_id: int | None = None
    timezone: str = "UTC"
    language: str | None = None
    official: bool = False
    # The story's other sources, and whether an official one is among them.
    also: tuple[StorySource, ...] = ()
    revision: int = 0
    # When the entry was written, in the transaction that first saw its post.
    queued_at: datetime | None = None
    # Set on an update with changed facts: the message (the first alert) it answers.
    reply_to: int | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """An outbox entry that tells a chat something (a source paused): a kind and arguments.

    The kinds and their arguments are defined where they are queued (`alerts.ingest.health`);
    the bot words them in `language` when sending.
    """

    id: int
    chat_id: int
    attempts: int
    kind: str
    arguments: dict[str, Any] = field(default_factory=dict)
    silent: bool = False
    timezone: str = "UTC"
    language: str | None = None
    # When the entry was written: delivery latency is measured from it.
    queued_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """A sent alert whose story grew: `message_id` is rewritten to show `alert` as it is now."""

    alert: Alert
    message_id: int

    @property
    def id(self) -> int:
        return self.alert.id

    @property
    def chat_id(self) -> int:
        return self.alert.chat_id

    @property
    def revision(self) -> int:
        return self.alert.revision


@dataclass(frozen=True, slots=True)
class StorySource:
    """Another source's report of the same story, as an alert names it."""

    name: str
    url: str | None
    official: bool


@dataclass(frozen=True, slots=True)
class ChatHead:
    """A chat with due entries: its oldest due entry, and its oldest due notice if any."""

    chat_id: int
    first_id: int
    notice_id: int | None

    @property
    def starts_with_notice(self) -> bool:
        return self.first_id == self.notice_id


@dataclass(frozen=True, slots=True)
class RecentLoad:
    """Alerts (not notices) a chat was sent since some moment, and when the last went."""

    count: int
    last_sent_at: datetime | None


async def ready_heads(session: AsyncSession, now: datetime) -> list[ChatHead]:
    """One row per active, unpaused chat that has entries due by `now`."""
    notice = case((OutboxEntry.post_id.is_(None), OutboxEntry.id))
    rows = await session.execute(
        select(OutboxEntry.chat_id, func.min(OutboxEntry.id), func.min(notice))
        .join(Chat, Chat.id == OutboxEntry.chat_id)
        .where(
            OutboxEntry.state == OutboxState.PENDING,
            OutboxEntry.next_attempt_at <= now,
            Chat.active.is_(True),
            Chat.paused.is_(False),
        )
        .group_by(OutboxEntry.chat_id)
    )
    return [ChatHead(chat_id, first_id, notice_id) for chat_id, first_id, notice_id in rows]


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    """Entries waiting, over all chats (paused ones included)."""
    oldest_due_at: datetime | None
    """When the oldest entry that an active, unpaused chat should have had became due."""


async def backlog(session: AsyncSession, now: datetime) -> Backlog:
    """How far behind delivery is: what health checks and metrics report."""
    pending = await session.scalar(
        select(func.count()).where(OutboxEntry.state == OutboxState.PENDING)
    )
    oldest = await session.scalar(
        select(func.min(OutboxEntry.next_attempt_at))
        .join(Chat, Chat.id == OutboxEntry.chat_id)
        .where(
            OutboxEntry.state == OutboxState.PENDING,
            OutboxEntry.next_attempt_at <= now,
            Chat.active.is_(True),
            Chat.paused.is_(False),
        )
    )
    return Backlog(int(pending or 0), oldest)


async def load_alerts(
    session: AsyncSession, entry_ids: Collection[int], now: datetime
) -> list[Alert | Notice]:
    """These entries, if still pending, oldest first; quiet hours judged at `now`."""
    if not entry_ids:
        return []
    query = _alert_query().where(
        OutboxEntry.id.in_(entry_ids), OutboxEntry.state == OutboxState.PENDING
    )
    rows = await session.execute(query)
    return [
        _pending(entry, post, source, chat, urgent, now=now)
        for entry, post, source, chat, urgent in rows
    ]


async def load_sent(session: AsyncSession, entry_ids: Collection[int], now: datetime) -> list[Edit]:
    """These sent alerts as edits of their messages, at their current revision."""
    if not entry_ids:
        return []
    query = _alert_query().where(
        OutboxEntry.id.in_(entry_ids),
        OutboxEntry.state == OutboxState.SENT,
        OutboxEntry.message_id.is_not(None),
    )
    rows = await session.execute(query)
    edits = []
    for entry, post, source, chat, urgent in rows:
        alert = _pending(entry, post, source, chat, urgent, now=now)
        if isinstance(alert, Alert) and entry.message_id is not None:
            edits.append(Edit(alert, entry.message_id))
    return edits


async def chat_backlog(
    session: AsyncSession, chat_id: int, now: datetime, limit: int
) -> list[Alert]:
    """A chat's due alerts (not notices), oldest first: what a digest lists."""
    query = (
        _alert_query()
        .where(
            OutboxEntry.chat_id == chat_id,
            OutboxEntry.state == OutboxState.PENDING,
            OutboxEntry.next_attempt_at <= now,
            OutboxEntry.post_id.is_not(None),
        )
        .limit(limit)
    )
    rows = await session.execute(query)
    found = (
        _pending(e, post, source, chat, urgent, now=now) for e, post, source, chat, urgent in rows
    )
    return [alert for alert in found if isinstance(alert, Alert)]


async def recent_load(
    session: AsyncSession, chat_ids: Collection[int], since: datetime
) -> dict[int, RecentLoad]:
    """Per chat, the alerts sent since `since`, alone or in digests; chats with none omitted."""
    if not chat_ids:
        return {}
    rows = await session.execute(
        select(OutboxEntry.chat_id, func.count(OutboxEntry.id), func.max(OutboxEntry.sent_at))
        .where(
            OutboxEntry.chat_id.in_(chat_ids),
            OutboxEntry.state == OutboxState.SENT,
            OutboxEntry.post_id.is_not(None),
            OutboxEntry.sent_at >= since,
        )
        .group_by(OutboxEntry.chat_id)
    )
    return {chat_id: RecentLoad(count, last) for chat_id, count, last in rows}


# Post, Source and the rule's urgency are None for a notice, or a rule since deleted.
def _alert_query() -> Select[OutboxEntry, Post, Source, Chat, bool]:
    return (
        select(OutboxEntry, Post, Source, Chat, WatchRule.urgent)
        .join(Chat, Chat.id == OutboxEntry.chat_id)
        .outerjoin(Post, Post.id == OutboxEntry.post_id)
        .outerjoin(Source, Source.id == Post.source_id)
        .outerjoin(WatchRule, WatchRule.id == OutboxEntry.rule_id)
        .order_by(OutboxEntry.id)
    )


def _pending(
    entry: OutboxEntry,
    post: Post | None,
    source: Source | None,
    chat: Chat,
    urgent: bool | None,
    *,
    now: datetime,
) -> Alert | Notice:
    silent = not urgent and is_quiet(chat.quiet_start, chat.quiet_end, chat.timezone, now)
    if post is None or source is None:
        return Notice(
            entry.id,
            entry.chat_id,
            entry.attempts,
            kind=entry.notice_kind or "",
            arguments=dict(entry.notice_args or {}),
            silent=silent,
            timezone=chat.timezone,
            language=chat.language,
            queued_at=entry.created_at,
        )
    highlights = entry.highlights or {}
    return Alert(
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
        silent=silent,
        post_id=post.id,
        story_id=entry.story_id,
        timezone=chat.timezone,
        language=chat.language,
        official=source.official,
        revision=entry.revision,
        queued_at=entry.created_at,
        reply_to=entry.reply_to_message,
    )


# A chat just passed the digest threshold: {"minutes": the digest interval}.
DIGEST_STARTED = "digest_started"


async def queue_notice(
    session: AsyncSession, chat_id: int, kind: str, arguments: dict[str, Any], now: datetime
) -> None:
    """Tell a chat something; `kind` and `arguments` are worded when it is sent."""
    session.add(
        OutboxEntry(
            chat_id=chat_id,
            notice_kind=kind,
            notice_args=arguments,
            created_at=now,
            next_attempt_at=now,
        )
    )


async def noticed_since(session: AsyncSession, chat_id: int, kind: str, since: datetime) -> bool:
    """Whether the chat was given (or is still due) a notice of `kind` since `since`."""
    found = await session.scalar(
        select(OutboxEntry.id)
        .where(
            OutboxEntry.chat_id == chat_id,
            OutboxEntry.notice_kind == kind,
            OutboxEntry.created_at >= since,
        )
        .limit(1)
    )
    return found is not None


async def mark_sent(
    session: AsyncSession,
    entry_ids: Sequence[int],
    message_id: int | None,
    now: datetime,
    *,
    revision: int | None = None,
) -> int:
    """These entries went out in message `message_id` (one alert, or a digest of several).

    Only entries still pending change: a digest may list an entry that was cancelled or
    moved to a migrated chat while the digest was in flight. `revision` is the story
    revision the message showed; a later one makes the message due for an edit. A
    digest is never edited, so its entries count as showing the latest.
    """
    shown = OutboxEntry.revision if revision is None else revision
    result = await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_(entry_ids), OutboxEntry.state == OutboxState.PENDING)
        .values(
            state=OutboxState.SENT,
            sent_at=now,
            message_id=message_id,
            last_error=None,
            sent_revision=shown,
        )
    )
    return rowcount(result)


async def retry_later(
    session: AsyncSession,
    entry_ids: Sequence[int],
    at: datetime,
    error: str,
    *,
    count_attempt: bool = True,
) -> None:
    values: dict[str, object] = {"next_attempt_at": at, "last_error": error}
    if count_attempt:
        values["attempts"] = OutboxEntry.attempts + 1
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_(entry_ids), OutboxEntry.state == OutboxState.PENDING)
        .values(**values)
    )


async def deactivate_chat(session: AsyncSession, chat_id: int, reason: str) -> int:
    """The chat is gone for us (blocked, kicked, deleted): stop and cancel what is pending."""
    await session.execute(update(Chat).where(Chat.id == chat_id).values(active=False))
    result = await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.chat_id == chat_id, OutboxEntry.state == OutboxState.PENDING)
        .values(state=OutboxState.CANCELLED, cancel_reason=reason[:256])
    )
    return rowcount(result)


async def cancel_entries(session: AsyncSession, entry_ids: Sequence[int], reason: str) -> int:
    result = await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_(entry_ids), OutboxEntry.state == OutboxState.PENDING)
        .values(state=OutboxState.CANCELLED, cancel_reason=reason[:256])
    )
    return rowcount(result)
