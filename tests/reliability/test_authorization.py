"""The authorization matrix: every command and button, asked by every kind of sender.

Kinds: a private chat, a group administrator, an anonymous group administrator (who
writes as the group), a plain group member, and a channel (whose posts only its
admins can make). The table is printed with the reliability figures; the test fails
on any cell that differs from what DESIGN.md promises: in groups only
administrators change the chat, and only the operator's admins manage sources.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from bot.handlers.watching import RuleButton
from tests.bot.conftest import conversation, reply_bot

__all__ = ["conversation", "reply_bot"]

if TYPE_CHECKING:
    from tests.fakes.telegram import FakeTelegram
    from tests.reliability.conftest import Figures

PRIVATE = 51
GROUP_ADMIN_GROUP = -200_001
ANONYMOUS_GROUP = -200_002
MEMBER_GROUP = -200_003
CHANNEL = -1_000_000_200_004
GROUP_ADMIN = 61
MEMBER = 62
KINDS = ("private", "group admin", "anonymous admin", "group member", "channel")

# Argument-free where possible, so each command does the least work to answer.
MANAGING = ["/watch drone", "/unwatch 1", "/pause", "/resume", "/quiet 23:00-07:00", "/tz UTC"]
READING = ["/start", "/help", "/rules", "/test drone", "/history", "/search drone", "/export"]
READING += ["/sources"]
OPERATING = ["/addsource @somechannel", "/delsource 1", "/official 1"]
REFUSALS = ("Only this group's administrators", "only the operators")
ALLOWED, REFUSED, SILENT = "allowed", "refused", "no answer"  # silence is always wrong


@pytest.fixture
def database_url(tmp_path) -> str:
    # SQLite only: who may do what does not depend on the database.
    return f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}"


def expected(command: str, kind: str) -> str:
    if command in OPERATING:
        return REFUSED
    if command in MANAGING or command == "button":
        return REFUSED if kind == "group member" else ALLOWED
    return ALLOWED


async def ask(fake: FakeTelegram, kind: str, text: str) -> str:
    chat = {
        "private": PRIVATE,
        "group admin": GROUP_ADMIN_GROUP,
        "anonymous admin": ANONYMOUS_GROUP,
        "group member": MEMBER_GROUP,
        "channel": CHANNEL,
    }[kind]
    before = len(fake.messages_to(chat)) + len(fake.documents)
    if kind == "anonymous admin":
        fake.user_says(chat, text, anonymous_admin=True)
    elif kind == "group admin":
        fake.user_says(chat, text, user_id=GROUP_ADMIN)
    elif kind == "group member":
        fake.user_says(chat, text, user_id=MEMBER)
    else:
        fake.user_says(chat, text)
    try:
        await fake.wait_for(
            lambda: len(fake.messages_to(chat)) + len(fake.documents) > before, timeout=3
        )
    except TimeoutError:
        return SILENT
    replies = fake.messages_to(chat)[before - len(fake.documents) :]
    refused = any(refusal in reply.text for reply in replies for refusal in REFUSALS)
    return REFUSED if refused else ALLOWED


async def press_delete(fake: FakeTelegram, kind: str) -> str:
    """Press a rule's delete button under the bot's last message in that kind of chat."""
    chat = {"group member": MEMBER_GROUP}.get(kind, GROUP_ADMIN_GROUP)
    chat = {"private": PRIVATE, "channel": CHANNEL}.get(kind, chat)
    message = fake.messages_to(chat)[-1]
    before = len(fake.callback_answers)
    user = {"group admin": GROUP_ADMIN, "group member": MEMBER}.get(kind)
    fake.press_button(chat, message.message_id, RuleButton(rule_id=1).pack(), user_id=user)
    answer = await fake.wait_for(lambda: fake.callback_answers[before:], timeout=5)
    return REFUSED if any(REFUSALS[0] in (a.text or "") for a in answer) else ALLOWED


async def test_every_command_and_button_by_every_kind_of_sender(
    conversation, fake_telegram: FakeTelegram, figures: Figures
) -> None:
    for chat, kind in (
        (GROUP_ADMIN_GROUP, "supergroup"),
        (ANONYMOUS_GROUP, "supergroup"),
        (MEMBER_GROUP, "supergroup"),
        (CHANNEL, "channel"),
    ):
        fake_telegram.add_chat(chat, kind, title=f"chat {chat}")
    fake_telegram.set_member_status(GROUP_ADMIN_GROUP, GROUP_ADMIN, "administrator")
    fake_telegram.set_member_status(MEMBER_GROUP, MEMBER, "member")

    matrix: dict[str, dict[str, str]] = {}
    for command in MANAGING + READING + OPERATING:
        matrix[command] = {}
        for kind in KINDS:
            matrix[command][kind] = await ask(fake_telegram, kind, command)
            await asyncio.sleep(0)
    matrix["button: delete rule"] = {
        kind: await press_delete(fake_telegram, kind) for kind in KINDS if kind != "anonymous admin"
    }

    for command, row in matrix.items():
        figures.add("authorization", command, ", ".join(f"{k}: {v}" for k, v in row.items()))
    wrong = {
        (command, kind): outcome
        for command, row in matrix.items()
        for kind, outcome in row.items()
        if outcome != expected("button" if command.startswith("button") else command, kind)
    }
    assert wrong == {}
