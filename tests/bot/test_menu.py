"""The command menu in three languages, and a bot that works when Telegram refuses it."""

from __future__ import annotations

from bot.i18n import build_i18n
from bot.menu import COMMANDS, publish_commands
from tests.fakes.telegram import CommandsKey


async def test_menu_is_published_in_english_russian_and_ukrainian(conversation, fake_telegram):
    await conversation.say(5, "/help")
    english = fake_telegram.commands[CommandsKey()]
    russian = fake_telegram.commands[CommandsKey(language_code="ru")]
    ukrainian = fake_telegram.commands[CommandsKey(language_code="uk")]
    assert [name for name, _ in english] == [row[0] for row in COMMANDS]
    assert dict(russian)["watch"] == "Следить за постами по правилу"
    assert dict(ukrainian)["history"] == "Останні сповіщення"


async def test_a_refused_menu_is_not_fatal(reply_bot, fake_telegram):
    fake_telegram.fail_next(3, status=400, methods=("setMyCommands",))
    await publish_commands(reply_bot, build_i18n())
    assert fake_telegram.commands == {}
    await publish_commands(reply_bot, build_i18n())
    assert CommandsKey() in fake_telegram.commands
