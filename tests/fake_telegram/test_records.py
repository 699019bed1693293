"""What the bot sends is recorded, and the answers parse as aiogram's types."""

import asyncio

import aiohttp
import pytest
from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BufferedInputFile,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    LinkPreviewOptions,
)

from tests.fakes.telegram import CommandsKey, FakeTelegram

USER = 1001
GROUP = -2002


async def test_send_message_records_what_was_sent(bot: Bot, fake_telegram: FakeTelegram) -> None:
    first = await bot.send_message(
        USER,
        '🚨 Дрон над <a href="https://t.me/s/x?a=1&amp;b=2">Суджей</a>',
        parse_mode="HTML",
        disable_notification=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    second = await bot.send_message(USER, "plain")

    assert second.message_id == first.message_id + 1
    assert first.from_user is not None
    assert first.from_user.id == 123456789
    assert first.entities is not None
    link = first.entities[0]
    # Offsets count UTF-16 code units: the emoji is two.
    assert (link.type, link.offset, link.length) == ("text_link", 12, 6)
    assert link.url == "https://t.me/s/x?a=1&b=2"
    record = fake_telegram.sent[0]
    assert record.visible_text == "🚨 Дрон над Суджей"
    assert record.parse_mode == "HTML"
    assert record.disable_notification is True
    assert record.link_preview_options == {"is_disabled": True}
    assert record.sent_at <= fake_telegram.sent[1].sent_at
    assert [m.text for m in fake_telegram.messages_to(USER)] == [record.text, "plain"]


async def test_send_document_records_file_name_and_bytes(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    payload = '{"alert": "Курск"}\n'.encode()

    message = await bot.send_document(
        USER,
        BufferedInputFile(payload, filename="alerts.jsonl"),
        caption="<i>Export</i>",
        parse_mode="HTML",
    )

    assert message.document is not None
    assert message.document.file_name == "alerts.jsonl"
    assert message.document.file_size == len(payload)
    assert message.caption == "Export"
    (document,) = fake_telegram.documents
    assert (document.chat_id, document.filename, document.content) == (
        USER,
        "alerts.jsonl",
        payload,
    )
    # A file_id the fake issued can be sent again, as on Telegram.
    again = await bot.send_document(GROUP, message.document.file_id)
    assert again.document is not None
    assert fake_telegram.documents[1].content == payload


async def test_set_my_commands_is_recorded_per_scope_and_language(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    commands = [BotCommand(command="watch", description="Watch a rule")]
    russian = [BotCommand(command="watch", description="Следить")]

    await bot.set_my_commands(commands)
    await bot.set_my_commands(russian, language_code="ru")
    await bot.set_my_commands(commands, scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=GROUP))
    await bot.delete_my_commands(scope=BotCommandScopeAllGroupChats())

    assert fake_telegram.commands == {
        CommandsKey(): [("watch", "Watch a rule")],
        CommandsKey(language_code="ru"): [("watch", "Следить")],
        CommandsKey("chat", chat_id=GROUP): [("watch", "Watch a rule")],
    }
    got = await bot.get_my_commands(language_code="ru")
    assert [(c.command, c.description) for c in got] == [("watch", "Следить")]


@pytest.mark.parametrize(
    ("status", "member_type"),
    [
        ("creator", ChatMemberOwner),
        ("administrator", ChatMemberAdministrator),
        ("member", ChatMemberMember),
        ("restricted", ChatMemberRestricted),
        ("left", ChatMemberLeft),
        ("kicked", ChatMemberBanned),
    ],
)
async def test_chat_member_status_is_configurable(
    bot: Bot, fake_telegram: FakeTelegram, status: str, member_type: type
) -> None:
    fake_telegram.set_member_status(GROUP, 77, status)

    member = await bot.get_chat_member(GROUP, 77)

    assert isinstance(member, member_type)
    assert member.status == status
    assert member.user.id == 77


async def test_get_me_and_get_chat(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.add_chat(GROUP, title="Курск OSINT")

    me = await bot.get_me()
    chat = await bot.get_chat(GROUP)

    assert (me.id, me.is_bot, me.username) == (123456789, True, "lookout_test_bot")
    assert (chat.type, chat.title) == ("group", "Курск OSINT")


async def test_answering_a_callback_twice_is_refused(bot: Bot, fake_telegram: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "x")
    fake_telegram.press_button(USER, sent.message_id, "a")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None

    assert await bot.answer_callback_query(update.callback_query.id)
    with pytest.raises(Exception, match="query is too old"):
        await bot.answer_callback_query(update.callback_query.id)


async def test_any_encoding_and_http_method_is_accepted(fake_telegram: FakeTelegram) -> None:
    base = f"{fake_telegram.api_url}/bot{fake_telegram.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/sendMessage", json={"chat_id": USER, "text": "json"}) as r:
            assert (r.status, (await r.json())["result"]["text"]) == (200, "json")
        async with http.get(f"{base}/sendMessage", params={"chat_id": USER, "text": "get"}) as r:
            assert r.status == 200
        async with http.post(f"{base}/sendMessage", data={"chat_id": USER, "text": "form"}) as r:
            assert r.status == 200
        async with http.post(f"{base}/getUpdates", json={"timeout": 0.1}) as r:
            assert await r.json() == {"ok": True, "result": []}
        async with http.post(f"{base}/nope") as r:
            assert (r.status, await r.json()) == (
                404,
                {"ok": False, "error_code": 404, "description": "Not Found"},
            )
        async with http.post(f"{fake_telegram.api_url}/bot1:x/getMe") as r:
            assert (r.status, await r.json()) == (
                401,
                {"ok": False, "error_code": 401, "description": "Unauthorized"},
            )
    assert [m.text for m in fake_telegram.sent] == ["json", "get", "form"]
    assert [c.status for c in fake_telegram.calls] == [200, 200, 200, 200, 404, 401]


async def test_wait_for_wakes_on_a_record_and_times_out_with_a_summary(
    fake_telegram: FakeTelegram,
) -> None:
    with pytest.raises(TimeoutError, match="sent=0"):
        await fake_telegram.wait_for(lambda: fake_telegram.sent, timeout=0.05)

    async def send_later() -> None:
        await asyncio.sleep(0.01)
        base = f"{fake_telegram.api_url}/bot{fake_telegram.token}"
        async with aiohttp.ClientSession() as http:
            await http.post(f"{base}/sendMessage", json={"chat_id": USER, "text": "late"})

    sender = asyncio.create_task(send_later())
    (message,) = await fake_telegram.wait_for_messages(USER, 1, timeout=2)
    await sender
    assert message.text == "late"
