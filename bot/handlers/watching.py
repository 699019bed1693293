"""/watch, /rules, /unwatch: a chat's own watch rules."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command

from alerts.models import utcnow
from alerts.trial import TRIAL_DAYS, trial
from alerts.watch import (
    TooManyRules,
    add_rule,
    ensure_chat,
    list_rules,
    remove_rule,
    split_urgent,
)
from bot.filters import NumberArgument, TextArgument
from rules.errors import RuleSyntaxError
from rules.syntax import parse_rule

if TYPE_CHECKING:
    from aiogram.types import Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from rules.lexicon import Lexicon
    from rules.rule import Rule


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
        f"{describe_rule(stored.rule, lexicon, _language(message))}"
        "You will be alerted about new posts that match."
    )


def describe_rule(rule: Rule, lexicon: Lexicon, language: str) -> str:
    """The regions and topics a rule names, spelled out, one line each (or nothing)."""
    lines = []
    if rule.regions:
        names = [lexicon.gazetteer.display_name(key, language) for key in rule.regions]
        lines.append("Regions: " + escape(", ".join(names)) + "\n")
    if rule.topics:
        names = [lexicon.topics.display_name(key, language) for key in rule.topics]
        lines.append("Topics: " + escape(", ".join(names)) + "\n")
    return "".join(lines)


def _language(message: Message) -> str:
    code = message.from_user.language_code if message.from_user else None
    return (code or "en").split("-")[0]


async def test_rule(
    message: Message,
    argument: str,
    sessions: async_sessionmaker[AsyncSession],
    lexicon: Lexicon,
) -> None:
    body, _urgent = split_urgent(argument)
    try:
        rule = parse_rule(body, lexicon)
    except RuleSyntaxError as exc:
        await message.answer(f"I could not read that rule: {escape(str(exc))}")
        return
    async with sessions() as session:
        result = await trial(session, rule, lexicon, utcnow())
    summary = (
        f"<code>{escape(rule.canonical)}</code> would have matched {result.matched} of "
        f"{result.posts} posts in the last {TRIAL_DAYS} days."
    )
    lines = [summary]
    for example in result.examples:
        link = f"\n{escape(example.url)}" if example.url else ""
        lines.append(f"• <b>{escape(example.source)}</b>: {escape(example.title[:200])}{link}")
    await message.answer("\n".join(lines))


async def test_usage(message: Message) -> None:
    await message.answer(
        "Usage: /test RULE, for example <code>/test topic:drones region:kursk</code>"
    )


async def watch_usage(message: Message) -> None:
    await message.answer("Usage: /watch WORDS, for example <code>/watch drone</code>")


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


async def unwatch(
    message: Message, number: int, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        removed = await remove_rule(session, message.chat.id, number)
    if removed:
        await message.answer(f"Rule #{number} deleted.")
    else:
        await message.answer(f"You have no rule #{number}. /rules lists yours.")


async def unwatch_usage(message: Message) -> None:
    await message.answer("Usage: /unwatch ID, with an ID from /rules")


def build_router() -> Router:
    router = Router(name="watching")
    router.message.register(watch, Command("watch"), TextArgument())
    router.message.register(test_rule, Command("test"), TextArgument())
    router.message.register(test_usage, Command("test"))
    router.message.register(watch_usage, Command("watch"))
    router.message.register(rules, Command("rules"))
    router.message.register(unwatch, Command("unwatch"), NumberArgument())
    router.message.register(unwatch_usage, Command("unwatch"))
    return router
