"""Posts per second through ``StoryWindow.assign`` with 50,000 posts in the window, and
the window's memory.

    .venv/bin/python -m bench.dedup_speed [--window-posts 50000] [--measured 5000] [--rounds 5]

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
start), the steady rate (``measured`` more posts, each expiring the oldest), both as
wall-clock and as CPU time (``time.process_time``: on a shared machine the wall clock
counts other processes' turns too), and the window's memory once filled: traced by
tracemalloc (held and peak, in a separate run: tracing slows Python down several
times), and the peak resident set (VmHWM) of a fresh child process that only fills
the window, beside its resident set before the fill (interpreter, numpy, gazetteer
and the generated posts). The steady phase runs ``rounds`` times in a row, each round
on the next ``measured`` posts of the same stream, the window at ``window_posts``
throughout: each round is printed, then the median of their CPU rates (one round of
5,000 posts takes about 3 s, and swings by 15% on a machine shared with other work).
``--datasketch-lsh`` also prints what datasketch's own
``MinHashLSH`` holds for the same signatures, for comparison with ``BandIndex``;
``--profile N`` prints the N functions that took the most time of their own in the
steady phase (cProfile, which slows it down, so the rates printed are not comparable).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.stories.facts import FactReader
from alerts.stories.fingerprint import NUM_PERM
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


def run(
    posts: list[StoryItem], window: StoryWindow, stories: set[str] | None = None
) -> tuple[float, float]:
    """Wall-clock and CPU seconds to assign ``posts``, in order, expiring as it goes."""
    started, cpu = time.perf_counter(), time.process_time()
    for post in posts:
        window.expire(post.published_at)
        story = window.assign(post)
        if stories is not None:
            stories.add(story)
    return time.perf_counter() - started, time.process_time() - cpu


def rate(count: int, wall: float, cpu: float) -> str:
    return (
        f"{count} posts in {wall:.1f} s = {count / wall:,.0f} posts/s wall, "
        f"{cpu:.1f} s CPU = {count / cpu:,.0f} posts/s of one core"
    )


def resident(field: str) -> float:
    """A field of /proc/self/status (``VmRSS``, ``VmHWM``) in MiB, 0 where there is none."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0.0
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def datasketch_lsh_memory(window_posts: int, num_perm: int = NUM_PERM) -> float:
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
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--datasketch-lsh", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--fill-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # The fill-only child holds one round's posts beside the fill, as it always has: its
    # resident set stays comparable with earlier runs'.
    rounds = 1 if args.fill_only else max(1, args.rounds)
    posts = synthetic_posts(args.window_posts + rounds * args.measured, args.window_posts)
    fill, steady = posts[: args.window_posts], posts[args.window_posts :]
    facts = FactReader.load()
    if args.fill_only:
        before = resident("VmRSS")
        run(fill, StoryWindow(facts=facts))
        print(json.dumps({"before": before, "peak": resident("VmHWM")}))
        return 0

    window = StoryWindow(facts=facts)
    print(f"fill:   {rate(len(fill), *run(fill, window))}")
    stories: set[str] = set()
    profiler = cProfile.Profile()
    if args.profile:
        profiler.enable()
    rates: list[float] = []
    for start in range(0, len(steady), args.measured):
        measured = steady[start : start + args.measured]
        wall, cpu = run(measured, window, stories)
        rates.append(len(measured) / cpu)
        print(
            f"steady: {rate(len(measured), wall, cpu)} "
            f"with {len(window):,} posts in the window ({len(stories):,} stories among them)"
        )
    profiler.disable()
    print(
        f"steady: median of {len(rates)} rounds {statistics.median(rates):,.0f} posts/s "
        f"of one core (rounds from {min(rates):,.0f} to {max(rates):,.0f})"
    )

    if args.profile:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(args.profile)
        return 0

    tracemalloc.start()
    traced = StoryWindow(facts=facts)
    run(fill, traced)
    size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"memory: {size / 2**20:.1f} MiB held, {peak / 2**20:.1f} MiB at the peak, for "
        f"{len(traced):,} posts in the window ({size / len(traced):,.0f} bytes a post; "
        "tracemalloc)"
    )
    child = subprocess.run(  # noqa: S603  # this interpreter, this script, numbers
        [
            sys.executable,
            "-m",
            "bench.dedup_speed",
            "--fill-only",
            "--window-posts",
            str(args.window_posts),
            "--measured",
            str(args.measured),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(child.stdout)
    print(
        f"process: {figures['peak']:.1f} MiB peak resident (VmHWM) filling the window in a "
        f"fresh process, {figures['before']:.1f} MiB resident before the fill: "
        f"{figures['peak'] - figures['before']:.1f} MiB for the window"
    )
    if args.datasketch_lsh:
        lsh = datasketch_lsh_memory(args.window_posts)
        print(f"datasketch MinHashLSH alone, same bands: {lsh:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
