"""Telegram's "typing…" while a slow command works, so the chat never looks dead.

Handlers whose work can take more than a moment (fetching a source, trying a rule on a
week of posts, reading every alert) are registered with the flag `SLOW`; for them
`ShowTyping` keeps sending the chat action (`sendChatAction`, renewed every few seconds
as Telegram's indicator fades after five) until the handler has answered. Quick
handlers send nothing extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import Message
from aiogram.utils.chat_action import ChatActionSender
from typing_extensions import override

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiogram.types import TelegramObject

SLOW = {"slow": True}


class ShowTyping(BaseMiddleware):
    @override
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Message) or not get_flag(data, "slow"):
            return await handler(event, data)
        async with ChatActionSender.typing(bot=data["bot"], chat_id=event.chat.id):
            return await handler(event, data)
