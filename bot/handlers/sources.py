"""/sources for everyone; /addsource, /delsource, /official for the operator's admins."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command

from alerts.models import Source
from alerts.sources import (
    SourceRejected,
    add_source,
    display_name,
    list_sources,
    remove_source,
)
from bot.filters import IsAdmin, NumberArgument, TextArgument

if TYPE_CHECKING:
    from datetime import datetime

    from aiogram.types import Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.settings import Settings
    from monitors.fetcher import Fetcher


ADMIN_COMMANDS = ("addsource", "delsource", "official")


def build_router(admins: frozenset[int]) -> Router:
    # A router tries its own handlers before its sub-routers', so the admin commands and
    # the refusal for everyone else are two sub-routers, tried in this order.
    admin = Router(name="sources_admin")
    admin.message.filter(IsAdmin(admins))
    admin.message.register(add, Command("addsource"), TextArgument())
    admin.message.register(delete, Command("delsource"), NumberArgument())
    admin.message.register(official, Command("official"), NumberArgument())
    for command in ADMIN_COMMANDS:
        admin.message.register(admin_usage, Command(command))
    public = Router(name="sources_public")
    public.message.register(refuse, Command(*ADMIN_COMMANDS))
    public.message.register(sources, Command("sources"))
    router = Router(name="sources")
    router.include_routers(admin, public)
    return router


async def sources(message: Message, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        rows = await list_sources(session)
    if not rows:
        await message.answer("No sources yet. An admin adds them with /addsource.")
        return
    await message.answer("\n\n".join(describe_source(source) for source in rows))


def describe_source(source: Source) -> str:
    official = " ✅ official" if source.official else ""
    health = (
        f"state: {source.state.value}, {source.posts_per_day:.0f} posts/day, "
        f"last success: {_when(source.last_success_at)}"
    )
    lines = [
        f"#{source.id} {source.kind.value} <b>{escape(display_name(source))}</b>{official}",
        health,
    ]
    if source.error_count:
        lines.append(
            f"last error ({source.error_count} times, {_when(source.last_error_at)}): "
            f"{escape(source.last_error or '')}"
        )
    if source.paused_reason:
        lines.append(f"paused: {escape(source.paused_reason)}")
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


async def add(
    message: Message,
    argument: str,
    sessions: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    settings: Settings,
) -> None:
    try:
        added = await add_source(
            sessions,
            fetcher,
            argument,
            telegram_web_url=settings.telegram_web_url,
            poll_interval=settings.poll_interval,
        )
    except SourceRejected as exc:
        await message.answer(f"Cannot add that source: {escape(str(exc))}")
        return
    name = escape(display_name(added.source))
    if added.resumed:
        await message.answer(f"Source #{added.source.id} <b>{name}</b> is active again.")
    elif added.existed:
        await message.answer(f"Already watching #{added.source.id} <b>{name}</b>.")
    else:
        await message.answer(
            f"Added #{added.source.id} <b>{name}</b>. Its {added.baseline_posts} current posts "
            "are recorded as a baseline; new posts from now on are matched."
        )


async def delete(message: Message, number: int, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        removed = await remove_source(session, number)
    if removed is None:
        await message.answer(f"There is no source #{number}. /sources lists them.")
    else:
        await message.answer(f"Source #{number} {escape(display_name(removed))} deleted.")


async def official(
    message: Message, number: int, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        source = await session.get(Source, number)
        if source is not None:
            source.official = not source.official
            state = "official" if source.official else "no longer official"
            name = display_name(source)
    if source is None:
        await message.answer(f"There is no source #{number}. /sources lists them.")
    else:
        await message.answer(f"Source #{number} {escape(name)} is {state}.")


async def admin_usage(message: Message) -> None:
    await message.answer(
        "Usage: /addsource URL-or-@channel, /delsource ID, /official ID (IDs from /sources)"
    )


async def refuse(message: Message) -> None:
    await message.answer("Sorry, only the operators of this bot can manage sources.")
