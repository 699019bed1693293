"""Who may change a chat's rules and settings.

In a private chat, its person. In a channel, whoever posts there: only its admins can.
In a group, only the group's administrators, asked of Telegram (getChatMember) each
time, so a demoted admin loses the right at once. An administrator who posts
anonymously writes as the group itself (``sender_chat`` is the group): only
administrators can, so that message is a manager's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

if TYPE_CHECKING:
    from aiogram import Bot

log = structlog.get_logger(__name__)

MANAGERS = frozenset({ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR})


async def may_manage(bot: Bot, chat_id: int, chat_type: str, user_id: int | None) -> bool:
    if chat_type in {ChatType.PRIVATE, ChatType.CHANNEL}:
        return True
    if user_id is None:
        return False
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.warning("chat_member_unknown", chat=chat_id, user=user_id, error=exc.message)
        return False
    return member.status in MANAGERS


class CanManageChat(Filter):
    """Passes messages and button presses from people allowed to change this chat."""

    async def __call__(self, event: Message | CallbackQuery, bot: Bot) -> bool:
        message = event.message if isinstance(event, CallbackQuery) else event
        if message is None:
            return False
        if isinstance(event, Message) and _posted_as_the_chat(event):
            return True
        user = event.from_user
        return await may_manage(bot, message.chat.id, message.chat.type, user.id if user else None)


def _posted_as_the_chat(message: Message) -> bool:
    return message.sender_chat is not None and message.sender_chat.id == message.chat.id
