"""Registration and reply pieces shared by the command routers.

Commands work alike in private chats, groups and channels: a channel's admins give
them as channel posts, so every command handler is registered for both messages and
channel posts. Commands that change a chat pass `CanManageChat`; in a group, everyone
else gets `refuse_non_manager` instead. Replies go through aiogram's gettext (see
`bot.i18n`) and are built as `utils.formatting` nodes (`bot.wording.fill`), sent as
text and entities: nothing a user or a source wrote is ever parsed as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.utils.formatting import Text
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.access import CanManageChat
from bot.wording import fill

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiogram.types import Message

    from bot.cooldown import Cooldown


def on_command(
    router: Router, handler: Callable[..., Any], *filters: Any, flags: dict[str, Any] | None = None
) -> None:
    router.message.register(handler, *filters, flags=flags)
    router.channel_post.register(handler, *filters, flags=flags)


def only_managers() -> str:
    return _("Only this group's administrators can change its alerts.")


async def cooled_down(message: Message, cooldown: Cooldown, command: str) -> bool:
    """True when the chat may run a heavy command now; else it is told how long to wait."""
    wait = cooldown.wait_left(message.chat.id, command)
    if wait:
        template = ngettext(
            "Please wait %(seconds)d second before using %(command)s again.",
            "Please wait %(seconds)d seconds before using %(command)s again.",
            wait,
        )
        await message.answer(
            **fill(template, {"seconds": wait, "command": f"/{command}"}).as_kwargs()
        )
    return not wait


async def refuse_non_manager(message: Message) -> None:
    await message.answer(**Text(only_managers()).as_kwargs())


def managed_routers(name: str, commands: tuple[str, ...]) -> tuple[Router, Router]:
    """A router for those who may change the chat, and one refusing everyone else.

    Include them in this order: a router tries its own handlers before its children's,
    so the two must be siblings for the refusal to come second.
    """
    managers = Router(name=f"{name}_managers")
    managers.message.filter(CanManageChat())
    refusals = Router(name=f"{name}_refusals")
    on_command(refusals, refuse_non_manager, Command(*commands))
    return managers, refusals
