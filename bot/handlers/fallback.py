"""What nothing else answered: a mistyped command, or plain text in a private chat.

Included after every other router, so it sees only messages no handler took. A
command we do not know gets the closest one we do (`/wacth` → `/watch`) and `/help`;
in a group or channel, where other bots' commands pass by too, only a command
addressed to us or close to one of ours is answered. Plain text in a private chat
gets a one-line hint; elsewhere it is people talking, and the bot keeps quiet.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.utils.formatting import Code, Text
from aiogram.utils.i18n import gettext as _

from bot.handlers.sources import ADMIN_COMMANDS
from bot.menu import COMMANDS
from bot.wording import clip, fill

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.types import Message

KNOWN = tuple(sorted({"start", *(name for name, _description in COMMANDS), *ADMIN_COMMANDS}))
# How alike a typed command and ours must be (difflib's ratio): /wacth and /watch are 0.8.
CUTOFF = 0.6
# Longer than any command of ours: what is echoed back of a mistyped one.
ECHO = 40


def closest_command(typed: str) -> str | None:
    found = difflib.get_close_matches(typed.lower(), KNOWN, n=1, cutoff=CUTOFF)
    return found[0] if found else None


async def unknown_command(message: Message, bot: Bot) -> None:
    word, _space, _rest = (message.text or "").partition(" ")
    name, _at, mention = word.removeprefix("/").partition("@")
    me = await bot.me()
    addressed = bool(mention) and mention.lower() == (me.username or "").lower()
    if mention and not addressed:
        return  # another bot's command
    suggestion = closest_command(name)
    private = message.chat.type == ChatType.PRIVATE
    if suggestion is None and not (private or addressed):
        return
    typed = Code(clip("/" + name, ECHO))
    if suggestion is None:
        unknown = _("I do not know the command %(typed)s. /help lists every command.")
        await message.answer(**fill(unknown, {"typed": typed}).as_kwargs())
        return
    template = _(
        "I do not know the command %(typed)s. Did you mean %(command)s? /help lists every command."
    )
    values = {"typed": typed, "command": "/" + suggestion}
    await message.answer(**fill(template, values).as_kwargs())


async def plain_text(message: Message) -> None:
    hint = _("I answer commands: /watch WORDS to get alerts, /help for the rest.")
    await message.answer(**Text(hint).as_kwargs())


def build_router() -> Router:
    router = Router(name="fallback")
    commands = F.text.startswith("/")
    router.message.register(unknown_command, commands)
    router.channel_post.register(unknown_command, commands)
    router.message.register(plain_text, F.chat.type == ChatType.PRIVATE, F.text)
    return router
