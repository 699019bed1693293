"""/history, /search and /export show a chat its own alerts, and only its own."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from alerts.store.lemmas import lemma_document
from alerts.store.models import Chat, OutboxEntry, OutboxState, Post, Source, SourceKind
from rules.morphology import Morphology

MINE = 71
THEIRS = 72
HEADLINES = [f"Новость номер {number}" for number in range(1, 13)] + [
    "Над Суджей сбит беспилотник",
]


async def sent_alerts(sessions) -> None:
    """Alerts as the pipeline leaves them: sent, their posts indexed for /search."""
    morphology = Morphology.load()
    start = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        source = Source(kind=SourceKind.CHANNEL, locator="kursk_gov", title="Губернатор")
        session.add_all([source, Chat(id=MINE, type="private"), Chat(id=THEIRS, type="private")])
        await session.flush()
        for number, headline in enumerate(HEADLINES):
            post = Post(
                source_id=source.id,
                external_id=str(number),
                url=f"https://t.me/kursk_gov/{number}",
                title="",
                text=f"{headline}\nподробности",
                lemmas=lemma_document(f"{headline}\nподробности", morphology),
                published_at=start,
                first_seen_at=start,
            )
            session.add(post)
            await session.flush()
            sent_at = start + timedelta(minutes=number)
            session.add(
                OutboxEntry(chat_id=MINE, post_id=post.id, state=OutboxState.SENT, sent_at=sent_at)
            )
        other = Post(
            source_id=source.id,
            external_id="x",
            url="https://t.me/kursk_gov/99",
            title="",
            text="Чужой беспилотник",
            lemmas=lemma_document("Чужой беспилотник", morphology),
            first_seen_at=start,
        )
        session.add(other)
        await session.flush()
        session.add(
            OutboxEntry(chat_id=THEIRS, post_id=other.id, state=OutboxState.SENT, sent_at=start)
        )


async def test_history_pages_newest_first_with_buttons(conversation, fake_telegram, sessions):
    await sent_alerts(sessions)
    first = await conversation.say(MINE, "/history")
    assert "Alerts 1–10 of 13" in first
    assert first.index("Суджей") < first.index("номер 12")
    assert "Чужой" not in first
    message = fake_telegram.messages_to(MINE)[-1]
    buttons = message.reply_markup["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Older ▶"]
    fake_telegram.press_button(MINE, message.message_id, buttons[0]["callback_data"])
    await fake_telegram.wait_for(lambda: fake_telegram.edits, timeout=10)
    older = fake_telegram.edits[-1].text
    assert "Alerts 11–13 of 13" in older
    assert "номер 1\nhttps://t.me/kursk_gov/0" in older


async def test_history_with_a_count_and_when_empty(conversation, sessions):
    await sent_alerts(sessions)
    assert "Alerts 1–3 of 13" in await conversation.say(MINE, "/history 3")
    assert "No alerts yet" in await conversation.say(5, "/history")


async def test_search_finds_words_in_own_alerts_only(conversation, sessions):
    await sent_alerts(sessions)
    found = await conversation.say(MINE, "/search беспилотники")
    assert "Суджей" in found
    assert "Чужой" not in found
    # Other chats: /search has a per-chat cooldown.
    assert "No alert of yours" in await conversation.say(THEIRS, "/search ракета")
    assert "Nothing to search" in await conversation.say(73, "/search ***")


async def test_export_sends_every_alert_as_csv(conversation, fake_telegram, sessions):
    await sent_alerts(sessions)
    fake_telegram.user_says(MINE, "/export")
    await fake_telegram.wait_for(lambda: fake_telegram.documents, timeout=10)
    (document,) = fake_telegram.documents
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert rows[0] == ["sent_at_utc", "source", "headline", "url", "text"]
    assert len(rows) == 1 + len(HEADLINES)
    assert rows[1][2] == "Над Суджей сбит беспилотник"
    assert document.filename == "alerts.csv"


async def test_search_echoes_a_long_query_shortened_and_as_typed(conversation, sessions):
    await sent_alerts(sessions)
    query = "<b>ракета</b> " + "очень длинный запрос " * 20
    reply = await conversation.say(MINE, f"/search {query}")
    # Sent with entities: the user's "<b>" is shown as typed, not taken as markup.
    assert "<b>ракета</b> очень" in reply
    echoed = reply.split("<b>ракета</b>", 1)[1]
    assert "…" in echoed
    assert len(reply) < 120
