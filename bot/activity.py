"""Every message keeps its chat's row current: created on first contact, active again.

A chat that blocked the bot was deactivated by delivery; when its person writes again
the chat comes back. Runs before the handlers, so they can rely on the row existing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.types import Message
from typing_extensions import override

from alerts.chats.watch import ensure_chat

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiogram.types import TelegramObject
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class ChatTracker(BaseMiddleware):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @override
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Message):
            language = event.from_user.language_code if event.from_user else None
            async with self._sessions.begin() as session:
                await ensure_chat(
                    session,
                    event.chat.id,
                    chat_type=event.chat.type,
                    title=event.chat.title or event.chat.username,
                    language=language,
                )
        return await handler(event, data)
