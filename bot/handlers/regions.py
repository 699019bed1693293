"""/regions QUERY: the region keys a query names, with their names in the chat's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command
from aiogram.utils.formatting import Code, Text, as_list
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.filters import TextArgument
from bot.handlers.common import on_command
from bot.i18n import current_language
from bot.wording import fill
from rules.regionlist import find_regions

if TYPE_CHECKING:
    from aiogram.types import Message

    from rules.lexicon import Lexicon

# One reply stays far below Telegram's 4,096 characters: a region line is under 80.
MAX_LINES = 40


async def regions(message: Message, argument: str, lexicon: Lexicon) -> None:
    rows = find_regions(lexicon.gazetteer, argument, current_language())
    lines = [Text(Code(f"region:{row.key}"), " — ", row.name) for row in rows[:MAX_LINES]]
    rest = len(rows) - MAX_LINES
    if rest > 0:
        more = ngettext(
            "…and %(count)d more region: write more of the name.",
            "…and %(count)d more regions: write more of the name.",
            rest,
        )
        lines.append(fill(more, {"count": rest}))
    await message.answer(**as_list(*lines).as_kwargs())


async def regions_usage(message: Message) -> None:
    usage = _("Write a region's name or key after /regions, e.g. %(example)s.")
    await message.answer(**fill(usage, {"example": Code("/regions курская")}).as_kwargs())


def build_router() -> Router:
    router = Router(name="regions")
    on_command(router, regions, Command("regions"), TextArgument())
    on_command(router, regions_usage, Command("regions"))
    return router
