"""A chat's outbox entries moving to the supergroup its group became.

Contract of `move_entries(session, old_id, new_id)`: entries of `old_id`, sent ones too
(they are the chat's history), move to `new_id`, except those of a story `new_id` has
already (the outbox is unique per chat and story); those stay with `old_id`, cancelled
if they were pending. A second call finds nothing left to move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select, update

from alerts.store.db import rowcount
from alerts.store.models import OutboxEntry, OutboxState

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class EntriesMoved:
    moved: int
    duplicates: int


async def move_entries(session: AsyncSession, old_id: int, new_id: int) -> EntriesMoved:
    """Move `old_id`'s entries to `new_id`; cancel the pending ones `new_id` has already."""
    taken = select(OutboxEntry.story_id).where(
        OutboxEntry.chat_id == new_id, OutboxEntry.story_id.is_not(None)
    )
    moved = await session.execute(
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
    return EntriesMoved(rowcount(moved), rowcount(duplicates))
