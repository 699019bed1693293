"""/watch, /rules, /unwatch, /test: a chat's own watch rules, and trying one out.

/test is heavy (it matches the rule against up to `alerts.chats.trial.MAX_POSTS` posts in a
worker thread), so a chat may run it once per `Cooldown` interval. /rules is split
into as many messages as Telegram's limit needs, the delete buttons under the last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.utils.formatting import Bold, Code, Text, Url, as_list
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from alerts.chats.trial import TRIAL_DAYS, trial
from alerts.chats.watch import (
    MAX_RULES_PER_CHAT,
    RuleTooLong,
    TooManyRules,
    add_rule,
    checked_rule,
    list_rules,
    remove_rule,
    split_urgent,
)
from alerts.store.models import utcnow
from bot.access import CanManageChat
from bot.filters import NumberArgument, TextArgument
from bot.fitting import fit_messages
from bot.handlers.common import cooled_down, managed_routers, on_command, only_managers
from bot.i18n import Words, current_language
from bot.numbers import parse_number
from bot.problems import rule_problem
from bot.typing_action import SLOW
from bot.wording import clip, fill
from rules.errors import RuleSyntaxError

if TYPE_CHECKING:
    from aiogram.types import CallbackQuery, Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.cooldown import Cooldown
    from rules.lexicon import Lexicon
    from rules.rule import Rule


# What /test shows of each example post; a whole message of ten stays far under 4096 units.
EXAMPLE_SOURCE = 60
EXAMPLE_TITLE = 200
EXAMPLE_LINK = 300


async def watch(
    message: Message,
    argument: str,
    sessions: async_sessionmaker[AsyncSession],
    lexicon: Lexicon,
) -> None:
    try:
        # The chat's row was made by ChatTracker before this handler ran.
        async with sessions.begin() as session:
            stored = await add_rule(session, message.chat.id, argument, lexicon)
    except RuleSyntaxError as exc:
        await message.answer(**unreadable(exc).as_kwargs())
        return
    except RuleTooLong as exc:
        await message.answer(**too_long(exc).as_kwargs())
        return
    except TooManyRules:
        template = ngettext(
            "Not added: a chat may keep at most %(limit)d rule. Remove one with /unwatch ID.",
            "Not added: a chat may keep at most %(limit)d rules. Remove one with /unwatch ID.",
            MAX_RULES_PER_CHAT,
        )
        await message.answer(**fill(template, {"limit": MAX_RULES_PER_CHAT}).as_kwargs())
        return
    values = {"id": stored.id, "rule": Code(stored.text)}
    if stored.urgent:
        watching = fill(_("Watching #%(id)d (urgent): %(rule)s"), values)
    else:
        watching = fill(_("Watching #%(id)d: %(rule)s"), values)
    lines = [
        watching,
        *describe_rule(stored.rule, lexicon, current_language()),
        Text(_("You will be alerted about new posts that match.")),
    ]
    await message.answer(**as_list(*lines).as_kwargs())


def unreadable(exc: RuleSyntaxError) -> Text:
    reason = rule_problem(exc, Words.current())
    return fill(_("I could not read that rule: %(reason)s"), {"reason": reason})


def too_long(exc: RuleTooLong) -> Text:
    template = _(
        "Not added: written out in full, the rule is %(length)d characters long, "
        "over the limit of %(limit)d. Split it into two rules."
    )
    return fill(template, {"length": exc.length, "limit": exc.limit})


def describe_rule(rule: Rule, lexicon: Lexicon, language: str) -> list[Text]:
    """The regions and topics a rule names, spelled out, one line each (or none)."""
    lines = []
    if rule.regions:
        names = [lexicon.gazetteer.display_name(key, language) for key in rule.regions]
        lines.append(fill(_("Regions: %(names)s"), {"names": ", ".join(names)}))
    if rule.topics:
        names = [lexicon.topics.display_name(key, language) for key in rule.topics]
        lines.append(fill(_("Topics: %(names)s"), {"names": ", ".join(names)}))
    return lines


async def test_rule(
    message: Message,
    argument: str,
    sessions: async_sessionmaker[AsyncSession],
    lexicon: Lexicon,
    cooldown: Cooldown,
) -> None:
    body, _urgent = split_urgent(argument)
    try:
        rule = checked_rule(body, lexicon)
    except RuleSyntaxError as exc:
        await message.answer(**unreadable(exc).as_kwargs())
        return
    except RuleTooLong as exc:
        await message.answer(**too_long(exc).as_kwargs())
        return
    if not await cooled_down(message, cooldown, "test"):
        return
    async with sessions() as session:
        result = await trial(session, rule, lexicon, utcnow())
    days = {"days": TRIAL_DAYS}
    period = ngettext("in the last %(days)d day", "in the last %(days)d days", TRIAL_DAYS) % days
    # Two numbers in one sentence: the noun agrees with the total, the period comes whole.
    template = ngettext(
        "%(rule)s would have matched %(matched)d of %(total)d post %(period)s.",
        "%(rule)s would have matched %(matched)d of %(total)d posts %(period)s.",
        result.posts,
    )
    values = {"rule": Code(rule.canonical), "matched": result.matched, "total": result.posts}
    lines: list[Text] = [fill(template, values | {"period": period})]
    for example in result.examples:
        source = Bold(clip(example.source, EXAMPLE_SOURCE))
        line = Text("• ", source, ": ", clip(example.title, EXAMPLE_TITLE))
        # A link too long to show whole is left out: a cut link leads nowhere.
        if example.url and len(example.url) <= EXAMPLE_LINK:
            line = as_list(line, Url(example.url))
        lines.append(line)
    await message.answer(**as_list(*lines).as_kwargs())


async def test_usage(message: Message) -> None:
    example = Code("/test topic:drones region:kursk")
    usage = fill(_("Usage: /test RULE, for example %(example)s"), {"example": example})
    await message.answer(**usage.as_kwargs())


async def watch_usage(message: Message) -> None:
    # Translators: a word people might watch for, shown as "/watch drone".
    word = _("drone")
    usage = _("Usage: /watch WORDS, for example %(example)s")
    await message.answer(**fill(usage, {"example": Code(f"/watch {word}")}).as_kwargs())


class RuleButton(CallbackData, prefix="rule"):
    rule_id: int


async def rules(message: Message, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        rows = await list_rules(session, message.chat.id)
    if not rows:
        await message.answer(
            **Text(_("No watch rules yet. Add one with /watch WORDS.")).as_kwargs()
        )
        return
    lines = [Text(f"#{row.id}{' ❗' if row.urgent else ''} ", Code(row.text)) for row in rows]
    keyboard = InlineKeyboardBuilder()
    for row in rows:
        keyboard.button(text=f"✖ #{row.id}", callback_data=RuleButton(rule_id=row.id))
    keyboard.adjust(4)
    *first, last = fit_messages([Text(_("Your watch rules:")), *lines], separator="\n")
    for text in first:
        await message.answer(**text.as_kwargs())
    await message.answer(**last.as_kwargs(), reply_markup=keyboard.as_markup())


async def delete_pressed(
    query: CallbackQuery, callback_data: RuleButton, sessions: async_sessionmaker[AsyncSession]
) -> None:
    rule_id = parse_number(callback_data.rule_id)
    if query.message is None or rule_id is None:
        await query.answer()
        return
    async with sessions.begin() as session:
        removed = await remove_rule(session, query.message.chat.id, rule_id)
    if removed:
        await query.answer(_("Rule #%(id)d deleted.") % {"id": rule_id})
    else:
        await query.answer(_("That rule is already gone."))


async def refuse_press(query: CallbackQuery) -> None:
    await query.answer(only_managers(), show_alert=True)


async def unwatch(
    message: Message, number: int, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        removed = await remove_rule(session, message.chat.id, number)
    if removed:
        reply = fill(_("Rule #%(id)d deleted."), {"id": number})
    else:
        reply = fill(_("You have no rule #%(id)d. /rules lists yours."), {"id": number})
    await message.answer(**reply.as_kwargs())


async def unwatch_usage(message: Message) -> None:
    await message.answer(**Text(_("Usage: /unwatch ID, with an ID from /rules")).as_kwargs())


MANAGED = ("watch", "unwatch")


def build_router() -> Router:
    managers, refusals = managed_routers("watching", MANAGED)
    on_command(managers, watch, Command("watch"), TextArgument())
    on_command(managers, watch_usage, Command("watch"))
    on_command(managers, unwatch, Command("unwatch"), NumberArgument())
    on_command(managers, unwatch_usage, Command("unwatch"))
    managers.callback_query.register(delete_pressed, RuleButton.filter(), CanManageChat())
    readers = Router(name="watching_readers")
    on_command(readers, rules, Command("rules"))
    on_command(readers, test_rule, Command("test"), TextArgument(), flags=SLOW)
    on_command(readers, test_usage, Command("test"))
    readers.callback_query.register(refuse_press, RuleButton.filter())
    router = Router(name="watching")
    router.include_routers(managers, refusals, readers)
    return router
