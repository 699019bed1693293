"""parse_source: what people type, and what it means."""

from __future__ import annotations

import pytest

from monitors.locator import BadSourceError, SourceRef, parse_source


@pytest.mark.parametrize(
    ("text", "kind", "locator"),
    [
        ("https://news.example/feed.xml", "feed", "https://news.example/feed.xml"),
        ("  HTTPS://News.Example/Feed?x=1  ", "feed", "https://news.example/Feed?x=1"),
        ("http://news.example", "feed", "http://news.example/"),
        ("https://news.example:8443/rss", "feed", "https://news.example:8443/rss"),
        ("https://[2001:db8::1]/rss", "feed", "https://[2001:db8::1]/rss"),
        ("@durov", "channel", "durov"),
        ("@Kursk_Gov", "channel", "Kursk_Gov"),
        ("t.me/durov", "channel", "durov"),
        ("T.ME/durov/", "channel", "durov"),
        ("https://t.me/durov", "channel", "durov"),
        ("https://t.me/s/durov", "channel", "durov"),
        ("https://t.me/s/durov?before=519", "channel", "durov"),
        ("https://t.me/durov/539", "channel", "durov"),
        ("https://telegram.me/durov", "channel", "durov"),
        ("https://telegram.dog/kursk_gov", "channel", "kursk_gov"),
        ("telegram.dog/s/Kursk_Gov/15", "channel", "Kursk_Gov"),
        ("http://www.t.me/s/ClashReport", "channel", "ClashReport"),
    ],
)
def test_accepted_forms(text: str, kind: str, locator: str) -> None:
    assert parse_source(text) == SourceRef(kind, locator)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "give a feed URL"),
        ("   ", "give a feed URL"),
        ("ftp://news.example/feed", "only http:// and https://"),
        ("javascript:alert(1)", "only http:// and https://"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("https://news.example/a feed", "without spaces"),
        ("@dur", "not a channel name"),
        ("@1durov", "not a channel name"),
        ("@" + "a" * 33, "not a channel name"),
        ("@du-rov", "not a channel name"),
        ("t.me/+AbCdEf123", "invite or share links"),
        ("https://t.me/joinchat/AbCdEf", "invite or share links"),
        ("https://t.me/", "names no channel"),
        ("https://t.me/durov/abc", "not a channel link"),
        ("news.example/feed", "neither a URL"),
        ("https://", "no host"),
        ("https://user:pw@news.example/feed", "user name or password"),
        ("https://news.example:99999/feed", "not a valid URL"),
    ],
)
def test_refused_forms_say_why(text: str, says: str) -> None:
    with pytest.raises(BadSourceError, match=says):
        parse_source(text)


def test_bad_source_is_a_value_error() -> None:
    assert issubclass(BadSourceError, ValueError)
