"""A group's move to a supergroup.

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
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select, update

from alerts.store.db import rowcount
from alerts.store.models import Chat, OutboxEntry, OutboxState, WatchRule

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


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
