"""``lookout sources add|import|list``: manage sources from the shell.

``add`` says what it is doing on stderr (the fetch can take seconds) and prints the
result as one tab-separated line on stdout: id, name, what happened. ``import FILE``
(see `bot.sourcefile`) prints such a line per source, ``-`` for the id of one that could
not be fetched now, and a count on stderr. Sources that cannot be fetched do not fail
the import (run it again later); a file that cannot be read exits 2.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from alerts.sourceimport import import_sources
from alerts.sources import SourceRejected, add_source, display_name, list_sources
from alerts.store import migrate
from alerts.store.db import create_engine, session_factory
from bot.commands.common import EXIT_USAGE, CommandFailed, load_settings, shorten_url
from bot.sourcefile import SourceFileError, read_sources_file
from monitors.fetcher import Fetcher, user_agent
from monitors.poll import Monitor

if TYPE_CHECKING:
    import argparse

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.sourceimport import SourceImported
    from alerts.sources import SourceAdded
    from bot.settings import Settings


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.log_level)
    texts: list[str] = []
    if args.action == "import":
        # Read before touching the database: a bad file changes nothing.
        try:
            texts = read_sources_file(Path(args.file))
        except SourceFileError as exc:
            raise CommandFailed(str(exc), EXIT_USAGE) from exc
    return asyncio.run(_sources(args, settings, texts))


async def _sources(args: argparse.Namespace, settings: Settings, texts: list[str]) -> int:
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        if args.action == "list":
            await _list(sessions)
        elif args.action == "import":
            _report(await _import(sessions, settings, texts))
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
                Monitor(fetcher, settings.telegram_web_url),
                text,
                poll_interval=settings.poll_interval,
            )
        except SourceRejected as exc:
            raise CommandFailed(f"cannot add {shown}: {exc}") from exc


async def _import(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, texts: list[str]
) -> list[SourceImported]:
    print(f"fetching {counted(len(texts), 'source')} …", file=sys.stderr, flush=True)
    async with Fetcher(
        allow_private_networks=settings.allow_private_networks,
        user_agent=user_agent(settings.contact_url),
    ) as fetcher:
        return await import_sources(
            sessions,
            Monitor(fetcher, settings.telegram_web_url),
            texts,
            poll_interval=settings.poll_interval,
        )


def _report(outcomes: list[SourceImported]) -> None:
    failed = 0
    for outcome in outcomes:
        if outcome.added is None:
            failed += 1
            print(f"-\t{shorten_url(outcome.text)}\tnot added now: {outcome.error}")
        else:
            print(_outcome(outcome.added))
    summary = f"{len(outcomes) - failed} of {counted(len(outcomes), 'source')} are in"
    if failed:
        summary += f"; {failed} could not be added now: import the file again to retry them"
    print(summary, file=sys.stderr)


def _outcome(added: SourceAdded) -> str:
    if added.resumed:
        verb = "resumed"
    elif added.existed:
        verb = "already there"
    else:
        verb = f"added, {counted(added.baseline_posts, 'post')} kept as a baseline (never alerted)"
    return f"{added.source.id}\t{display_name(added.source)}\t{verb}"


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
