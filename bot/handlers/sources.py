"""/sources for everyone; /addsource for the operator's admins, a polite no for others."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command

from alerts.sources import SourceRejected, add_source, display_name, list_sources
from bot.filters import IsAdmin, TextArgument

if TYPE_CHECKING:
    from aiogram.types import Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.settings import Settings
    from monitors.fetcher import Fetcher


def build_router(admins: frozenset[int]) -> Router:
    # A router tries its own handlers before its sub-routers', so the admin commands and
    # the refusal for everyone else are two sub-routers, tried in this order.
    admin = Router(name="sources_admin")
    admin.message.filter(IsAdmin(admins))
    admin.message.register(add, Command("addsource"), TextArgument())
    admin.message.register(add_usage, Command("addsource"))
    public = Router(name="sources_public")
    public.message.register(refuse, Command("addsource"))
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
    lines = []
    for source in rows:
        health = f" — last error: {escape(source.last_error or '')}" if source.error_count else ""
        lines.append(
            f"#{source.id} {source.kind.value} <b>{escape(display_name(source))}</b> "
            f"({source.state.value}){health}"
        )
    await message.answer("\n".join(lines))


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
    if added.existed:
        await message.answer(f"Already watching #{added.source.id} <b>{name}</b>.")
        return
    await message.answer(
        f"Added #{added.source.id} <b>{name}</b>. Its {added.baseline_posts} current posts "
        "are recorded as a baseline; new posts from now on are matched."
    )


async def add_usage(message: Message) -> None:
    await message.answer("Usage: /addsource URL-or-@channel")


async def refuse(message: Message) -> None:
    await message.answer("Sorry, only the operators of this bot can add sources.")
