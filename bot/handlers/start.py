"""/start and /help: who the bot is and every command it takes, in the asker's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from alerts.chats.trial import TRIAL_DAYS
from bot.handlers.common import on_command

if TYPE_CHECKING:
    from aiogram.types import Message

# Rules in the rule language are the same in every language: they stay out of the catalogs.
EXAMPLES = {
    "either": "<code>дрон OR БПЛА Курск</code>",
    "phrase": '<code>"мост через Сейм"</code>',
    "prefix": "<code>дрон*</code>",
    "without": "<code>-учения</code>",
    "fields": "<code>region:kursk</code>, <code>topic:drones</code>, <code>source:@channel</code>",
}


def help_text() -> str:
    """The /help message; every line but the markup and the example rules is translated."""
    intro = _(
        "%(lookout)s watches news feeds and public Telegram channels and alerts you "
        "when a new post matches your watch rules."
    ) % {"lookout": "<b>Lookout</b>"}
    rules = [
        _heading(_("Rules")),
        _("/watch RULE — alert this chat about new posts matching RULE"),
        _("/watch !RULE — the same, urgent: it rings even in quiet hours"),
        _("/rules — this chat's rules, with buttons to delete them"),
        _("/unwatch ID — delete a rule"),
        ngettext(
            "/test RULE — how often RULE would have matched in the last %(days)d day",
            "/test RULE — how often RULE would have matched in the last %(days)d days",
            TRIAL_DAYS,
        )
        % {"days": TRIAL_DAYS},
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
        _("%(either)s — either word, and Курск: OR binds first") % EXAMPLES,
        _("%(phrase)s — the words together and in this order") % EXAMPLES,
        _("%(prefix)s — any word starting with дрон") % EXAMPLES,
        _("%(without)s — only posts without the word") % EXAMPLES,
        _("%(fields)s — a region with its places, a topic, one source") % EXAMPLES,
        _("Words match in any form, in Russian, Ukrainian and English."),
    ]
    footer = [
        _("In groups only the group's administrators change rules and settings."),
        _(
            "Admins of this bot: /addsource URL-or-@channel (again to resume a paused one), "
            "/delsource ID, /official ID"
        ),
    ]
    sections = [[intro], rules, when, looking_back, writing, footer]
    return "\n\n".join("\n".join(lines) for lines in sections)


def _heading(title: str) -> str:
    return f"<b>{title}</b>"


async def start(message: Message) -> None:
    # The chat's row was made by ChatTracker before this handler ran.
    await message.answer(help_text())


async def help_(message: Message) -> None:
    await message.answer(help_text())


def build_router() -> Router:
    router = Router(name="start")
    on_command(router, start, CommandStart())
    on_command(router, help_, Command("help"))
    return router
