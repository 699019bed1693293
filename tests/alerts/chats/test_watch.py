"""Watch rules and chats on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, select

from alerts.chats.watch import (
    CONSOLE_CHAT_ID,
    MAX_RULES_PER_CHAT,
    TooManyRules,
    add_rule,
    ensure_chat,
    list_rules,
    remove_rule,
    replace_console_rules,
)
from alerts.store.models import Chat
from rules.errors import RuleSyntaxError


async def test_rule_is_stored_in_canonical_form_and_listed(sessions, lexicon) -> None:
    async with sessions.begin() as session:
        await ensure_chat(session, 7, chat_type="private")
        stored = await add_rule(session, 7, "  !Drone  ", lexicon)
    assert stored.urgent
    async with sessions() as session:
        (row,) = await list_rules(session, 7)
    assert (row.id, row.text, row.urgent) == (stored.id, stored.text, True)
    assert "drone" in row.text.lower()


async def test_a_rule_that_does_not_parse_is_refused_and_not_stored(sessions, lexicon) -> None:
    async with sessions.begin() as session:
        await ensure_chat(session, 7, chat_type="private")
    with pytest.raises(RuleSyntaxError):
        async with sessions.begin() as session:
            await add_rule(session, 7, '"unclosed', lexicon)
    async with sessions() as session:
        assert await list_rules(session, 7) == []


async def test_a_chat_removes_only_its_own_rules(sessions, lexicon) -> None:
    async with sessions.begin() as session:
        await ensure_chat(session, 7, chat_type="private")
        await ensure_chat(session, 8, chat_type="private")
        theirs = await add_rule(session, 8, "kursk", lexicon)
    async with sessions.begin() as session:
        assert not await remove_rule(session, 7, theirs.id)
    async with sessions.begin() as session:
        assert await remove_rule(session, 8, theirs.id)
    async with sessions() as session:
        assert await list_rules(session, 8) == []


async def test_rules_per_chat_are_bounded(sessions, lexicon) -> None:
    async with sessions.begin() as session:
        await ensure_chat(session, 7, chat_type="private")
        for number in range(MAX_RULES_PER_CHAT):
            await add_rule(session, 7, f"word{number}", lexicon)
    with pytest.raises(TooManyRules):
        async with sessions.begin() as session:
            await add_rule(session, 7, "one-more", lexicon)


async def test_console_rules_are_replaced_but_kept_rules_keep_their_age(sessions, lexicon) -> None:
    async with sessions.begin() as session:
        first = await replace_console_rules(session, ["drone", "kursk"], lexicon)
    async with sessions.begin() as session:
        second = await replace_console_rules(session, ["drone", "bridge"], lexicon)
    kept = {rule.text: rule.id for rule in first}
    now = {rule.text: rule.id for rule in second}
    drone = next(text for text in now if "drone" in text)
    assert now[drone] == kept[drone]
    assert len(now) == 2
    assert not any("kursk" in text for text in now)
    async with sessions() as session:
        assert len(await list_rules(session, CONSOLE_CHAT_ID)) == 2


async def _first_contact(sessions, chat_id: int, language: str) -> None:
    async with sessions.begin() as session:
        await ensure_chat(session, chat_id, chat_type="private", language=language)


async def test_two_first_messages_at_once_make_one_chat(engine, sessions) -> None:
    """Regression (issue 13): the second of two first messages failed on the chat's key."""
    second_inserting = asyncio.Event()

    def note_insert(_connection, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CHATS"):
            second_inserting.set()

    async with sessions.begin() as first:
        await ensure_chat(first, 99, chat_type="private", language="ru")
        event.listen(engine.sync_engine, "before_cursor_execute", note_insert)
        try:
            # The second message arrives while the first's row is not yet committed.
            second = asyncio.create_task(_first_contact(sessions, 99, "uk"))
            await asyncio.wait_for(second_inserting.wait(), timeout=10)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", note_insert)
    await second
    async with sessions() as session:
        rows = list(await session.scalars(select(Chat).where(Chat.id == 99)))
    assert [(row.active, row.language) for row in rows] == [(True, "uk")]
