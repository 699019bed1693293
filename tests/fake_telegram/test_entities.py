"""The fake checks the `entities` parameter as Telegram does: inside the text, in UTF-16."""

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import MessageEntity
from aiogram.utils.formatting import Bold, Text, TextLink

USER = 1001


async def test_entities_built_by_aiogram_are_shown_as_sent(bot: Bot, fake_telegram) -> None:
    text = Text("🚀 ", Bold("Курск"), " <b>&", TextLink("link", url="https://t.me/x/1"))
    await bot.send_message(USER, **text.as_kwargs())
    (message,) = fake_telegram.messages_to(USER)
    assert message.visible_text == "🚀 Курск <b>&link"
    assert [(e["type"], e["offset"], e["length"]) for e in message.entities] == [
        ("bold", 3, 5),  # the rocket counts two UTF-16 units
        ("text_link", 13, 4),
    ]


@pytest.mark.parametrize(
    "entity",
    [
        MessageEntity(type="bold", offset=2, length=5),  # runs past the end
        MessageEntity(type="bold", offset=0, length=0),
        MessageEntity(type="text_link", offset=0, length=2, url="javascript:alert(1)"),
        MessageEntity(type="blink", offset=0, length=2),
    ],
)
async def test_entities_telegram_would_refuse_are_refused(
    bot: Bot, fake_telegram, entity: MessageEntity
) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "абв", entities=[entity], parse_mode=None)
    assert fake_telegram.sent == []
