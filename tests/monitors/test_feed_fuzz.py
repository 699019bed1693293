"""Property: no bytes make parse_feed raise anything but a MonitorError."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitors.errors import MonitorError
from monitors.feed import parse_feed
from tests.fakes.feeds import json_feed, rss

SEEDS = [
    rss(
        [
            (
                "g1",
                "Дрони над Сумами",
                "https://news.example/1",
                "<p>Two <b>UAVs</b> &amp;</p>",
                None,
            ),
            ("g2", "Second", "/2", "plain", "Wed, 01 May 2024 12:00:00 +0300"),
        ],
        ttl=5,
    ),
    json_feed([("1", "One", "https://news.example/1", "<p>x</p>", "2024-05-01T12:00:00Z")]),
    b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><id>1</id><title type="html">&lt;b&gt;x&lt;/b&gt;</title>
<updated>2024-05-01T12:00:00Z</updated></entry></feed>""",
    (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "AAAA">]><rss version="2.0">'
        b"<channel><title>&a;</title></channel></rss>"
    ),
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice"]))
        if action == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 16))]
        elif action == "truncate":
            del data[position:]
        else:
            snippet = draw(st.sampled_from([b"<", b"&", b"]]>", b"<![CDATA[", b"\xff\xfe", b"{"]))
            data[position:position] = snippet
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=mutated(),
    content_type=st.sampled_from(
        [None, "application/rss+xml", "text/xml", "application/json", "text/html; charset=koi8-r"]
    ),
)
def test_mutated_feeds_raise_only_monitor_errors(body: bytes, content_type: str | None) -> None:
    with contextlib.suppress(MonitorError):
        parse_feed(body, url="https://news.example/feed", content_type=content_type)


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=512))
def test_random_bytes_raise_only_monitor_errors(body: bytes) -> None:
    with contextlib.suppress(MonitorError):
        parse_feed(body, url="https://news.example/feed", content_type=None)
