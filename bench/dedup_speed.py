"""Posts per second through ``StoryWindow.assign`` with 50,000 posts in the window, and
the window's memory.

    .venv/bin/python -m bench.dedup_speed [--window-posts 50000] [--measured 5000]

Synthetic posts are generated deterministically (fixed seed): words drawn with their
frequencies from the labelled set in tests/data/stories, 20 to 70 words a post, with
numbers; a quarter are reposts of a recent post with an urgency prefix and a footer,
a few are forwards; a tenth are rewrites of a recent post by another source (a fifth
of its words dropped, neighbours swapped); a tenth are templates that alert channels
fill in again and again (numbered air-raid alerts, drone counts over a region), and
the window reads facts with the packaged gazetteer and topics, as the service does.
Posts arrive every 48 h / ``window_posts`` (3.5 s for 50,000), so
the window holds ``window_posts`` posts once filled.

Three figures: the fill rate (the window growing to its size, as when rebuilding at
start), the steady rate (``measured`` more posts, each expiring the oldest), and the
window's memory once filled (tracemalloc, in a separate run: tracing slows Python
down several times). ``--datasketch-lsh`` also prints what datasketch's own
``MinHashLSH`` holds for the same signatures, for comparison with ``BandIndex``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.stories.facts import FactReader
from alerts.stories.neardup import BAND_ROWS, StoryItem, StoryWindow

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "stories" / "posts.jsonl"
START = datetime(2025, 3, 1, tzinfo=UTC)
PREFIXES = ("⚡️Срочно: ", "❗️", "BREAKING: ", "ТЕРМІНОВО\n", "‼️", "")
TEMPLATES = (
    "🔴 Воздушная тревога №{n} в Брянске. Пройдите в укрытие!",
    "Ракетная опасность в Курской области. Всем находящимся на улице — пройти в укрытие. {n}",
    "Дежурными средствами ПВО уничтожены {n} беспилотников над территорией Брянской области.",
    "Повітряна тривога в Харківській області №{n}. Прямуйте до укриттів.",
    "Відбій повітряної тривоги в Харківській області. Сирена №{n}.",
)
FOOTERS = ("\n\n#новости\nПодписаться", "\n\nПідписатися | Надіслати новину", "", "\n@channel")


def vocabulary() -> tuple[list[str], list[int]]:
    counts: Counter[str] = Counter()
    with CORPUS.open(encoding="utf-8") as file:
        for line in file:
            counts.update(json.loads(line)["text"].split())
    words = sorted(counts)
    return words, [counts[word] for word in words]


def rewrite(rng: random.Random, text: str) -> str:
    """Another source's retelling: a fifth of the words dropped, some neighbours swapped."""
    words = [word for word in text.split() if rng.random() >= 0.2]
    for index in range(0, len(words) - 1, 5):
        words[index], words[index + 1] = words[index + 1], words[index]
    return " ".join(words)


def synthetic_posts(count: int, window_posts: int, seed: int = 7) -> list[StoryItem]:
    rng = random.Random(seed)
    words, weights = vocabulary()
    step = timedelta(hours=48) / window_posts
    posts: list[StoryItem] = []
    for number in range(count):
        at = START + step * number
        source = f"tg:channel{rng.randrange(300)}"
        url = f"https://t.me/{source[3:]}/{number}"
        kind = rng.random()
        if posts and kind < 0.25:
            original = posts[max(0, len(posts) - rng.randrange(1, 200))]
            text = rng.choice(PREFIXES) + original.text + rng.choice(FOOTERS)
            forwarded = original.url if rng.random() < 0.2 else None
            posts.append(StoryItem(f"post:{number}", source, text, url, at, forwarded))
            continue
        if posts and kind < 0.35:
            original = posts[max(0, len(posts) - rng.randrange(1, 200))]
            posts.append(StoryItem(f"post:{number}", source, rewrite(rng, original.text), url, at))
            continue
        if kind < 0.45:
            source = f"tg:alerts{rng.randrange(20)}"
            text = rng.choice(TEMPLATES).format(n=rng.randrange(1, 60))
            posts.append(StoryItem(f"post:{number}", source, text, url, at))
            continue
        body = rng.choices(words, weights, k=rng.randrange(20, 70))
        body.insert(rng.randrange(len(body)), str(rng.randrange(1, 500)))
        posts.append(StoryItem(f"post:{number}", source, " ".join(body), url, at))
    return posts


def run(posts: list[StoryItem], facts: FactReader) -> tuple[StoryWindow, float]:
    window = StoryWindow(facts=facts)
    started = time.perf_counter()
    for post in posts:
        window.expire(post.published_at)
        window.assign(post)
    return window, time.perf_counter() - started


def datasketch_lsh_memory(window_posts: int, num_perm: int = 128) -> float:
    """MiB that datasketch's MinHashLSH holds for ``window_posts`` random signatures."""
    import numpy as np
    from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]

    rng = np.random.default_rng(1)
    bands = num_perm // BAND_ROWS
    tracemalloc.start()
    lsh = MinHashLSH(num_perm=num_perm, params=(bands, BAND_ROWS))
    for number in range(window_posts):
        values = rng.integers(0, 2**32, num_perm, dtype=np.uint32)
        lsh.insert(f"post:{number}", MinHash(hashvalues=values, scheme="affine32"))
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window-posts", type=int, default=50_000)
    parser.add_argument("--measured", type=int, default=5_000)
    parser.add_argument("--datasketch-lsh", action="store_true")
    args = parser.parse_args()
    posts = synthetic_posts(args.window_posts + args.measured, args.window_posts)
    fill, steady = posts[: args.window_posts], posts[args.window_posts :]

    facts = FactReader.load()
    window, elapsed = run(fill, facts)
    print(f"fill:   {len(fill)} posts in {elapsed:.1f} s = {len(fill) / elapsed:,.0f} posts/s")
    started = time.perf_counter()
    stories = set()
    for post in steady:
        window.expire(post.published_at)
        stories.add(window.assign(post))
    elapsed = time.perf_counter() - started
    print(
        f"steady: {len(steady)} posts in {elapsed:.1f} s = {len(steady) / elapsed:,.0f} posts/s "
        f"with {len(window):,} posts in the window ({len(stories):,} stories among them)"
    )

    tracemalloc.start()
    traced, _ = run(fill, facts)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"memory: {size / 2**20:.1f} MiB for {len(traced):,} posts in the window "
        f"({size / len(traced):,.0f} bytes a post; tracemalloc)"
    )
    if args.datasketch_lsh:
        lsh = datasketch_lsh_memory(args.window_posts)
        print(f"datasketch MinHashLSH alone, same bands: {lsh:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
