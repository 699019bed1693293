"""Every chat's active rules, compiled into one matcher and kept in step with the database.

The poll loop calls `sync` before each tick: rules added or removed since (by the bot,
or by another `lookout` process) are compiled in or dropped, so the cost of a tick
does not grow with the number of unchanged rules. The first sync compiles every stored
rule at once and then runs a full garbage collection, so that bulk counts as old and
is not walked by a collection on the first posts' path. A stored rule the current parser
no longer accepts is logged and skipped, never fatal.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select

from alerts.store.models import Chat, WatchRule
from rules.errors import RuleSyntaxError
from rules.matcher import Matcher
from rules.source import post_source_keys
from rules.syntax import parse_rule

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from rules.lexicon import Lexicon
    from rules.matcher import RuleHit
    from rules.morphology import Morphology

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RuleOwner:
    chat_id: int
    urgent: bool
    created_at: datetime
    sources: frozenset[str]


@dataclass(frozen=True, slots=True)
class ChatHit:
    """A rule of an active chat that matched a post."""

    chat_id: int
    rule_id: int
    urgent: bool
    hit: RuleHit


class RuleBook:
    def __init__(self, lexicon: Lexicon) -> None:
        self._matcher = Matcher(lexicon)
        self._lexicon = lexicon
        self._owners: dict[int, RuleOwner] = {}
        # Stored before rules were length-checked; warned about once, not every tick.
        self._unparsable: set[int] = set()

    def __len__(self) -> int:
        return len(self._owners)

    @property
    def morphology(self) -> Morphology:
        """The lemmatizer the rules match with, which /search's index uses too."""
        return self._lexicon.morphology

    async def sync(self, session: AsyncSession) -> None:
        rows = (
            await session.execute(
                select(
                    WatchRule.id,
                    WatchRule.chat_id,
                    WatchRule.text,
                    WatchRule.urgent,
                    WatchRule.created_at,
                )
                .join(Chat, Chat.id == WatchRule.chat_id)
                .where(Chat.active.is_(True), Chat.paused.is_(False))
            )
        ).all()
        current = {row.id for row in rows}
        first = not self._owners and not self._unparsable
        for rule_id in self._owners.keys() - current:
            self._matcher.remove(rule_id)
            del self._owners[rule_id]
        for row in rows:
            if row.id in self._owners or row.id in self._unparsable:
                continue
            try:
                rule = parse_rule(row.text, self._lexicon)
            except RuleSyntaxError as exc:
                log.warning("stored_rule_unparsable", rule_id=row.id, error=str(exc))
                self._unparsable.add(row.id)
                continue
            self._matcher.add(row.id, rule)
            self._owners[row.id] = RuleOwner(
                row.chat_id, row.urgent, row.created_at, frozenset(rule.sources)
            )
        if first and self._owners:
            gc.collect()

    def match(
        self, text: str, *, sources: Collection[str], first_seen_at: datetime
    ) -> list[ChatHit]:
        """One hit per chat: a rule alerts only on posts first seen after it was created.

        When several of a chat's rules match, an urgent one wins, then the oldest.
        """
        # Ranked as (not urgent, rule id), lowest first; a ChatHit is built for winners only,
        # since a post holds dozens of rules.
        best: dict[int, tuple[tuple[bool, int], RuleHit, RuleOwner]] = {}
        for hit in self._matcher.match(text, sources=sources):
            owner = self._owners.get(hit.rule_id)
            if owner is None or owner.created_at > first_seen_at:
                continue
            rank = (not owner.urgent, hit.rule_id)
            current = best.get(owner.chat_id)
            if current is None or rank < current[0]:
                best[owner.chat_id] = (rank, hit, owner)
        return [
            ChatHit(chat_id, hit.rule_id, owner.urgent, hit)
            for chat_id, (_, hit, owner) in sorted(best.items())
        ]

    def chats_naming(self, names: Collection[str]) -> set[int]:
        """Chats with a rule that names this source (`source:`), to tell when it fails."""
        keys = post_source_keys(names)
        return {owner.chat_id for owner in self._owners.values() if owner.sources & keys}
