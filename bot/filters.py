"""Filters that check who is asking and parse command arguments into handler parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters import Filter

from bot.numbers import parse_number

if TYPE_CHECKING:
    from aiogram.filters import CommandObject
    from aiogram.types import Message


class IsAdmin(Filter):
    """Passes messages from the operator's admins (`LOOKOUT_ADMINS`)."""

    def __init__(self, admins: frozenset[int]) -> None:
        self._admins = admins

    async def __call__(self, message: Message) -> bool:
        return message.from_user is not None and message.from_user.id in self._admins


class TextArgument(Filter):
    """Passes commands with a non-empty argument, given to the handler as `argument`."""

    async def __call__(self, _message: Message, command: CommandObject) -> bool | dict[str, Any]:
        text = (command.args or "").strip()
        return {"argument": text} if text else False


class NumberArgument(Filter):
    """Passes commands whose argument is an id (`bot.numbers`), given as `number`."""

    async def __call__(self, _message: Message, command: CommandObject) -> bool | dict[str, Any]:
        number = parse_number(command.args or "")
        return {"number": number} if number is not None else False
