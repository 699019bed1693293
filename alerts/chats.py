"""Chats as delivery sees them: quiet hours, and a group's move to a supergroup.

Quiet hours are two minute-of-day marks in the chat's own time zone (an IANA name);
the window includes its start and excludes its end, and may wrap midnight
(23:00–07:00). Equal marks mean no quiet hours. An unknown zone name is read as UTC
rather than failing delivery: the /tz command validates names, this is the fallback.

`migrate_chat` follows Telegram's "group chat was upgraded to a supergroup": the
supergroup becomes the subscriber. Its row is created with the old chat's
preferences (or, if it exists already, keeps its own and is activated); watch rules
and outbox entries, sent ones too (they are the chat's history), move to it; the old
chat is deactivated. A chat hears of a story once (the outbox is unique per chat and
story): an entry whose story the supergroup already has stays with the old chat,
cancelled if it was pending. The move is idempotent: a second call finds nothing left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_, select, update

from alerts.db import rowcount
from alerts.models import Chat, OutboxEntry, OutboxState, WatchRule
from alerts.preferences import MINUTES_PER_DAY, QuietHours

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


def is_quiet(start: int | None, end: int | None, timezone: str | None, now: datetime) -> bool:
    """Whether `now` falls in the quiet hours [start, end) given in minutes after midnight."""
    if start is None or end is None or start % MINUTES_PER_DAY == end % MINUTES_PER_DAY:
        return False
    local = now.astimezone(_zone(timezone))
    window = QuietHours(start % MINUTES_PER_DAY, end % MINUTES_PER_DAY)
    return window.covers(local.hour * 60 + local.minute)


def _zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@dataclass(frozen=True, slots=True)
class ChatMoved:
    rules: int
    entries: int
    duplicates: int


async def migrate_chat(session: AsyncSession, old_id: int, new_id: int) -> ChatMoved:
    """Move a group's subscriber row, rules and outbox to its supergroup `new_id`."""
    old = await session.get_one(Chat, old_id)
    new = await session.get(Chat, new_id)
    if new is None:
        session.add(
            Chat(
                id=new_id,
                type="supergroup",
                title=old.title,
                language=old.language,
                active=True,
                paused=old.paused,
                quiet_start=old.quiet_start,
                quiet_end=old.quiet_end,
                timezone=old.timezone,
            )
        )
    else:
        new.active = True
    old.active = False
    await session.flush()
    rules = await session.execute(
        update(WatchRule).where(WatchRule.chat_id == old_id).values(chat_id=new_id)
    )
    taken = select(OutboxEntry.story_id).where(
        OutboxEntry.chat_id == new_id, OutboxEntry.story_id.is_not(None)
    )
    entries = await session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.chat_id == old_id,
            or_(OutboxEntry.story_id.is_(None), OutboxEntry.story_id.not_in(taken)),
        )
        .values(chat_id=new_id)
        .execution_options(synchronize_session=False)
    )
    duplicates = await session.execute(
        update(OutboxEntry)
        .where(and_(OutboxEntry.chat_id == old_id, OutboxEntry.state == OutboxState.PENDING))
        .values(
            state=OutboxState.CANCELLED,
            cancel_reason=f"chat moved to supergroup {new_id}, which has this alert already",
        )
    )
    return ChatMoved(rowcount(rules), rowcount(entries), rowcount(duplicates))
