"""source_key: every spelling of one channel or feed gives one key, and a key is its own."""

from __future__ import annotations

import pytest

from rules.source import post_source_keys, source_key

CHANNEL_SPELLINGS = [
    "@kursk_gov",
    "@Kursk_Gov",
    "kursk_gov",
    "KURSK_GOV",
    "t.me/kursk_gov",
    "https://t.me/kursk_gov/",
    "https://t.me/s/kursk_gov",
    "https://t.me/s/Kursk_Gov?before=100",
    "http://www.t.me/kursk_gov/15",
    "https://telegram.me/kursk_gov",
    "https://telegram.dog/kursk_gov",
    "telegram.dog/s/Kursk_Gov",
    "https://www.telegram.dog/Kursk_Gov#top",
]

IDN_FEED_SPELLINGS = [
    "https://президент.рф/rss",
    "http://ПРЕЗИДЕНТ.РФ/rss/",
    "президент.рф/rss",
    "https://www.президент.рф/rss",
    "https://xn--d1abbgf6aiiy.xn--p1ai/rss",
    "xn--d1abbgf6aiiy.xn--p1ai/RSS/",
    "https://президент.рф./rss#latest",
]


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (CHANNEL_SPELLINGS, "@kursk_gov"),
        (IDN_FEED_SPELLINGS, "xn--d1abbgf6aiiy.xn--p1ai/rss"),
        (["https://www.Example.com/feed/", "http://example.com/feed"], "example.com/feed"),
        (
            [
                "https://x.example/новости",
                "https://x.example/%D0%9D%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8",
            ],
            "x.example/%d0%bd%d0%be%d0%b2%d0%be%d1%81%d1%82%d0%b8",
        ),
        (["http://127.0.0.1:8080/feed.xml"], "127.0.0.1:8080/feed.xml"),
        (["http://[2001:db8::1]:8443/rss"], "[2001:db8::1]:8443/rss"),
    ],
)
def test_every_spelling_gives_one_key(spellings: list[str], key: str) -> None:
    assert {source_key(spelling) for spelling in spellings} == {key}


@pytest.mark.parametrize(
    "value",
    [*CHANNEL_SPELLINGS, *IDN_FEED_SPELLINGS, 'https://x.example/a(b)?q="1"|2', "президент.рф"],
)
def test_a_key_is_its_own_key_and_typeable_in_a_rule(value: str) -> None:
    key = source_key(value)
    assert key is not None
    assert source_key(key) == key
    assert not any(ch.isspace() or ch in '"()|' for ch in key)


@pytest.mark.parametrize(
    "value", ["@bad!name", "t.me", "https://t.me/", "https://", "президент..рф/x"]
)
def test_what_names_no_source_has_no_key(value: str) -> None:
    assert source_key(value) is None


def test_a_feed_is_also_named_by_its_host() -> None:
    keys = post_source_keys(["xn--d1abbgf6aiiy.xn--p1ai/rss"])
    assert keys == {"xn--d1abbgf6aiiy.xn--p1ai/rss", "xn--d1abbgf6aiiy.xn--p1ai"}
    assert source_key("президент.рф") in keys
