"""``lookout sources add|list``: manage sources from the shell.

``add`` says what it is doing on stderr (the fetch can take seconds) and prints the
result as one tab-separated line on stdout: id, name, what happened.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from alerts import migrate
from alerts.db import create_engine, session_factory
from alerts.sources import SourceRejected, add_source, display_name, list_sources
from bot.commands.common import CommandFailed, load_settings, shorten_url
from monitors.fetcher import Fetcher, user_agent

if TYPE_CHECKING:
    import argparse

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.sources import SourceAdded
    from bot.settings import Settings


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_sources(args, load_settings(args.log_level)))


async def _sources(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        if args.action == "list":
            await _list(sessions)
        else:
            print(_outcome(await _add(sessions, settings, args.source)))
        return 0
    finally:
        await engine.dispose()


async def _list(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        for source in await list_sources(session):
            print(
                f"{source.id}\t{source.kind.value}\t{source.state.value}\t"
                f"{source.locator}\t{display_name(source)}"
            )


async def _add(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, text: str
) -> SourceAdded:
    shown = shorten_url(text)
    print(f"fetching {shown} …", file=sys.stderr, flush=True)
    async with Fetcher(
        allow_private_networks=settings.allow_private_networks,
        user_agent=user_agent(settings.contact_url),
    ) as fetcher:
        try:
            return await add_source(
                sessions,
                fetcher,
                text,
                telegram_web_url=settings.telegram_web_url,
                poll_interval=settings.poll_interval,
            )
        except SourceRejected as exc:
            raise CommandFailed(f"cannot add {shown}: {exc}") from exc


def _outcome(added: SourceAdded) -> str:
    if added.resumed:
        verb = "resumed"
    elif added.existed:
        verb = "already there"
    else:
        verb = f"added, {posts(added.baseline_posts)} kept as a baseline (never alerted)"
    return f"{added.source.id}\t{display_name(added.source)}\t{verb}"


def posts(count: int) -> str:
    return f"{count} post" if count == 1 else f"{count} posts"
