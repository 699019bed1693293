"""Chats and their watch rules.

A watch rule belongs to a chat; a chat with rules is a subscriber. A rule is stored as
the person typed it and parsed again whenever it is compiled, so a better parser
improves old rules too. Rules are checked here before they are stored: a rule the
parser refuses never reaches the database, and neither does one whose canonical form
(what is stored and parsed again) is longer than the parser accepts: ``a|b|c`` grows
to ``a OR b OR c``, so a 450-character rule can store 600.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from alerts.store.db import rowcount
from alerts.store.models import Chat, WatchRule
from rules.syntax import MAX_LENGTH, parse_rule

if TYPE_CHECKING:
    from sqlalchemy import Insert
    from sqlalchemy.ext.asyncio import AsyncSession

    from rules.lexicon import Lexicon
    from rules.rule import Rule

CONSOLE_CHAT_ID = 0
MAX_RULES_PER_CHAT = 100
URGENT_MARK = "!"


class TooManyRules(Exception):
    """The chat already has as many rules as one chat may keep."""


class RuleTooLong(Exception):
    """The rule written out in full is longer than a stored rule may be."""

    def __init__(self, length: int) -> None:
        super().__init__(f"the rule in full is {length} characters, over {MAX_LENGTH}")
        self.length = length
        self.limit = MAX_LENGTH


def checked_rule(body: str, lexicon: Lexicon) -> Rule:
    """The parsed rule, if it can be stored; `RuleSyntaxError` or `RuleTooLong`."""
    rule = parse_rule(body, lexicon)
    if len(rule.canonical) > MAX_LENGTH:
        raise RuleTooLong(len(rule.canonical))
    return rule


@dataclass(frozen=True, slots=True)
class StoredRule:
    id: int
    text: str
    urgent: bool
    rule: Rule


def split_urgent(text: str) -> tuple[str, bool]:
    """`!RULE` marks a rule urgent: its alerts ring even in quiet hours."""
    stripped = text.strip()
    if stripped.startswith(URGENT_MARK):
        return stripped[len(URGENT_MARK) :].strip(), True
    return stripped, False


async def ensure_chat(
    session: AsyncSession,
    chat_id: int,
    *,
    chat_type: str,
    title: str | None = None,
    language: str | None = None,
) -> Chat:
    """The chat's row, created on first contact; a chat that writes again is active again.

    Idempotent under concurrency: when two first messages from a new chat arrive at
    once, the second insert does nothing (it waits for the first's row, then finds it).
    """
    new_row = {"id": chat_id, "type": chat_type, "title": title, "language": language}
    await session.execute(_insert_if_absent(session, new_row))
    # populate_existing: a row this session loaded before the insert is read afresh.
    found = select(Chat).where(Chat.id == chat_id).execution_options(populate_existing=True)
    chat = (await session.scalars(found)).one()
    chat.active = True
    chat.title = title or chat.title
    chat.language = language or chat.language
    await session.flush()
    return chat


def _insert_if_absent(session: AsyncSession, values: dict[str, object]) -> Insert:
    """INSERT … ON CONFLICT (id) DO NOTHING, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(Chat).values(values).on_conflict_do_nothing(index_elements=[Chat.id])


async def add_rule(session: AsyncSession, chat_id: int, text: str, lexicon: Lexicon) -> StoredRule:
    """Parse and store a rule; raises `RuleSyntaxError`, `RuleTooLong` or `TooManyRules`."""
    body, urgent = split_urgent(text)
    rule = checked_rule(body, lexicon)
    count = await session.scalar(
        select(func.count()).select_from(WatchRule).where(WatchRule.chat_id == chat_id)
    )
    if (count or 0) >= MAX_RULES_PER_CHAT:
        raise TooManyRules(f"a chat may keep at most {MAX_RULES_PER_CHAT} rules")
    row = WatchRule(chat_id=chat_id, text=rule.canonical, urgent=urgent)
    session.add(row)
    await session.flush()
    return StoredRule(id=row.id, text=row.text, urgent=urgent, rule=rule)


async def list_rules(session: AsyncSession, chat_id: int) -> list[WatchRule]:
    result = await session.scalars(
        select(WatchRule).where(WatchRule.chat_id == chat_id).order_by(WatchRule.id)
    )
    return list(result)


async def remove_rule(session: AsyncSession, chat_id: int, rule_id: int) -> bool:
    """Delete one of the chat's own rules; False when the chat has no rule with that id."""
    result = await session.execute(
        delete(WatchRule).where(WatchRule.id == rule_id, WatchRule.chat_id == chat_id)
    )
    return rowcount(result) > 0


async def replace_console_rules(
    session: AsyncSession, texts: list[str], lexicon: Lexicon
) -> list[StoredRule]:
    """Make the console pseudo-chat watch exactly `texts`, keeping rules it already had.

    Kept rules keep their creation time, so a restart does not replay old posts.
    """
    await ensure_chat(session, CONSOLE_CHAT_ID, chat_type="console", title="terminal")
    wanted = {
        checked_rule(body, lexicon).canonical: (body, urgent)
        for body, urgent in map(split_urgent, texts)
    }
    existing = await list_rules(session, CONSOLE_CHAT_ID)
    for row in existing:
        if row.text not in wanted:
            await session.delete(row)
    have = {row.text for row in existing}
    for canonical, (_body, urgent) in wanted.items():
        if canonical not in have:
            session.add(WatchRule(chat_id=CONSOLE_CHAT_ID, text=canonical, urgent=urgent))
    await session.flush()
    return [
        StoredRule(id=row.id, text=row.text, urgent=row.urgent, rule=parse_rule(row.text, lexicon))
        for row in await list_rules(session, CONSOLE_CHAT_ID)
    ]
