"""One identity per source: the key every spelling shares, stored on the row, used by `source:`.

`monitors` (which tells a channel from a feed) and `rules` (which defines the key) may
not import each other, so their lists of Telegram hosts are held equal here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from alerts.chats.watch import add_rule, ensure_chat
from alerts.ingest.rulebook import RuleBook
from alerts.sourceimport import import_sources
from alerts.sources import add_source, source_key_of
from alerts.store.models import OutboxEntry, Source, SourceKind
from monitors import locator
from monitors.fetcher import Fetcher
from monitors.locator import parse_source
from monitors.poll import Monitor
from monitors.post import Post as FetchedPost
from rules import source as rule_source
from tests.alerts.builders import record, result
from tests.fakes.channel import ChannelPost, channel_page

CHANNEL = [
    "@kursk_gov",
    "@Kursk_Gov",
    "t.me/kursk_gov",
    "https://t.me/s/Kursk_Gov",
    "https://www.telegram.me/kursk_gov/",
    "https://telegram.dog/kursk_gov",
    "telegram.dog/s/KURSK_GOV/1200",
]
IDN_FEED = [
    "https://президент.рф/rss",
    "http://ПРЕЗИДЕНТ.РФ/rss/",
    "https://www.xn--d1abbgf6aiiy.xn--p1ai/rss",
]


def test_monitors_and_rules_know_the_same_telegram_hosts() -> None:
    assert locator.TELEGRAM_HOSTS == rule_source.TELEGRAM_HOSTS


@pytest.mark.parametrize(("spellings", "kind"), [(CHANNEL, "channel"), (IDN_FEED, "feed")])
def test_every_spelling_an_admin_types_is_one_source(spellings: list[str], kind: str) -> None:
    refs = [parse_source(spelling) for spelling in spellings]
    assert {ref.kind for ref in refs} == {kind}
    assert len({source_key_of(ref) for ref in refs}) == 1


@pytest.mark.parametrize(
    ("added_as", "rules", "key"),
    [
        (
            "https://telegram.dog/Kursk_Gov",
            [
                "source:@kursk_gov",
                "source:t.me/s/KURSK_GOV",
                "source:https://telegram.me/kursk_gov/",
            ],
            "@kursk_gov",
        ),
        (
            "https://президент.рф/rss",
            [
                "source:президент.рф",
                "source:xn--d1abbgf6aiiy.xn--p1ai",
                "source:https://www.ПРЕЗИДЕНТ.РФ/rss/",
            ],
            "xn--d1abbgf6aiiy.xn--p1ai/rss",
        ),
    ],
)
async def test_source_rules_match_across_spellings(
    sessions, lexicon, added_as: str, rules: list[str], key: str
) -> None:
    ref = parse_source(added_as)
    async with sessions.begin() as session:
        source = Source(kind=SourceKind(ref.kind), locator=ref.locator)
        session.add(source)
        for chat_id, rule in enumerate([*rules, "source:@belgorod_gov"], start=1):
            await ensure_chat(session, chat_id, chat_type="private")
            await add_rule(session, chat_id, f"{rule} дрон", lexicon)
    assert source.key == key
    post = FetchedPost(
        external_id="1",
        url="https://t.me/kursk_gov/1",
        title="",
        text="Над городом сбит дрон",
        published_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    await record(sessions, RuleBook(lexicon), source.id, result(post))
    async with sessions() as session:
        alerted = list(
            await session.scalars(select(OutboxEntry.chat_id).order_by(OutboxEntry.chat_id))
        )
    assert alerted == list(range(1, len(rules) + 1))


async def test_a_source_added_again_in_another_spelling_is_the_same_source(
    sessions, fake_web
) -> None:
    now = datetime.now(UTC)
    page = channel_page("kursk_test", "Kursk", [ChannelPost(1, "first", now)])
    fake_web.serve("/s/Kursk_Test", page, "text/html")
    async with Fetcher(allow_private_networks=True) as fetcher:
        monitor = Monitor(fetcher, fake_web.base_url)
        first = await add_source(
            sessions, monitor, "https://telegram.dog/Kursk_Test", poll_interval=60
        )
        again = await add_source(sessions, monitor, "@kursk_test", poll_interval=60)
        listed = await import_sources(
            sessions, monitor, ["t.me/s/KURSK_TEST", "@Kursk_Test"], poll_interval=60
        )
    assert (first.existed, first.source.key) == (False, "@kursk_test")
    assert (again.existed, again.source.id) == (True, first.source.id)
    assert [line.text for line in listed] == ["t.me/s/KURSK_TEST", "@Kursk_Test"]
    assert {line.added.source.id for line in listed if line.added} == {first.source.id}
    async with sessions() as session:
        assert list(await session.scalars(select(Source.locator))) == ["Kursk_Test"]
