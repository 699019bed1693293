"""aiogram meets the fake's refusals exactly as it meets Telegram's."""

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import ReplyParameters

from tests.fake_telegram.conftest import make_bot
from tests.fakes.telegram import FakeTelegram, Limits

USER = 1001
GROUP = -2002


def frozen_clock() -> float:
    """Time stands still, so a slow machine cannot refill a quota mid-test."""
    return 1000.0


class UnknownMethod(TelegramMethod[bool]):
    __returning__ = bool
    __api_method__ = "sendHologram"


async def test_private_chat_burst_then_429_with_retry_after(bot: Bot, fake_telegram) -> None:
    fake_telegram.clock = frozen_clock
    for n in range(3):
        await bot.send_message(USER, f"burst {n}")

    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(USER, "one too many")

    assert refused.value.retry_after == 1
    assert [m.text for m in fake_telegram.messages_to(USER)] == ["burst 0", "burst 1", "burst 2"]
    assert fake_telegram.refusals[-1].error_code == 429
    assert fake_telegram.refusals[-1].description == "Too Many Requests: retry after 1"


async def test_group_allows_20_a_minute(bot: Bot, fake_telegram) -> None:
    for n in range(20):
        await bot.send_message(GROUP, f"alert {n}")

    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(GROUP, "alert 21")

    assert 55 <= refused.value.retry_after <= 60


async def test_bot_wide_limit_of_30_a_second(bot: Bot, fake_telegram) -> None:
    fake_telegram.clock = frozen_clock
    for chat in range(1, 31):
        await bot.send_message(chat, "hello")

    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(31, "hello")


async def test_edits_count_against_the_chat_limit(bot: Bot, fake_telegram) -> None:
    fake_telegram.clock = frozen_clock
    sent = await bot.send_message(USER, "v1")
    await bot.edit_message_text("v2", chat_id=USER, message_id=sent.message_id)
    await bot.edit_message_text("v3", chat_id=USER, message_id=sent.message_id)

    with pytest.raises(TelegramRetryAfter):
        await bot.edit_message_text("v4", chat_id=USER, message_id=sent.message_id)


async def test_retry_after_the_wait_succeeds() -> None:
    now = [0.0]
    async with FakeTelegram(clock=lambda: now[0]) as fake:
        bot = make_bot(fake)
        try:
            for _ in range(3):
                await bot.send_message(USER, "x")
            with pytest.raises(TelegramRetryAfter) as refused:
                await bot.send_message(USER, "x")
            now[0] += refused.value.retry_after
            await bot.send_message(USER, "x")
        finally:
            await bot.session.close()
    assert len(fake.sent) == 4


async def test_fixed_retry_after_and_no_limits() -> None:
    async with FakeTelegram(limits=Limits(private_burst=1, retry_after=7)) as fake:
        bot = make_bot(fake)
        try:
            await bot.send_message(USER, "x")
            with pytest.raises(TelegramRetryAfter) as refused:
                await bot.send_message(USER, "x")
            assert refused.value.retry_after == 7

            fake.limits = None
            for _ in range(10):
                await bot.send_message(USER, "x")
        finally:
            await bot.session.close()


async def test_blocked_user_answers_403(bot: Bot, fake_telegram) -> None:
    fake_telegram.block(USER)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hello")

    refusal = fake_telegram.refusals[-1]
    assert (refusal.method, refusal.chat_id, refusal.error_code) == ("sendMessage", USER, 403)
    assert fake_telegram.sent == []


async def test_kicked_from_group_answers_403(bot: Bot, fake_telegram) -> None:
    fake_telegram.block(GROUP)

    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the group chat"):
        await bot.send_message(GROUP, "hello")


async def test_removed_chat_is_not_found(bot: Bot, fake_telegram) -> None:
    fake_telegram.remove_chat(USER)

    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(USER, "hello")


async def test_upgraded_group_answers_migrate_to_chat(bot: Bot, fake_telegram) -> None:
    supergroup = -1001234567890
    fake_telegram.migrate(GROUP, supergroup)

    with pytest.raises(TelegramMigrateToChat) as refused:
        await bot.send_message(GROUP, "hello")
    await bot.send_message(refused.value.migrate_to_chat_id, "hello again")

    assert refused.value.migrate_to_chat_id == supergroup
    assert fake_telegram.messages_to(supergroup)[0].text == "hello again"
    assert "group chat was upgraded to a supergroup chat" in fake_telegram.refusals[-1].description


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Unescaped "&"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ],
)
async def test_bad_html_is_refused(bot: Bot, fake_telegram, text: str, reason: str) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as refused:
        await bot.send_message(USER, text, parse_mode="HTML")

    assert reason in refused.value.message


async def test_4096_visible_characters_pass_and_4097_do_not(bot: Bot, fake_telegram) -> None:
    # Tags and entities do not count; "&lt;" is one character; emoji count twice (UTF-16).
    await bot.send_message(USER, "<b>" + "&lt;" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(USER, "🚨" * 2048)

    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "🚨" * 2048 + "!")


async def test_empty_text_is_refused(bot: Bot, fake_telegram) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")


async def test_edit_rules(bot: Bot, fake_telegram) -> None:
    sent = await bot.send_message(USER, "<b>Курск</b>: дроны", parse_mode="HTML")

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<b>Курск</b>: дроны", chat_id=USER, message_id=sent.message_id, parse_mode="HTML"
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=sent.message_id + 100)

    # Same words, different formatting: Telegram counts that as a change.
    edited = await bot.edit_message_text("Курск: дроны", chat_id=USER, message_id=sent.message_id)

    assert not isinstance(edited, bool)
    assert edited.edit_date is not None
    assert fake_telegram.edits[0].visible_text == "Курск: дроны"
    assert fake_telegram.text_of(USER, sent.message_id) == "Курск: дроны"


async def test_a_reply_to_a_missing_message_is_refused_unless_allowed(
    bot: Bot, fake_telegram
) -> None:
    fake_telegram.limits = None  # four messages in a second to one chat
    first = await bot.send_message(USER, "Курск: дроны")

    reply = await bot.send_message(
        USER, "Пострадавших двое", reply_parameters=ReplyParameters(message_id=first.message_id)
    )
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(
            USER, "Пострадавших трое", reply_parameters=ReplyParameters(message_id=999)
        )
    alone = await bot.send_message(
        USER,
        "Пострадавших трое",
        reply_parameters=ReplyParameters(message_id=999, allow_sending_without_reply=True),
    )
    legacy = await bot.send_message(USER, "Уточнение", reply_to_message_id=first.message_id)

    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Курск: дроны"
    assert alone.reply_to_message is None
    assert legacy.reply_to_message is not None
    records = {sent.message_id: sent for sent in fake_telegram.sent}
    assert records[reply.message_id].reply_to_message_id == first.message_id
    assert records[reply.message_id].reply_parameters == {"message_id": first.message_id}
    assert records[alone.message_id].reply_to_message_id is None
    assert records[alone.message_id].reply_parameters == {
        "message_id": 999,
        "allow_sending_without_reply": True,
    }
    assert records[legacy.message_id].reply_to_message_id == first.message_id
    assert len(fake_telegram.sent) == 4  # the refused reply is not sent


async def test_fail_next_gives_server_errors_then_recovers(bot: Bot, fake_telegram) -> None:
    fake_telegram.fail_next(2, status=502)

    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(USER, "hello")
    await bot.send_message(USER, "hello")

    assert len(fake_telegram.sent) == 1


async def test_wrong_token_and_unknown_method(bot: Bot, fake_telegram) -> None:
    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot(UnknownMethod())

    stranger = make_bot(fake_telegram, token="42:wrong")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await stranger.get_me()
    finally:
        await stranger.session.close()


async def test_writing_to_the_bot_unblocks_it(bot: Bot, fake_telegram) -> None:
    fake_telegram.block(USER)
    fake_telegram.user_says(USER, "/start")

    await bot.send_message(USER, "welcome back")


async def test_fail_next_can_flood_or_break_polling(bot: Bot, fake_telegram) -> None:
    fake_telegram.fail_next(1, status=429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(USER, "x")
    assert refused.value.retry_after == 3

    fake_telegram.fail_next(1, status=500, methods=["getUpdates"])
    await bot.send_message(USER, "sending is unaffected")
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await bot.get_updates()
    assert await bot.get_updates() == []
