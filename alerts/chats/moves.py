"""A group's move to a supergroup.

`migrate_chat` follows Telegram's "group chat was upgraded to a supergroup": the
supergroup becomes the subscriber. Its row is created with the old chat's
preferences (or, if it exists already, keeps its own and is activated); watch rules
move to it, and its outbox entries as `alerts.outbox.transfer` moves them (a chat hears
of a story once); the old chat is deactivated. The move is idempotent: a second call
finds nothing left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import update

from alerts.outbox.transfer import move_entries
from alerts.store.db import rowcount
from alerts.store.models import Chat, WatchRule

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
    entries = await move_entries(session, old_id, new_id)
    return ChatMoved(rowcount(rules), entries.moved, entries.duplicates)
