"""A bot that never leaves a person wondering: typos, plain text, and slow commands."""

from __future__ import annotations

GROUP = -4100


async def test_a_mistyped_command_gets_the_closest_one_and_help(conversation) -> None:
    reply = await conversation.say(5, "/wacth дрон")
    assert "/wacth" in reply
    assert "Did you mean /watch?" in reply
    assert "/help" in reply
    russian = await conversation.say(5, "/serch дрон", language_code="ru")
    assert "Может быть, /search?" in russian


async def test_a_command_like_none_of_ours_still_points_to_help(conversation) -> None:
    reply = await conversation.say(5, "/xyzzy")
    assert "/xyzzy" in reply
    assert "Did you mean" not in reply
    assert "/help" in reply


async def test_plain_text_in_private_gets_a_hint(conversation) -> None:
    reply = await conversation.say(5, "привет, что ты умеешь?")
    assert "/watch" in reply
    assert "/help" in reply
    assert len(reply.splitlines()) == 1


async def test_in_groups_the_bot_keeps_out_of_conversation(conversation, fake_telegram) -> None:
    await conversation.say(GROUP, "/help", chat_type="group")
    fake_telegram.user_says(GROUP, "всем привет")
    fake_telegram.user_says(GROUP, "/roll@dice_bot 6")
    fake_telegram.user_says(GROUP, "/xyzzy")
    # A command for us comes after them: it is the only other answer in the group.
    reply = await conversation.say(GROUP, "/wacth дрон", chat_type="group")
    assert "Did you mean /watch?" in reply
    assert len(fake_telegram.messages_to(GROUP)) == 2


async def test_slow_commands_show_typing_until_they_answer(conversation, fake_telegram) -> None:
    await conversation.say(5, "/test дрон")
    await conversation.say(5, "/rules")
    methods = [call.method.lower() for call in fake_telegram.calls]
    actions = [
        c.params.get("action") for c in fake_telegram.calls if c.method.lower() == "sendchataction"
    ]
    assert actions == ["typing"]  # for /test, not for the quick /rules
    typing_at = methods.index("sendchataction")
    assert methods.index("sendmessage") > typing_at
