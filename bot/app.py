"""The composition root: builds the parts a role runs from `Settings` and runs them.

`run_service` is the whole of `lookout run`: migrate the database, load the rule
lexicon, then run the parts of the process's `Role` until SIGTERM or SIGINT:

- the poll loop (one APScheduler job; sources are leased, `alerts.ingest.leases`, so any
  number of pollers share them);
- the delivery worker, one per bot token: it runs while this process holds the
  sender lock (`alerts.store.locks.Singleton`), and waits as a standby otherwise;
- with a bot token, the bot's long polling, likewise one per token (Telegram hands
  ``getUpdates`` to one consumer); or, with ``LOOKOUT_WEBHOOK_URL``, the webhook
  (`bot.webhook`) on the HTTP server, in every process that answers: no lock, since
  Telegram sends each update to one of them through the load balancer;
- with ``LOOKOUT_HTTP_PORT``, ``/healthz`` and ``/metrics`` (`bot.status`).

A part imports its libraries when it is built: a poller never loads aiogram, and the
parts that do load it build its models on first use (`bot.telegram_models`).
On a signal the process stops taking updates, lets a tick in progress finish, sends
what is due, and exits. A part that ends on its own (a crash, a lost lock) stops the
process with its error, for the supervisor to restart it.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import signal
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

import structlog

from alerts.chats.watch import replace_console_rules
from alerts.metrics import Metrics
from alerts.sources import list_sources
from alerts.store import migrate
from alerts.store.db import create_engine, session_factory
from alerts.store.locks import Singleton
from bot.heap import TRIM_EVERY, heap_trimmer, release_free_memory
from bot.telegram_models import import_aiogram
from monitors.fetcher import Fetcher, user_agent
from monitors.poll import Monitor
from rules.lexicon import Lexicon

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

    from aiogram import Bot, Dispatcher
    from aiohttp import web
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from bot.inflight import InFlight
    from bot.settings import Settings

    Part = Callable[[asyncio.Event], Coroutine[None, None, None]]

log = structlog.get_logger(__name__)

SHUTDOWN_GRACE = 3.0


class StartRefused(Exception):
    """A part cannot start until the operator changes a setting; the message says which."""


class Role(enum.StrEnum):
    ALL = "all"
    POLLER = "poller"
    SENDER = "sender"
    BOT = "bot"

    @property
    def polls(self) -> bool:
        return self in (Role.ALL, Role.POLLER)

    @property
    def sends(self) -> bool:
        return self in (Role.ALL, Role.SENDER)

    @property
    def answers(self) -> bool:
        return self in (Role.ALL, Role.BOT)


@dataclass(kw_only=True)
class Service:
    """What every part shares, built once per process."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    lexicon: Lexicon
    monitor: Monitor
    out: TextIO
    metrics: Metrics = field(default_factory=Metrics)
    # Set when this process also sends: new alerts wake it instead of waiting a round.
    wake_delivery: Callable[[], None] = field(default=lambda: None)

    def singleton(self, role: str) -> Singleton:
        token = self.settings.bot_token
        return Singleton(self.engine, role, token.get_secret_value() if token else "console")


async def run_service(
    settings: Settings, *, watch: list[str], out: TextIO, role: Role = Role.ALL
) -> None:
    engine = create_engine(settings.database_url)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        # The migrating child and the lexicon load overlap: they use different cores.
        _, lexicon = await asyncio.gather(
            migrate.upgrade_in_child(settings.database_url), asyncio.to_thread(Lexicon.load)
        )
        sessions = session_factory(engine)
        async with sessions.begin() as session:
            if watch:
                await replace_console_rules(session, watch, lexicon)
            if role.polls and not await list_sources(session):
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
        service = Service(
            settings=settings,
            engine=engine,
            sessions=sessions,
            lexicon=lexicon,
            monitor=Monitor(fetcher, settings.telegram_web_url),
            out=out,
        )
        parts: dict[str, Part] = {}
        routes: list[web.RouteDef] = []
        if role.sends:
            parts["delivery"] = await _delivery(service, stack)
        if role.polls:
            parts["poll_loop"] = _poll_loop(service)
        if role.answers and settings.bot_token is not None:
            if settings.webhook_url is not None and settings.webhook_secret is not None:
                secret = settings.webhook_secret.get_secret_value()
                parts["bot_webhook"], route = _bot_webhook(
                    service, stack, settings.webhook_url, secret
                )
                routes.append(route)
            else:
                parts["bot_polling"] = _bot_polling(service, stack)
        if settings.http_port is not None:
            from bot.status import StatusConfig, StatusServer  # noqa: PLC0415

            status = StatusServer(
                StatusConfig(settings.http_host, settings.http_port, role.polls, role.sends),
                sessions,
                service.metrics,
                routes=routes,
            )
            await status.start()
            stack.push_async_callback(status.close)
        release_free_memory()
        await _run_until_signal(parts, role)


def _poll_loop(service: Service) -> Part:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler  # noqa: PLC0415

    from alerts.ingest.pipeline import PipelineConfig  # noqa: PLC0415
    from alerts.ingest.poller import Poller  # noqa: PLC0415
    from alerts.ingest.rulebook import RuleBook  # noqa: PLC0415
    from alerts.ingest.spread import HostSpread  # noqa: PLC0415
    from alerts.ingest.storybook import StoryBook  # noqa: PLC0415

    settings = service.settings
    poller = Poller(
        service.sessions,
        service.monitor,
        RuleBook(service.lexicon),
        PipelineConfig(
            poll_interval=settings.poll_interval,
            alert_window=timedelta(hours=settings.alert_window_hours),
            admins=settings.admins,
        ),
        on_alerts=service.wake_delivery,
        metrics=service.metrics,
        # A tick only starts polls: each records its result and wakes delivery itself,
        # so a slow source never delays the next tick.
        tick_wait=0,
        # On PostgreSQL each host is polled by one of the pollers, which alone keeps a
        # connection to it.
        spread=HostSpread(service.engine),
        storybook=StoryBook.sharing(service.lexicon),
    )

    async def run(stop: asyncio.Event) -> None:
        ticking = asyncio.Lock()

        async def tick() -> None:
            # A tick still running (the first one rebuilds the story window) covers this
            # one: each source keeps its own next-check time, so nothing is skipped for good.
            if ticking.locked():
                return
            async with ticking:
                if not stop.is_set():
                    await poller.tick()
                    service.metrics.ticked()

        scheduler = AsyncIOScheduler()
        # Ticks are cheap when nothing is due. Two instances: the second returns at once
        # while a long one runs, where one would have APScheduler warn of a skipped run.
        scheduler.add_job(
            tick,
            "interval",
            seconds=min(1.0, settings.poll_interval),
            # Each tick at a random moment of its second: pollers started together would
            # otherwise tick in the same order every second, and the first would always
            # claim the sources that fell due since the last one's tick.
            jitter=min(1.0, settings.poll_interval),
            max_instances=2,
            coalesce=True,
        )
        # Freed pieces of the polls' memory go back to the system (`bot.heap`).
        scheduler.add_job(heap_trimmer(), "interval", seconds=TRIM_EVERY)
        scheduler.start()
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            async with ticking:
                await poller.aclose()

    return run


async def _delivery(service: Service, stack: AsyncExitStack) -> Part:
    import_aiogram()
    from bot.delivery import DeliveryWorker  # noqa: PLC0415
    from bot.i18n import build_i18n  # noqa: PLC0415
    from bot.senders import ConsoleSender, Sender  # noqa: PLC0415

    i18n = build_i18n()
    sender: Sender = ConsoleSender(service.out, i18n)
    if service.settings.bot_token is not None:
        from bot.dispatch import build_bot  # noqa: PLC0415
        from bot.senders import TelegramSender  # noqa: PLC0415
        from bot.tagnames import LexiconTagNames  # noqa: PLC0415

        courier = build_bot(service.settings, for_replies=False)
        if courier is not None:
            stack.push_async_callback(courier.session.close)
            sender = TelegramSender(courier, i18n, LexiconTagNames(service.lexicon))
    delivery = DeliveryWorker(
        service.sessions,
        sender,
        digest_after=service.settings.digest_after,
        metrics=service.metrics,
    )
    service.wake_delivery = delivery.wake
    lock = service.singleton("sender")

    async def run(stop: asyncio.Event) -> None:
        if not await lock.acquire(stop):
            return
        try:
            await _while_held(lock, delivery.run(stop))
            await delivery.drain_once()
        finally:
            await lock.release()

    return run


def _updates_bot(service: Service, stack: AsyncExitStack) -> tuple[Bot, Dispatcher, InFlight]:
    """The bot client and dispatcher that answer updates (a bot token is set), and the
    updates in hand, which stopping finishes."""
    import_aiogram()
    from bot.dispatch import build_bot, build_dispatcher  # noqa: PLC0415
    from bot.i18n import build_i18n  # noqa: PLC0415
    from bot.inflight import InFlight  # noqa: PLC0415

    bot = build_bot(service.settings, for_replies=True)
    if bot is None:
        raise ValueError("answering updates needs LOOKOUT_BOT_TOKEN")
    stack.push_async_callback(bot.session.close)
    in_flight = InFlight()
    dispatcher = build_dispatcher(
        service.settings,
        service.sessions,
        service.lexicon,
        service.monitor,
        build_i18n(),
        in_flight=in_flight,
    )
    return bot, dispatcher, in_flight


def _bot_webhook(
    service: Service, stack: AsyncExitStack, url: str, secret: str
) -> tuple[Part, web.RouteDef]:
    """Updates by webhook: the part that registers it, and the route that receives them."""
    # Built first: `_updates_bot` imports aiogram the lean way before bot.webhook can.
    # The receiver keeps the updates in hand itself: each is fed in a task it holds.
    bot, dispatcher, _ = _updates_bot(service, stack)

    from aiohttp import web  # noqa: PLC0415

    from bot.webhook import WebhookReceiver, WebhookRefused  # noqa: PLC0415

    receiver = WebhookReceiver(dispatcher, bot, url=url, secret=secret)

    async def run(stop: asyncio.Event) -> None:
        try:
            await receiver.start()
        except WebhookRefused as exc:
            raise StartRefused(f"{exc} (LOOKOUT_WEBHOOK_URL)") from exc
        try:
            await stop.wait()
        finally:
            await receiver.stop()

    return run, web.post(receiver.path, receiver.handle)


def _bot_polling(service: Service, stack: AsyncExitStack) -> Part:
    """The update consumer by long polling, one per bot token."""
    bot, dispatcher, in_flight = _updates_bot(service, stack)
    lock = service.singleton("updates")

    async def poll_updates(stop: asyncio.Event) -> None:
        await _leave_webhook(bot)
        polling = asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
        )
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait([stopper, polling], return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not polling.done():
            try:
                await dispatcher.stop_polling()
            except RuntimeError:
                polling.cancel()  # stopped before polling had begun
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        # Fetched updates are confirmed to Telegram already: finish them before the
        # bot's session and the database close.
        await in_flight.finish()

    async def run(stop: asyncio.Event) -> None:
        if not await lock.acquire(stop):
            return
        try:
            await _while_held(lock, poll_updates(stop))
        finally:
            await lock.release()

    return run


async def _leave_webhook(bot: Bot) -> None:
    """Long polling after webhook mode: Telegram refuses getUpdates while a webhook is set."""
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError  # noqa: PLC0415

    try:
        await bot.delete_webhook()
    except (TelegramAPIError, TelegramNetworkError) as exc:
        # Polling retries on its own; if a webhook is still set, its 409s say so in the log.
        log.warning("webhook_not_deleted", error=str(exc))


async def _while_held(lock: Singleton, work: Awaitable[None]) -> None:
    """Run `work` while `lock` stays held; `alerts.store.locks.LockLost` ends it."""
    task = asyncio.ensure_future(work)
    watch = asyncio.create_task(lock.watch())
    try:
        await asyncio.wait([task, watch], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, watch):
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending
    if watch.done() and not watch.cancelled():
        watch.result()
    task.result()


async def _run_until_signal(parts: dict[str, Part], role: Role) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(part(stop), name=name) for name, part in parts.items()]
    log.info("service_started", role=role.value, parts=sorted(parts))
    crash = await _wait_for_stop_or_crash(stop, tasks)
    log.info("service_stopping")
    try:
        async with asyncio.timeout(SHUTDOWN_GRACE):
            await asyncio.gather(*tasks, return_exceptions=True)
    except TimeoutError:
        unfinished = [task.get_name() for task in tasks if not task.done()]
        log.warning("service_stop_timeout", unfinished=unfinished)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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
    signalled = stopper in done
    stop.set()
    for task in done - {stopper}:
        # A part returns on its own only with a signal; without one, that is a crash too.
        if task.exception() is not None or not signalled:
            return task.exception() or RuntimeError(f"{task.get_name()} ended unexpectedly")
    return None
