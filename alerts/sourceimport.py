"""Importing a list of sources: each added the way `alerts.sources.add_source` adds one,
in bulk.

Importing the same list twice leaves each source once. A source that cannot be fetched
now is not stored (it would have no baseline) and comes back as a failed
`SourceImported`; the others are added all the same. The stored ones are found with one
query per thousand keys; the others are fetched `CONCURRENT_IMPORTS` at a time and
stored `IMPORT_BATCH` to a transaction as their fetches end, so the writes overlap the
fetches still going.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from alerts.sources import (
    SourceAdded,
    SourceRejected,
    check_source,
    existing_sources,
    source_key_of,
    store_new_sources,
)
from monitors.locator import SourceRef, parse_source

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from monitors.poll import Monitor, PollResult

CONCURRENT_IMPORTS = 32
"""Sources fetched at once by an import: a list of hundreds should not open hundreds of
connections, nor take one round trip after another."""
IMPORT_BATCH = 100
"""Fetched sources an import stores per transaction, taking the `STORIES` turn once for
them all: the writes of one source at a time were most of an import's time."""


@dataclass(frozen=True, slots=True)
class SourceImported:
    """One line of an import: what was asked for, and either the outcome or why it failed."""

    text: str
    added: SourceAdded | None
    error: str | None = None


async def import_sources(
    sessions: async_sessionmaker[AsyncSession],
    monitor: Monitor,
    texts: Sequence[str],
    *,
    poll_interval: float,
) -> list[SourceImported]:
    """Add each source of ``texts``; one outcome per text, in the same order."""
    # One text per source: the same source listed twice, however spelled, must not race
    # itself. Each text still gets its own line with the outcome of its source.
    first = {_identity(text): text for text in reversed(texts)}
    outcomes: dict[str, SourceImported] = {}
    refs: dict[str, SourceRef] = {}
    for key, text in first.items():
        try:
            refs[key] = parse_source(text)
        except ValueError as exc:
            outcomes[key] = SourceImported(text, None, str(exc))
    for key, added in (await existing_sources(sessions, refs)).items():
        outcomes[key] = SourceImported(first[key], added)
        del refs[key]
    slots = asyncio.Semaphore(CONCURRENT_IMPORTS)
    # Each fetch hands its result over and keeps nothing: a finished task holding its
    # posts until the end would keep every baseline of the import in memory.
    fetched: asyncio.Queue[tuple[str, PollResult | SourceRejected]] = asyncio.Queue()

    async def fetch(key: str, ref: SourceRef) -> None:
        async with slots:
            try:
                fetched.put_nowait((key, await check_source(monitor, ref)))
            except SourceRejected as exc:
                fetched.put_nowait((key, exc))

    async def store(batch: list[tuple[str, PollResult]]) -> None:
        stored = await store_new_sources(
            sessions, [(refs[key], result) for key, result in batch], poll_interval=poll_interval
        )
        for (key, _result), added in zip(batch, stored, strict=True):
            outcomes[key] = SourceImported(first[key], added)

    fetches = [asyncio.create_task(fetch(key, ref)) for key, ref in refs.items()]
    batch: list[tuple[str, PollResult]] = []
    try:
        for _ in fetches:
            key, result = await fetched.get()
            if isinstance(result, SourceRejected):
                outcomes[key] = SourceImported(first[key], None, str(result))
                continue
            batch.append((key, result))
            if len(batch) >= IMPORT_BATCH:
                await store(batch)
                batch = []
        if batch:
            await store(batch)
    finally:
        # A store that failed (the database gone) ends the import: the fetches still
        # going would only fetch for nothing.
        for task in fetches:
            task.cancel()
    return [replace(outcomes[_identity(text)], text=text) for text in texts]


def _identity(text: str) -> str:
    try:
        return source_key_of(parse_source(text))
    except ValueError:
        return text
