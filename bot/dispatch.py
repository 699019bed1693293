"""The Telegram side of the service: bot clients and the dispatcher with its routers.

Only the roles that talk to Telegram (`bot.app`) import this module, and with it aiogram.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.activity import ChatTracker
from bot.cooldown import Cooldown
from bot.handlers import chat_settings, fallback, history, regions, sources, start, watching
from bot.i18n import ChatLanguage
from bot.menu import publish_commands
from bot.replies import WaitOutFloodControl
from bot.typing_action import ShowTyping

if TYPE_CHECKING:
    from aiogram.utils.i18n import I18n
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.inflight import InFlight
    from bot.settings import Settings
    from monitors.poll import Monitor
    from rules.lexicon import Lexicon


def build_bot(settings: Settings, *, for_replies: bool) -> Bot | None:
    """A bot client; replies wait out flood control, alert delivery schedules around it."""
    if settings.bot_token is None:
        return None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    if for_replies:
        session.middleware(WaitOutFloodControl())
    # No default parse mode: every message is text with entities (`utils.formatting`),
    # so nothing sent is ever read as markup.
    return Bot(settings.bot_token.get_secret_value(), session=session)


def build_dispatcher(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    lexicon: Lexicon,
    monitor: Monitor,
    i18n: I18n,
    *,
    in_flight: InFlight,
) -> Dispatcher:
    dispatcher = Dispatcher(
        sessions=sessions,
        lexicon=lexicon,
        monitor=monitor,
        settings=settings,
        i18n=i18n,
        cooldown=Cooldown(),
    )
    # Outermost, so it holds every update's task from the start (see bot.inflight).
    dispatcher.update.outer_middleware(in_flight)
    tracker = ChatTracker(sessions)
    dispatcher.message.outer_middleware(tracker)
    dispatcher.channel_post.outer_middleware(tracker)
    ChatLanguage(i18n, sessions).setup(dispatcher)
    typing = ShowTyping()
    dispatcher.message.middleware(typing)
    dispatcher.channel_post.middleware(typing)
    dispatcher.startup.register(publish_commands)
    dispatcher.include_routers(
        start.build_router(),
        watching.build_router(),
        chat_settings.build_router(),
        history.build_router(),
        sources.build_router(settings.admins),
        regions.build_router(),
        # Last: it answers what no router above took.
        fallback.build_router(),
    )
    return dispatcher
