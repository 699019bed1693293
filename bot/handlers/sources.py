"""/sources for everyone; /addsource, /delsource, /official for the operator's admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command
from aiogram.utils.formatting import Bold, Text, as_list
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from alerts.chats.preferences import chat_zone
from alerts.ingest.failures import Failure
from alerts.sources import (
    SourceRejected,
    add_source,
    display_name,
    list_sources,
    remove_source,
    toggle_official,
)
from alerts.store.models import Source, SourceKind, SourceState
from bot.filters import IsAdmin, NumberArgument, TextArgument
from bot.fitting import fit_messages
from bot.handlers.common import on_command
from bot.i18n import N_, Words
from bot.problems import failure_text
from bot.typing_action import SLOW
from bot.wording import fill

if TYPE_CHECKING:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from aiogram.types import Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.settings import Settings
    from monitors.poll import Monitor


ADMIN_COMMANDS = ("addsource", "delsource", "official")
KINDS = {SourceKind.FEED: N_("feed"), SourceKind.CHANNEL: N_("channel")}
STATES = {SourceState.ACTIVE: N_("active"), SourceState.PAUSED: N_("paused")}


def build_router(admins: frozenset[int]) -> Router:
    # A router tries its own handlers before its sub-routers', so the admin commands and
    # the refusal for everyone else are two sub-routers, tried in this order.
    admin = Router(name="sources_admin")
    admin.message.filter(IsAdmin(admins))
    admin.message.register(add, Command("addsource"), TextArgument(), flags=SLOW)
    admin.message.register(delete, Command("delsource"), NumberArgument())
    admin.message.register(official, Command("official"), NumberArgument())
    for command in ADMIN_COMMANDS:
        admin.message.register(admin_usage, Command(command))
    # Channel posts have no sender to check, so in a channel admin commands are refused.
    public = Router(name="sources_public")
    on_command(public, refuse, Command(*ADMIN_COMMANDS))
    on_command(public, sources, Command("sources"))
    router = Router(name="sources")
    router.include_routers(admin, public)
    return router


async def sources(message: Message, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        rows = await list_sources(session)
        zone = await chat_zone(session, message.chat.id)
    if not rows:
        none = Text(_("No sources yet. An admin adds them with /addsource."))
        await message.answer(**none.as_kwargs())
        return
    for text in fit_messages([describe_source(source, zone) for source in rows]):
        await message.answer(**text.as_kwargs())


def describe_source(source: Source, zone: ZoneInfo) -> Text:
    """A source's kind, name and health, its times in the chat's zone."""
    words = Words.current()
    official = " ✅ " + _("official") if source.official else ""
    per_day = round(source.posts_per_day)
    rate = ngettext("%(count)d post/day", "%(count)d posts/day", per_day) % {"count": per_day}
    health = fill(
        _("state: %(state)s, %(rate)s, last success: %(when)s"),
        {
            "state": _(STATES[source.state]),
            "rate": rate,
            "when": _when(source.last_success_at, zone),
        },
    )
    title = Text(f"#{source.id} {_(KINDS[source.kind])} ", Bold(display_name(source)), official)
    lines = [title, health]
    if source.error_count:
        template = ngettext(
            "last error (%(count)d time, %(when)s): %(error)s",
            "last error (%(count)d times, %(when)s): %(error)s",
            source.error_count,
        )
        values = {
            "count": source.error_count,
            "when": _when(source.last_error_at, zone),
            "error": failure_text(Failure.from_json(source.last_failure), words),
        }
        lines.append(fill(template, values))
    if source.state is SourceState.PAUSED:
        lines.append(
            Text(_("paused after a day of failures: /addsource with its address resumes it"))
        )
    return as_list(*lines)


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else _("never")


async def add(
    message: Message,
    argument: str,
    sessions: async_sessionmaker[AsyncSession],
    monitor: Monitor,
    settings: Settings,
) -> None:
    try:
        added = await add_source(sessions, monitor, argument, poll_interval=settings.poll_interval)
    except SourceRejected as exc:
        reason = failure_text(exc.failure, Words.current())
        refused = fill(_("Cannot add that source: %(reason)s"), {"reason": reason})
        await message.answer(**refused.as_kwargs())
        return
    values = {
        "id": added.source.id,
        "name": Bold(display_name(added.source)),
        "count": added.baseline_posts,
    }
    if added.resumed:
        template = _("Source #%(id)d %(name)s is active again.")
    elif added.existed:
        template = _("Already watching #%(id)d %(name)s.")
    else:
        template = ngettext(
            "Added #%(id)d %(name)s. Its %(count)d current post is recorded as a baseline; "
            "new posts from now on are matched.",
            "Added #%(id)d %(name)s. Its %(count)d current posts are recorded as a baseline; "
            "new posts from now on are matched.",
            added.baseline_posts,
        )
    await message.answer(**fill(template, values).as_kwargs())


def _no_such_source(number: int) -> Text:
    return fill(_("There is no source #%(id)d. /sources lists them."), {"id": number})


async def delete(message: Message, number: int, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        removed = await remove_source(session, number)
    if removed is None:
        await message.answer(**_no_such_source(number).as_kwargs())
        return
    values = {"id": number, "name": display_name(removed)}
    await message.answer(**fill(_("Source #%(id)d %(name)s deleted."), values).as_kwargs())


async def official(
    message: Message, number: int, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        source = await toggle_official(session, number)
    if source is None:
        await message.answer(**_no_such_source(number).as_kwargs())
        return
    if source.official:
        template = _("Source #%(id)d %(name)s is official.")
    else:
        template = _("Source #%(id)d %(name)s is no longer official.")
    values = {"id": number, "name": display_name(source)}
    await message.answer(**fill(template, values).as_kwargs())


async def admin_usage(message: Message) -> None:
    usage = _("Usage: /addsource URL-or-@channel, /delsource ID, /official ID (IDs from /sources)")
    await message.answer(**Text(usage).as_kwargs())


async def refuse(message: Message) -> None:
    refusal = _("Sorry, only the operators of this bot can manage sources.")
    await message.answer(**Text(refusal).as_kwargs())
