"""/start and /help: who the bot is and every command it takes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command, CommandStart

from alerts.watch import ensure_chat

if TYPE_CHECKING:
    from aiogram.types import Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

HELP = """<b>Lookout</b> watches news feeds and public Telegram channels and alerts you \
when a new post matches your watch rules.

/watch WORDS — alert me about posts with these words (any form: drone, drones)
/watch !WORDS — the same, marked urgent
/rules — your watch rules
/unwatch ID — delete a rule
/test RULE — how often RULE would have matched in the last 7 days
/sources — the sources being watched
/help — this message

Rules: <code>дрон OR БПЛА Курск</code>, <code>"мост через Сейм"</code>, <code>дрон*</code>, \
<code>-учения</code>, <code>region:kursk</code>, <code>topic:drones</code>, \
<code>source:@channel</code>.

Admins: /addsource URL-or-@channel (again to resume a paused one), /delsource ID, \
/official ID"""


async def start(message: Message, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await ensure_chat(
            session,
            message.chat.id,
            chat_type=message.chat.type,
            title=message.chat.title or message.chat.username,
            language=message.from_user.language_code if message.from_user else None,
        )
    await message.answer(HELP)


async def help_(message: Message) -> None:
    await message.answer(HELP)


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    return router
