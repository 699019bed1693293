"""/history, /search, /export: a chat's own alerts, read back."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, LinkPreviewOptions
from aiogram.utils.formatting import Bold, Code, Text, Url, as_list
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from alerts.history import EmptyQuery, count_history, export_rows, history, search
from alerts.preferences import chat_zone
from bot.filters import NumberArgument, TextArgument
from bot.handlers.common import code, on_command
from bot.typing_action import SLOW
from bot.wording import clip, fill

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from aiogram import Bot
    from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.history import HistoryItem
    from rules.lexicon import Lexicon

PAGE = 10
# Ten alerts of at most ~350 characters each stay under Telegram's 4096.
MAX_PAGE = 10
HEADLINE = 200
SOURCE = 60
LINK = 300
# The query is echoed back only this long: enough to recognize it, never a wall of text.
QUERY_ECHO = 40


class HistoryPage(CallbackData, prefix="history"):
    offset: int
    size: int


def build_router() -> Router:
    router = Router(name="history")
    on_command(router, show_history, Command("history"), NumberArgument())
    on_command(router, show_history, Command("history"))
    on_command(router, find, Command("search"), TextArgument(), flags=SLOW)
    on_command(router, find_usage, Command("search"))
    on_command(router, export, Command("export"), flags=SLOW)
    router.callback_query.register(turn_page, HistoryPage.filter())
    return router


async def show_history(
    message: Message, sessions: async_sessionmaker[AsyncSession], number: int = PAGE
) -> None:
    text, keyboard = await _page(sessions, message.chat.id, 0, min(number, MAX_PAGE))
    await message.answer(
        **text.as_kwargs(),
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def turn_page(
    query: CallbackQuery,
    callback_data: HistoryPage,
    sessions: async_sessionmaker[AsyncSession],
    bot: Bot,
) -> None:
    if query.message is None:
        await query.answer()
        return
    text, keyboard = await _page(
        sessions, query.message.chat.id, max(callback_data.offset, 0), callback_data.size
    )
    await query.answer()
    await bot.edit_message_text(
        **text.as_kwargs(),
        chat_id=query.message.chat.id,
        message_id=query.message.message_id,
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def _page(
    sessions: async_sessionmaker[AsyncSession], chat_id: int, offset: int, size: int
) -> tuple[Text, InlineKeyboardMarkup | None]:
    async with sessions() as session:
        total = await count_history(session, chat_id)
        items = await history(session, chat_id, offset=offset, limit=size)
        zone = await chat_zone(session, chat_id)
    if not items:
        return Text(_("No alerts yet.")), None
    header = fill(
        _("Alerts %(first)d–%(last)d of %(total)d, newest first:"),
        {"first": offset + 1, "last": offset + len(items), "total": total},
    )
    keyboard = InlineKeyboardBuilder()
    if offset > 0:
        newer = HistoryPage(offset=offset - size, size=size)
        keyboard.button(text="◀ " + _("Newer"), callback_data=newer)
    if offset + size < total:
        older = HistoryPage(offset=offset + size, size=size)
        keyboard.button(text=_("Older") + " ▶", callback_data=older)
    markup = keyboard.as_markup() if keyboard.buttons else None
    return as_list(header, _list(items, zone), sep="\n\n"), markup


async def find(
    message: Message, argument: str, sessions: async_sessionmaker[AsyncSession], lexicon: Lexicon
) -> None:
    echo = Code(clip(argument, QUERY_ECHO))
    async with sessions() as session:
        try:
            items = await search(session, message.chat.id, argument, lexicon.morphology)
        except EmptyQuery:
            await message.answer(_("Nothing to search for: write at least one word."))
            return
        zone = await chat_zone(session, message.chat.id)
    if not items:
        missing = fill(_("No alert of yours mentions %(query)s."), {"query": echo})
        await message.answer(**missing.as_kwargs())
        return
    header = fill(_("Alerts mentioning %(query)s, newest first:"), {"query": echo})
    await message.answer(
        **as_list(header, _list(items, zone), sep="\n\n").as_kwargs(),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def find_usage(message: Message) -> None:
    await message.answer(
        _("Usage: /search WORDS, for example %(example)s") % {"example": code("/search Суджа")}
    )


async def export(message: Message, sessions: async_sessionmaker[AsyncSession]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sent_at_utc", "source", "headline", "url", "text"])
    rows = 0
    async with sessions() as session:
        async for item in export_rows(session, message.chat.id):
            when = item.sent_at.isoformat()
            writer.writerow([when, item.source, item.first_line, item.url or "", item.text])
            rows += 1
    if not rows:
        await message.answer(_("No alerts yet: nothing to export."))
        return
    document = BufferedInputFile(buffer.getvalue().encode("utf-8-sig"), filename="alerts.csv")
    caption = ngettext("%(count)d alert", "%(count)d alerts", rows) % {"count": rows}
    await message.answer_document(document, caption=caption)


def _list(items: list[HistoryItem], zone: ZoneInfo) -> Text:
    """Alerts one after another: time in the chat's zone, source in bold, headline, link."""
    entries = []
    for item in items:
        when = item.sent_at.astimezone(zone).strftime("%d.%m %H:%M")
        source = Bold(clip(item.source, SOURCE))
        line = Text(f"{when} ", source, ": ", clip(item.first_line, HEADLINE))
        # A link too long to show whole is left out: a cut link leads nowhere.
        if item.url and len(item.url) <= LINK:
            line = as_list(line, Url(item.url))
        entries.append(line)
    return as_list(*entries, sep="\n\n")
