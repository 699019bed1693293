"""/pause, /resume, /quiet, /tz: how and when a chat hears about its alerts."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command
from aiogram.utils.formatting import Code, Text, as_line
from aiogram.utils.i18n import gettext as _

from alerts.chats.preferences import (
    BadPreference,
    parse_quiet_hours,
    parse_timezone,
    set_paused,
    set_quiet_hours,
    set_timezone,
)
from alerts.chats.zones import city_name, fold
from bot.filters import TextArgument
from bot.handlers.common import managed_routers, on_command
from bot.i18n import Words, current_language
from bot.problems import preference_problem
from bot.wording import clip, fill

if TYPE_CHECKING:
    from aiogram.types import Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

MANAGED = ("pause", "resume", "quiet", "tz")
# How much of an unknown zone name is echoed back; real names are under 40 characters.
ZONE_ECHO = 64


def build_router() -> Router:
    managers, refusals = managed_routers("chat_settings", MANAGED)
    on_command(managers, pause, Command("pause"))
    on_command(managers, resume, Command("resume"))
    on_command(managers, quiet, Command("quiet"), TextArgument())
    on_command(managers, quiet_usage, Command("quiet"))
    on_command(managers, timezone, Command("tz"), TextArgument())
    on_command(managers, timezone_usage, Command("tz"))
    router = Router(name="chat_settings")
    router.include_routers(managers, refusals)
    return router


async def pause(message: Message, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await set_paused(session, message.chat.id, message.chat.type, paused=True)
    paused = _("Alerts paused. Nothing new is matched for this chat until /resume.")
    await message.answer(**Text(paused).as_kwargs())


async def resume(message: Message, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await set_paused(session, message.chat.id, message.chat.type, paused=False)
    await message.answer(**Text(_("Alerts resumed.")).as_kwargs())


async def quiet(
    message: Message, argument: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    try:
        window = parse_quiet_hours(argument)
    except BadPreference as exc:
        reason = preference_problem(exc, Words.current())
        await message.answer(**fill(_("Not changed: %(reason)s."), {"reason": reason}).as_kwargs())
        return
    async with sessions.begin() as session:
        await set_quiet_hours(session, message.chat.id, message.chat.type, window)
    if window is None:
        await message.answer(**Text(_("Quiet hours off: every alert rings.")).as_kwargs())
        return
    template = _(
        "Quiet hours %(window)s: alerts arrive without sound then, except urgent rules "
        "(added with /watch !RULE). Set your time zone with /tz."
    )
    await message.answer(**fill(template, {"window": str(window)}).as_kwargs())


async def quiet_usage(message: Message) -> None:
    await message.answer(**Text(_("Usage: /quiet 23:00-07:00, or /quiet off")).as_kwargs())


async def timezone(
    message: Message, argument: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    try:
        # Off the event loop: the first unknown name builds the table of city names.
        zone = await asyncio.to_thread(parse_timezone, argument)
    except BadPreference as exc:
        # An unknown name is the one thing parse_timezone refuses.
        await message.answer(
            **unknown_zone(argument, exc.arguments.get("suggestions", ())).as_kwargs()
        )
        return
    async with sessions.begin() as session:
        await set_timezone(session, message.chat.id, message.chat.type, zone)
    await message.answer(**fill(_("Time zone: %(zone)s."), {"zone": zone}).as_kwargs())


def unknown_zone(typed: str, suggestions: object) -> Text:
    names = [str(name) for name in suggestions] if isinstance(suggestions, tuple) else []
    zone = Code(clip(typed, ZONE_ECHO))
    if names:
        listed = as_line(*(_suggestion(name) for name in names), sep=", ", end="")
        return fill(
            _("Not changed: unknown time zone %(zone)s. Did you mean %(names)s?"),
            {"zone": zone, "names": listed},
        )
    return fill(
        _(
            "Not changed: unknown time zone %(zone)s. "
            "Use a name like Europe/Kyiv, Europe/Moscow or UTC."
        ),
        {"zone": zone},
    )


def _suggestion(zone: str) -> Text:
    """`/tz Europe/Kyiv (Киев)`: the command to copy, and the city in the asker's words."""
    city = city_name(zone, current_language())
    command = Code(f"/tz {zone}")
    if fold(city) == fold(zone.rsplit("/", 1)[-1]):
        return command
    return Text(command, f" ({city})")


async def timezone_usage(message: Message) -> None:
    usage = _("Usage: /tz Europe/Kyiv (any IANA time zone name)")
    await message.answer(**Text(usage).as_kwargs())
