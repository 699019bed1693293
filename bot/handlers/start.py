"""/start and /help: who the bot is and every command it takes, in the asker's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.utils.formatting import Bold, Code, Text, as_line, as_list
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from alerts.chats.trial import TRIAL_DAYS
from bot.handlers.common import on_command
from bot.wording import fill

if TYPE_CHECKING:
    from aiogram.types import Message
    from aiogram.utils.formatting import NodeType

# Rules in the rule language are the same in every language: they stay out of the catalogs.
EXAMPLES = {
    "either": Code("дрон OR БПЛА Курск"),
    "phrase": Code('"мост через Сейм"'),
    "prefix": Code("дрон*"),
    "without": Code("-учения"),
    "fields": as_line(
        Code("region:kursk"), Code("topic:drones"), Code("source:@channel"), sep=", ", end=""
    ),
}


def help_text() -> Text:
    """The /help message; every line but the markup and the example rules is translated."""
    intro = fill(
        _(
            "%(lookout)s watches news feeds and public Telegram channels and alerts you "
            "when a new post matches your watch rules."
        ),
        {"lookout": Bold("Lookout")},
    )
    rules = [
        _heading(_("Rules")),
        _("/watch RULE — alert this chat about new posts matching RULE"),
        _("/watch !RULE — the same, urgent: it rings even in quiet hours"),
        _("/rules — this chat's rules, with buttons to delete them"),
        _("/unwatch ID — delete a rule"),
        fill(
            ngettext(
                "/test RULE — how often RULE would have matched in the last %(days)d day",
                "/test RULE — how often RULE would have matched in the last %(days)d days",
                TRIAL_DAYS,
            ),
            {"days": TRIAL_DAYS},
        ),
        _("/regions NAME — the keys to write after region:, found by any name"),
    ]
    when = [
        _heading(_("When")),
        _("/pause, /resume — stop and restart alerts"),
        _("/quiet 23:00-07:00 — alerts arrive without sound then (/quiet off)"),
        _("/tz Europe/Kyiv — this chat's time zone"),
    ]
    looking_back = [
        _heading(_("Looking back")),
        _("/history [N] — the latest alerts, with buttons for older ones"),
        _("/search WORDS — find your alerts that mention WORDS"),
        _("/export — all your alerts as a CSV file"),
        _("/sources — the sources being watched and their health"),
    ]
    writing = [
        _heading(_("Writing a rule")),
        fill(_("%(either)s — either word, and Курск: OR binds first"), EXAMPLES),
        fill(_("%(phrase)s — the words together and in this order"), EXAMPLES),
        fill(_("%(prefix)s — any word starting with дрон"), EXAMPLES),
        fill(_("%(without)s — only posts without the word"), EXAMPLES),
        fill(_("%(fields)s — a region with its places, a topic, one source"), EXAMPLES),
        _("Words match in any form, in Russian, Ukrainian and English."),
    ]
    footer = [
        _("In groups only the group's administrators change rules and settings."),
        _(
            "Admins of this bot: /addsource URL-or-@channel (again to resume a paused one), "
            "/delsource ID, /official ID"
        ),
    ]
    sections: list[list[NodeType]] = [[intro], rules, when, looking_back, writing, footer]
    return as_list(*(as_list(*lines) for lines in sections), sep="\n\n")


def _heading(title: str) -> Text:
    return Bold(title)


async def start(message: Message) -> None:
    # The chat's row was made by ChatTracker before this handler ran.
    await message.answer(**help_text().as_kwargs())


async def help_(message: Message) -> None:
    await message.answer(**help_text().as_kwargs())


def build_router() -> Router:
    router = Router(name="start")
    on_command(router, start, CommandStart())
    on_command(router, help_, Command("help"))
    return router
