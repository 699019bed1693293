"""The command menu Telegram shows beside the message box, in every language we have.

The descriptions are translated through the catalogs like any reply: the English list
is the default, and each catalog (Russian, Ukrainian) publishes its own for people
whose Telegram is set to that language.

Publishing it is optional: when Telegram refuses, the bot still works, so a failure is
logged and never stops the service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand

from bot.i18n import N_

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.utils.i18n import I18n

log = structlog.get_logger(__name__)

# (command, description); a description is at most 256 characters, shorter reads better.
COMMANDS = (
    ("watch", N_("Watch for posts matching a rule")),
    ("rules", N_("Your watch rules")),
    ("unwatch", N_("Delete a rule")),
    ("test", N_("Try a rule on the last week")),
    ("history", N_("Latest alerts")),
    ("search", N_("Search your alerts")),
    ("export", N_("Alerts as a CSV file")),
    ("pause", N_("Pause alerts")),
    ("resume", N_("Resume alerts")),
    ("quiet", N_("Quiet hours")),
    ("tz", N_("Time zone")),
    ("sources", N_("Watched sources")),
    ("regions", N_("Region keys for rules")),
    ("help", N_("How to use Lookout")),
)


def commands_for(i18n: I18n, locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=command, description=i18n.gettext(description, locale=locale))
        for command, description in COMMANDS
    ]


async def publish_commands(bot: Bot, i18n: I18n) -> None:
    """The English menu as the default, then one per catalog under its language code."""
    menus: list[tuple[str | None, str]] = [(None, i18n.default_locale)]
    menus += [(locale, locale) for locale in sorted(i18n.available_locales)]
    for language_code, locale in menus:
        try:
            await bot.set_my_commands(commands_for(i18n, locale), language_code=language_code)
        except TelegramAPIError as exc:
            log.warning("command_menu_refused", language=language_code, error=exc.message)
