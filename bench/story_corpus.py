"""The labelled stories of tests/data/stories, as posts ready for ``dedup``.

Two parts, kept apart on purpose:

- ``TUNING`` (``posts.jsonl``): the set the policy's bars were chosen on;
- ``HELDOUT`` (``heldout.jsonl``): written before any bar was changed for it and never
  tuned on. Besides written posts it names real saved feeds and channel pages in
  ``../shared/fixtures`` (one line per file: ``fixture``, ``source``, ``lang``,
  ``labels`` and ``events`` by external id); their posts are parsed here with the
  project's own parsers, each its own story unless labelled. Without that folder those
  lines are left out and ``load`` says so in ``missing``.

A post is a mapping with the keys of ``lookout dedup`` plus ``story`` (one event in one
language), ``lang`` and, for events reported in several languages, ``event``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitors.channelpage import parse_channel_page
from monitors.xmlfeed import parse_xml_feed

ROOT = Path(__file__).resolve().parents[1]
TUNING = ROOT / "tests" / "data" / "stories" / "posts.jsonl"
HELDOUT = ROOT / "tests" / "data" / "stories" / "heldout.jsonl"
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"


@dataclass
class Corpus:
    posts: list[dict[str, Any]]
    missing: list[str] = field(default_factory=list)
    """Fixture files named but not found."""


def load(path: Path, fixtures: Path = SHARED_FIXTURES) -> Corpus:
    corpus = Corpus([])
    with path.open(encoding="utf-8") as file:
        for line in file:
            if not line.strip():
                continue
            row = json.loads(line)
            if "fixture" not in row:
                corpus.posts.append(row)
            elif (fixtures / row["fixture"]).is_file():
                corpus.posts.extend(_fixture_posts(fixtures, row))
            else:
                corpus.missing.append(row["fixture"])
    return corpus


def _fixture_posts(fixtures: Path, row: dict[str, Any]) -> list[dict[str, Any]]:
    body = (fixtures / row["fixture"]).read_bytes()
    if row["fixture"].endswith(".html"):
        channel = row["source"].removeprefix("tg:")
        parsed = parse_channel_page(body, name=channel, base_url="https://t.me").posts
    else:
        parsed = parse_xml_feed(body, url="https://example.invalid/", content_type=None).posts
    posts = []
    for post in parsed:
        if post.published_at is None or not post.full_text:
            continue
        key = f"{row['source']}:{post.external_id}"
        entry: dict[str, Any] = {
            "id": key,
            "source": row["source"],
            "text": post.full_text,
            "url": post.url,
            "published_at": post.published_at.isoformat(),
            "forwarded_url": post.forwarded_url,
            "reply_to_url": _reply_url(row["source"], post.reply_to),
            "story": row["labels"].get(post.external_id, key),
            "lang": row["lang"],
        }
        event = row.get("events", {}).get(post.external_id)
        if event:
            entry["event"] = event
        posts.append(entry)
    return posts


def _reply_url(source: str, reply_to: str | None) -> str | None:
    if reply_to is None or not source.startswith("tg:"):
        return None
    return f"https://t.me/{source.removeprefix('tg:')}/{reply_to}"
