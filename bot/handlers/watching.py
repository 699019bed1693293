"""/watch, /rules, /unwatch: a chat's own watch rules."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command

from alerts.watch import TooManyRules, add_rule, ensure_chat, list_rules, remove_rule
from bot.filters import NumberArgument, TextArgument
from rules.errors import RuleSyntaxError

if TYPE_CHECKING:
    from aiogram.types import Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from rules.lexicon import Lexicon

router = Router(name="watching")


@router.message(Command("watch"), TextArgument())
async def watch(
    message: Message,
    argument: str,
    sessions: async_sessionmaker[AsyncSession],
    lexicon: Lexicon,
) -> None:
    try:
        async with sessions.begin() as session:
            await ensure_chat(
                session, message.chat.id, chat_type=message.chat.type, title=message.chat.title
            )
            stored = await add_rule(session, message.chat.id, argument, lexicon)
    except RuleSyntaxError as exc:
        await message.answer(f"I could not read that rule: {escape(str(exc))}")
        return
    except TooManyRules as exc:
        await message.answer(f"Not added: {escape(str(exc))}. Remove one with /unwatch ID.")
        return
    urgent = " (urgent)" if stored.urgent else ""
    await message.answer(
        f"Watching #{stored.id}{urgent}: <code>{escape(stored.text)}</code>\n"
        "You will be alerted about new posts that match."
    )


@router.message(Command("watch"))
async def watch_usage(message: Message) -> None:
    await message.answer("Usage: /watch WORDS, for example <code>/watch drone</code>")


@router.message(Command("rules"))
async def rules(message: Message, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        rows = await list_rules(session, message.chat.id)
    if not rows:
        await message.answer("No watch rules yet. Add one with /watch WORDS.")
        return
    lines = [
        f"#{row.id}{' ❗' if row.urgent else ''} <code>{escape(row.text)}</code>" for row in rows
    ]
    await message.answer("Your watch rules:\n" + "\n".join(lines))


@router.message(Command("unwatch"), NumberArgument())
async def unwatch(
    message: Message, number: int, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        removed = await remove_rule(session, message.chat.id, number)
    if removed:
        await message.answer(f"Rule #{number} deleted.")
    else:
        await message.answer(f"You have no rule #{number}. /rules lists yours.")


@router.message(Command("unwatch"))
async def unwatch_usage(message: Message) -> None:
    await message.answer("Usage: /unwatch ID, with an ID from /rules")
