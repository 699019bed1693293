"""/history, /search, /export: a chat's own alerts, read back.

Bounds: a page holds at most `MAX_PAGE` alerts and a button's offset and size are read
by `bot.numbers.parse_number` within theirs; every reply fits Telegram's limit
(`bot.fitting`). /search and /export are heavy: a per-chat `Cooldown`, and the CSV is
written off the event loop, at most `MAX_EXPORT_ROWS` alerts, newest first. A cell that
a spreadsheet would read as a formula (starting with ``= + - @``, a tab or a carriage
return) is written with a leading ``'``.
"""

from __future__ import annotations

import asyncio
import csv
import io
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, LinkPreviewOptions
from aiogram.utils.formatting import Bold, Code, Text, Url, as_list
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from alerts.chats.history import EmptyQuery, count_history, export_rows, history, search
from alerts.chats.preferences import chat_zone
from bot.filters import NumberArgument, TextArgument
from bot.fitting import fit_message, fit_messages
from bot.handlers.common import cooled_down, on_command
from bot.numbers import parse_number
from bot.typing_action import SLOW
from bot.wording import clip, fill

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from aiogram import Bot
    from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.chats.history import HistoryItem
    from bot.cooldown import Cooldown
    from rules.lexicon import Lexicon

PAGE = 10
MAX_PAGE = 10
# Deeper than any chat's history; a forged button asks no more of the database.
MAX_OFFSET = 1_000_000
MAX_EXPORT_ROWS = 10_000
HEADLINE = 200
SOURCE = 60
LINK = 300
# The query is echoed back only this long: enough to recognize it, never a wall of text.
QUERY_ECHO = 40
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    offset = parse_number(callback_data.offset, low=0, high=MAX_OFFSET)
    size = parse_number(callback_data.size, low=1, high=MAX_PAGE)
    if query.message is None or offset is None or size is None:
        await query.answer()
        return
    text, keyboard = await _page(sessions, query.message.chat.id, offset, size)
    await query.answer()
    try:
        await bot.edit_message_text(
            **text.as_kwargs(),
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=keyboard,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    except TelegramBadRequest as exc:
        # The same button pressed twice: the page is already shown.
        if "message is not modified" not in exc.message:
            raise


async def _page(
    sessions: async_sessionmaker[AsyncSession], chat_id: int, offset: int, size: int
) -> tuple[Text, InlineKeyboardMarkup | None]:
    """The page, within Telegram's limit, and its buttons."""
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
        newer = HistoryPage(offset=max(0, offset - size), size=size)
        keyboard.button(text="◀ " + _("Newer"), callback_data=newer)
    if offset + size < total:
        older = HistoryPage(offset=offset + size, size=size)
        keyboard.button(text=_("Older") + " ▶", callback_data=older)
    markup = keyboard.as_markup() if keyboard.buttons else None
    return fit_message(header, _blocks(items, zone)), markup


async def find(
    message: Message,
    argument: str,
    sessions: async_sessionmaker[AsyncSession],
    lexicon: Lexicon,
    cooldown: Cooldown,
) -> None:
    if not await cooled_down(message, cooldown, "search"):
        return
    echo = Code(clip(argument, QUERY_ECHO))
    async with sessions() as session:
        try:
            items = await search(session, message.chat.id, argument, lexicon.morphology)
        except EmptyQuery:
            nothing = Text(_("Nothing to search for: write at least one word."))
            await message.answer(**nothing.as_kwargs())
            return
        zone = await chat_zone(session, message.chat.id)
    if not items:
        missing = fill(_("No alert of yours mentions %(query)s."), {"query": echo})
        await message.answer(**missing.as_kwargs())
        return
    header = fill(_("Alerts mentioning %(query)s, newest first:"), {"query": echo})
    for text in fit_messages([header, *_blocks(items, zone)]):
        await message.answer(
            **text.as_kwargs(), link_preview_options=LinkPreviewOptions(is_disabled=True)
        )


async def find_usage(message: Message) -> None:
    usage = _("Usage: /search WORDS, for example %(example)s")
    await message.answer(**fill(usage, {"example": Code("/search Суджа")}).as_kwargs())


async def export(
    message: Message, sessions: async_sessionmaker[AsyncSession], cooldown: Cooldown
) -> None:
    if not await cooled_down(message, cooldown, "export"):
        return
    items: list[HistoryItem] = []
    async with sessions() as session:
        async for item in export_rows(session, message.chat.id):
            items.append(item)
            if len(items) >= MAX_EXPORT_ROWS:
                break
    if not items:
        await message.answer(**Text(_("No alerts yet: nothing to export.")).as_kwargs())
        return
    data = await asyncio.to_thread(csv_bytes, items)
    document = BufferedInputFile(data, filename="alerts.csv")
    rows = len(items)
    caption = fill(ngettext("%(count)d alert", "%(count)d alerts", rows), {"count": rows})
    await message.answer_document(document, **caption.as_caption_kwargs())


def csv_bytes(items: list[HistoryItem]) -> bytes:
    """The export file: UTF-8 with a BOM, so spreadsheets read Cyrillic right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sent_at_utc", "source", "headline", "url", "text"])
    for item in items:
        cells = [item.source, item.first_line, item.url or "", item.text]
        writer.writerow([item.sent_at.isoformat(), *map(_inert, cells)])
    return buffer.getvalue().encode("utf-8-sig")


def _inert(cell: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _blocks(items: list[HistoryItem], zone: ZoneInfo) -> list[Text]:
    """One block per alert (time in the chat's zone, source in bold, headline, link),
    for `bot.fitting` to pack within Telegram's limit."""
    blocks = []
    for item in items:
        when = item.sent_at.astimezone(zone).strftime("%d.%m %H:%M")
        source = Bold(clip(item.source, SOURCE))
        line = Text(f"{when} ", source, ": ", clip(item.first_line, HEADLINE))
        # A link too long to show whole is left out: a cut link leads nowhere.
        if item.url and len(item.url) <= LINK:
            line = as_list(line, Url(item.url))
        blocks.append(line)
    return blocks
