"""The composition root: builds every part from `Settings` and runs them in one process.

`run_service` is the whole of `lookout run`: migrate the database, load the rule
lexicon, then run the poll loop (one APScheduler job), the delivery worker and — with
a bot token — the bot's long polling, until SIGTERM or SIGINT. On a signal it stops
taking updates, lets a tick in progress finish, sends what is due, and exits.
"""

from __future__ import annotations

import asyncio
import signal
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

import structlog
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts import migrate
from alerts.db import create_engine, session_factory
from alerts.pipeline import PipelineConfig
from alerts.poller import Poller
from alerts.rulebook import RuleBook
from alerts.sources import list_sources
from alerts.watch import replace_console_rules
from bot.activity import ChatTracker
from bot.cooldown import Cooldown
from bot.delivery import DeliveryWorker
from bot.handlers import chat_settings, history, sources, start, watching
from bot.i18n import ChatLanguage, build_i18n
from bot.menu import publish_commands
from bot.replies import WaitOutFloodControl
from bot.senders import ConsoleSender, Sender, TelegramSender
from bot.tagnames import LexiconTagNames
from monitors.fetcher import Fetcher, user_agent
from rules.lexicon import Lexicon

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.settings import Settings

log = structlog.get_logger(__name__)

SHUTDOWN_GRACE = 3.0


def build_bot(settings: Settings, *, for_replies: bool) -> Bot | None:
    """A bot client; replies wait out flood control, alert delivery schedules around it."""
    if settings.bot_token is None:
        return None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    if for_replies:
        session.middleware(WaitOutFloodControl())
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )


def build_dispatcher(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    lexicon: Lexicon,
    fetcher: Fetcher,
) -> Dispatcher:
    i18n = build_i18n()
    dispatcher = Dispatcher(
        sessions=sessions,
        lexicon=lexicon,
        fetcher=fetcher,
        settings=settings,
        i18n=i18n,
        cooldown=Cooldown(),
    )
    tracker = ChatTracker(sessions)
    dispatcher.message.outer_middleware(tracker)
    dispatcher.channel_post.outer_middleware(tracker)
    ChatLanguage(i18n, sessions).setup(dispatcher)
    dispatcher.startup.register(publish_commands)
    dispatcher.include_routers(
        start.build_router(),
        watching.build_router(),
        chat_settings.build_router(),
        history.build_router(),
        sources.build_router(settings.admins),
    )
    return dispatcher


async def run_service(settings: Settings, *, watch: list[str], out: TextIO) -> None:
    engine = create_engine(settings.database_url)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        lexicon = await asyncio.to_thread(Lexicon.load)
        async with sessions.begin() as session:
            if watch:
                await replace_console_rules(session, watch, lexicon)
            if not await list_sources(session):
                log.warning(
                    "no_sources",
                    hint="add one with `lookout sources add URL-or-@channel` or /addsource",
                )
        fetcher = await stack.enter_async_context(
            Fetcher(
                allow_private_networks=settings.allow_private_networks,
                user_agent=user_agent(settings.contact_url),
            )
        )
        bot = build_bot(settings, for_replies=True)
        courier = build_bot(settings, for_replies=False)
        for client in (bot, courier):
            if client is not None:
                stack.push_async_callback(client.session.close)
        sender: Sender = (
            TelegramSender(courier, LexiconTagNames(lexicon))
            if courier is not None
            else ConsoleSender(out)
        )
        delivery = DeliveryWorker(sessions, sender, digest_after=settings.digest_after)
        poller = Poller(
            sessions,
            fetcher,
            RuleBook(lexicon),
            PipelineConfig(
                poll_interval=settings.poll_interval,
                alert_window=timedelta(hours=settings.alert_window_hours),
                admins=settings.admins,
            ),
            telegram_web_url=settings.telegram_web_url,
            on_alerts=delivery.wake,
            # A tick only starts polls: each records its result and wakes delivery itself,
            # so a slow source never delays the next tick.
            tick_wait=0,
        )
        dispatcher = (
            build_dispatcher(settings, sessions, lexicon, fetcher) if bot is not None else None
        )
        await _run_until_signal(poller, delivery, bot, dispatcher, settings.poll_interval)


async def _run_until_signal(
    poller: Poller,
    delivery: DeliveryWorker,
    bot: Bot | None,
    dispatcher: Dispatcher | None,
    poll_interval: float,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    ticking = asyncio.Lock()

    async def tick() -> None:
        async with ticking:
            if not stop.is_set():
                await poller.tick()

    scheduler = AsyncIOScheduler()
    # Ticks are cheap when nothing is due; each source keeps its own next-check time.
    scheduler.add_job(
        tick, "interval", seconds=min(1.0, poll_interval), max_instances=1, coalesce=True
    )
    scheduler.start()
    tasks = [asyncio.create_task(delivery.run(stop), name="delivery")]
    if bot is not None and dispatcher is not None:
        tasks.append(
            asyncio.create_task(
                dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False),
                name="bot_polling",
            )
        )
    log.info("service_started", telegram=bot is not None)
    crash = await _wait_for_stop_or_crash(stop, tasks)
    log.info("service_stopping")
    scheduler.shutdown(wait=False)
    polling = tasks[1:]
    if dispatcher is not None and polling and not polling[0].done():
        await dispatcher.stop_polling()
    async with asyncio.timeout(SHUTDOWN_GRACE):
        async with ticking:
            await poller.aclose()
        await asyncio.gather(*tasks, return_exceptions=True)
        if crash is None:
            await delivery.drain_once()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(sig)
    if crash is not None:
        raise crash
    log.info("service_stopped")


async def _wait_for_stop_or_crash(
    stop: asyncio.Event, tasks: list[asyncio.Task[None]]
) -> BaseException | None:
    """Wait for a signal; a task that ends on its own first stops the service with its error."""
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    for task in done:
        if task is not stopper:
            return task.exception() or RuntimeError(f"{task.get_name()} ended unexpectedly")
    return None
