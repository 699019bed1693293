"""What a chat member can send cannot break a reply or stall the bot (issue 10, bugs 6–11, 13).

Each test is a regression test: the input used to end in a traceback, no reply, a
too-long message, the whole history loaded for one button, or a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from alerts.store.lemmas import lemma_document
from alerts.store.models import Chat, OutboxEntry, OutboxState, Post, Source, SourceKind, WatchRule
from bot.fitting import MESSAGE_LIMIT
from rules.morphology import Morphology
from tests.bot.conftest import ADMIN
from tests.bot.test_history import MINE, sent_alerts
from tests.fakes.telegram import utf16_len

GROUP = -100_777
MEMBER = 31


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []


async def alerts_with(sessions, headlines: list[str], *, source_title: str = "Губернатор") -> None:
    """Sent alerts as the pipeline leaves them, their posts indexed for /search."""
    morphology = Morphology.load()
    start = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        source = Source(kind=SourceKind.CHANNEL, locator="kursk_gov", title=source_title)
        session.add_all([source, Chat(id=MINE, type="private")])
        await session.flush()
        for number, headline in enumerate(headlines):
            post = Post(
                source_id=source.id,
                external_id=str(number),
                url=f"https://t.me/kursk_gov/{number}",
                title="",
                text=headline,
                lemmas=lemma_document(headline, morphology),
                published_at=start,
                first_seen_at=start,
            )
            session.add(post)
            await session.flush()
            session.add(
                OutboxEntry(
                    chat_id=MINE,
                    post_id=post.id,
                    state=OutboxState.SENT,
                    sent_at=start + timedelta(minutes=number),
                )
            )


@pytest.mark.parametrize("argument", ["²", "①", "٣", "99999999999999999999", "-1", "0"])
async def test_unwatch_with_a_number_it_cannot_use_explains_the_usage(
    conversation, argument, caplog
) -> None:
    reply = await conversation.say(MINE, f"/unwatch {argument}")
    assert "Usage: /unwatch ID" in reply
    no_errors_logged(caplog)


@pytest.mark.parametrize(
    "data",
    ["history:0:-1", "history:0:100000", "history:-5:10", "history:0:18446744073709551616"],
)
async def test_a_forged_history_button_loads_nothing(
    conversation, fake_telegram, sessions, data, caplog
) -> None:
    await alerts_with(sessions, [f"Новость {n} " + "подробно " * 40 for n in range(60)])
    await conversation.say(MINE, "/history")
    message = fake_telegram.messages_to(MINE)[-1]
    fake_telegram.press_button(MINE, message.message_id, data)
    await fake_telegram.wait_for(lambda: fake_telegram.callback_answers, timeout=10)
    await settled(conversation)
    assert fake_telegram.edits == []
    assert fake_telegram.refusals == []
    no_errors_logged(caplog)


async def test_a_history_button_pressed_twice_is_quiet(
    conversation, fake_telegram, sessions, caplog
) -> None:
    await sent_alerts(sessions)
    await conversation.say(MINE, "/history")
    message = fake_telegram.messages_to(MINE)[-1]
    older = message.reply_markup["inline_keyboard"][0][0]["callback_data"]
    for presses in (1, 2):
        fake_telegram.press_button(MINE, message.message_id, older)
        await fake_telegram.wait_for(
            lambda n=presses: len(fake_telegram.callback_answers) >= n, timeout=10
        )
    await fake_telegram.wait_for(lambda: fake_telegram.refusals, timeout=10)
    await settled(conversation)
    assert len(fake_telegram.edits) == 1
    no_errors_logged(caplog)


async def settled(conversation) -> None:
    """One more round trip, so that what the previous update caused has happened."""
    await conversation.say(MINE, "/help")


async def test_history_and_search_with_emoji_headlines_fit_one_message(
    conversation, fake_telegram, sessions
) -> None:
    await alerts_with(
        sessions, ["Суджа 🚀" + "🔥" * 400 for _ in range(12)], source_title="📡" * 80
    )
    page = await conversation.say(MINE, "/history")
    assert "Alerts 1–10 of 12" in page
    found = await conversation.say(MINE, "/search Суджа " + "🙂" * 4000)
    assert "Alerts mentioning" in found
    for sent in fake_telegram.messages_to(MINE):
        assert utf16_len(sent.visible_text) <= MESSAGE_LIMIT


async def test_rules_longer_than_one_message_are_split_with_buttons_under_the_last(
    conversation, fake_telegram, sessions
) -> None:
    await conversation.say(MINE, "/start")
    words = " OR ".join(f"слово{n:03d}" for n in range(60))[:480].rsplit(" OR ", 1)[0]
    for _ in range(12):
        await conversation.say(MINE, f"/watch {words}")
    fake_telegram.user_says(MINE, "/rules")
    before = len(fake_telegram.messages_to(MINE))
    await fake_telegram.wait_for(
        lambda: any(m.reply_markup for m in fake_telegram.messages_to(MINE)[before:]), timeout=10
    )
    replies = fake_telegram.messages_to(MINE)[before:]
    assert len(replies) >= 2
    assert all(utf16_len(reply.visible_text) <= MESSAGE_LIMIT for reply in replies)
    assert sum(reply.visible_text.count("слово000") for reply in replies) == 12
    assert replies[-1].reply_markup is not None


async def test_a_rule_too_long_when_written_out_is_refused_before_storing(
    conversation, sessions
) -> None:
    rule = "|".join(f"word{n:05d}" for n in range(48))
    reply = await conversation.say(MINE, f"/watch {rule}")
    assert "Not added" in reply
    async with sessions() as session:
        assert list(await session.scalars(select(WatchRule))) == []


async def test_test_and_search_say_when_asked_again_too_soon(conversation, sessions) -> None:
    await sent_alerts(sessions)
    assert "would have matched" in await conversation.say(MINE, "/test drone")
    assert "Please wait" in await conversation.say(MINE, "/test drone")
    assert "Alerts mentioning" in await conversation.say(MINE, "/search беспилотник")
    assert "Please wait" in await conversation.say(MINE, "/search беспилотник")


async def test_export_writes_formula_cells_as_text(conversation, fake_telegram, sessions) -> None:
    await alerts_with(
        sessions, ['=HYPERLINK("http://evil")', "+7 drones", "@here", "-1"], source_title="=1+1"
    )
    fake_telegram.user_says(MINE, "/export")
    await fake_telegram.wait_for(lambda: fake_telegram.documents, timeout=10)
    rows = list(csv.reader(io.StringIO(fake_telegram.documents[0].content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row[1:]]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert '\'=HYPERLINK("http://evil")' in cells
    assert "'=1+1" in cells


async def test_an_anonymous_group_admin_manages_the_group(
    conversation, fake_telegram, sessions
) -> None:
    fake_telegram.add_chat(GROUP, "supergroup", title="Newsroom")
    fake_telegram.set_member_status(GROUP, MEMBER, "member")
    before = len(fake_telegram.messages_to(GROUP))
    fake_telegram.user_says(GROUP, "/watch drone", anonymous_admin=True)
    await fake_telegram.wait_for(lambda: len(fake_telegram.messages_to(GROUP)) > before, timeout=10)
    assert "Watching #" in fake_telegram.messages_to(GROUP)[-1].text
    refused = await conversation.say(GROUP, "/watch rocket", user_id=MEMBER, chat_type="supergroup")
    assert "Only this group's administrators" in refused


async def test_addsource_with_an_undecodable_host_answers(conversation) -> None:
    reply = await conversation.say(ADMIN, "/addsource http://xn--/")
    assert "Cannot add that source" in reply
