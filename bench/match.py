"""Matcher throughput with many active rules, on posts like those users meet.

    .venv/bin/python -m bench.match [--rules 10000] [--posts 3000] [--seed 1]

Rules are generated the way subscribers write them: words and prefixes (half watched
words — those of the corpus rules, the topics and a list of event words —, half rare
pymorphy3 dictionary lemmas), phrases, OR groups, exclusions, ``region:`` over every
gazetteer key (border regions most often), ``topic:`` and ``source:``. Posts are
~80 words: one post of the tuning corpus in tests/data/rules (the event) and real news
items of the ru/uk/en feeds in ../shared/fixtures around it (corpus posts only without
them), plus what makes every real post new: numbers, place names and uncommon words.

Those new words are what a benchmark that re-runs its warm-up posts never meets. So
the place names and the uncommon words are split in two: warm-up posts take theirs
from one half, measured posts from the other, and every post gets numbers of its own
(the events and the feed items, everyday text, are shared). Printed: the first 1,000
posts after start (caches empty but for what compiling the rules filled), then, after
a warm-up of ``--posts``
posts, ``--posts`` posts whose new words were not seen in it, with the index's cache
hit rate (raw words of a post already in its word cache), and for comparison the
warm-up posts again (nearly every word cached). Runs on one core (pinned where the
OS allows); prints figures and asserts nothing. Each rate is given per CPU second of
this process (``time.process_time``: what "one core" means on a machine shared with
other work) and per wall second, each against the issue's target where it has one,
with the full garbage collections that fell in the pass (they cost ~0.3 s each).
``--profile N`` prints the N functions that took the most time of their own in the warm
pass over unseen posts (cProfile, which slows it down: that rate is not comparable).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import random
import re
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rules.lexicon import Lexicon
from rules.matcher import Matcher
from rules.morphology import Morphology
from rules.syntax import RuleSyntaxError, parse_rule
from rules.text import raw_words, words

if TYPE_CHECKING:
    from collections.abc import Callable

    from rules.rule import Rule

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "rules" / "tuning" / "posts.jsonl"
FIXTURES = ROOT.parent / "shared" / "fixtures" / "feeds"
FEEDS = (
    "liga_net_ru.rss.xml",
    "meduza_io_ru_3items.rss.xml",
    "vedomosti_ru_3items.rss.xml",
    "unian_ua.rss.xml",
    "pravda_com_ua_windows1251.rss.xml",
    "nytimes_top_stories.rss.xml",
    "bbc_news_frontpage.rss.xml",
)
BORDER = ("kursk", "belgorod", "bryansk", "kharkiv", "sumy", "chernihiv", "donetsk", "moscow")
SOURCES = ("@kursk_gov", "@belgorod_gov", "@rian_ru", "@synegubov", "@sumy_ova")


def corpus_texts() -> list[str]:
    """The tuning corpus's post texts: the events of the generated posts."""
    with CORPUS.open(encoding="utf-8") as file:
        return [json.loads(line)["text"] for line in file if line.strip()]


def fixture_texts() -> list[str]:
    """Titles and summaries of the real ru/uk/en feeds in ../shared/fixtures, if present."""
    import feedparser

    texts = []
    for name in FEEDS:
        path = FIXTURES / name
        if path.exists():
            for entry in feedparser.parse(str(path)).entries:
                summary = re.sub(r"<[^>]+>", " ", entry.get("summary", ""))
                texts.append(f"{entry.get('title', '')}. {summary}")
    return texts


@dataclass(frozen=True)
class Vocabulary:
    """What one half of the posts is made of."""

    events: list[str]
    fillers: list[str]
    places: list[str]
    uncommon: list[str]


def halves(items: list[str], rnd: random.Random) -> tuple[list[str], list[str]]:
    shuffled = sorted(items)
    rnd.shuffle(shuffled)
    middle = len(shuffled) // 2
    return shuffled[:middle], shuffled[middle:]


def new_words(vocabulary: Vocabulary, rnd: random.Random) -> str:
    """Numbers of its own, two place names and two uncommon words: what makes a post new."""
    numbers = [str(rnd.randrange(10, 100_000)) for _ in range(2)]
    places = [rnd.choice(vocabulary.places).title() for _ in range(2)]
    uncommon = [rnd.choice(vocabulary.uncommon) for _ in range(2)]
    return " ".join([*numbers, *places, *uncommon]) + "."


def make_posts(vocabulary: Vocabulary, count: int, rnd: random.Random) -> list[str]:
    """~80-word posts: one corpus post (the event), real news text and new words."""
    posts = []
    for _ in range(count):
        parts = [rnd.choice(vocabulary.events), new_words(vocabulary, rnd)]
        while sum(len(words(part)) for part in parts) < 70:
            parts.append(rnd.choice(vocabulary.fillers or vocabulary.events))
        rnd.shuffle(parts)
        posts.append(" ".join(parts))
    return posts


def place_names(lexicon: Lexicon) -> list[str]:
    """Single-word place forms of every region (the gazetteer's, as posts inflect them)."""
    gazetteer = lexicon.gazetteer
    every = gazetteer.keys()  # a Gazetteer, not a dict
    return sorted({f for key in every for f in gazetteer.forms(key) if " " not in f})


# Words subscribers watch for, besides those in the corpus rules and the topics.
EVENT_WORDS = """
взрыв обстрел атака удар ракета дрон беспилотник пожар тревога эвакуация погибший раненый
сирена укрытие подстанция нефтебаза аэродром мост граница отключение обломки сбит ПВО
вибух обстріл атака удар ракета дрон безпілотник пожежа тривога евакуація загиблий поранений
explosion shelling attack strike missile drone fire alert evacuation killed wounded airfield
refinery bridge border outage debris governor substation
"""


def rare_words(morphology: Morphology, count: int, rnd: random.Random) -> list[str]:
    """Dictionary lemmas: terms that make the index big but rarely occur in posts."""
    analyzer = morphology._analyzers[0]  # a benchmark may look inside
    lemmas = {word for word, _tag, lemma, *_ in analyzer.iter_known_word_parses() if word == lemma}
    pool = sorted(word for word in lemmas if word.isalpha() and len(word) > 6)
    return rnd.sample(pool, min(count, len(pool)))


def watched_words(lexicon: Lexicon) -> list[str]:
    """Words people put in rules: the corpus rules', the topics', the event words."""
    rules_file = CORPUS.with_name("rules.jsonl")
    with rules_file.open(encoding="utf-8") as file:
        texts = [json.loads(line)["rule"] for line in file if line.strip()]
    topics = lexicon.topics
    texts += [term for key in topics.keys() for term in topics.terms(key)]  # noqa: SIM118
    found = {word for text in texts for word in words(text) if ":" not in text and len(word) > 3}
    return sorted(found | {word.lower() for word in EVENT_WORDS.split()})


def make_rules(lexicon: Lexicon, count: int, rnd: random.Random) -> list[Rule]:
    popular = watched_words(lexicon)
    rare = rare_words(lexicon.morphology, 20_000, rnd)
    regions = list(lexicon.gazetteer.keys())
    topics = list(lexicon.topics.keys())

    def word() -> str:
        return rnd.choice(popular) if rnd.random() < 0.5 else rnd.choice(rare)

    def region() -> str:
        return rnd.choice(BORDER) if rnd.random() < 0.6 else rnd.choice(regions)

    shapes: dict[Callable[[], str], int] = {  # shape: weight in percent
        lambda: f"{word()} region:{region()}": 25,
        lambda: f"{word()[:5]}* region:{region()}": 10,
        lambda: f"topic:{rnd.choice(topics)} region:{region()}": 15,
        lambda: f'"{word()} {word()}"': 10,
        lambda: f"({word()} OR {word()}) {word()}": 10,
        lambda: f"{word()} -{word()}": 10,
        word: 10,
        lambda: f"source:{rnd.choice(SOURCES)} {word()}": 5,
        lambda: f"region:{region()} -topic:{rnd.choice(topics)}": 5,
    }
    rules: list[Rule] = []
    while len(rules) < count:
        [shape] = rnd.choices(list(shapes), weights=list(shapes.values()))
        try:
            rules.append(parse_rule(shape(), lexicon))
        except RuleSyntaxError:
            continue  # a generated word that is an operator or too short a prefix
    return rules


def compile_rules(lexicon: Lexicon, rules: list[Rule]) -> tuple[Matcher, float]:
    matcher = Matcher(lexicon)
    started = time.perf_counter()
    for rule_id, rule in enumerate(rules):
        matcher.add(rule_id, rule)
    gc.collect()  # as RuleBook's first sync does after compiling every stored rule
    return matcher, time.perf_counter() - started


class FullCollections:
    """CPU seconds of the garbage collector's full (generation 2) collections in a pass.

    One takes ~0.3 s here (it walks every object of the index); when one falls in a
    pass its rate drops by half, so each pass says how many it met.
    """

    def __init__(self) -> None:
        self.count, self.seconds, self._started = 0, 0.0, 0.0

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._seen)

    def _seen(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.process_time()
        else:
            self.count += 1
            self.seconds += time.process_time() - self._started


def throughput(matcher: Matcher, posts: list[str]) -> tuple[float, float, float]:
    """Posts per CPU second, per wall second, and mean hits per post over one pass.

    CPU time is the figure for "one core": on a shared machine wall time also counts the
    time other processes held the core.
    """
    hits = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for number, post in enumerate(posts):
        hits += len(matcher.match(post, sources=(SOURCES[number % len(SOURCES)],)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(posts) / cpu, len(posts) / wall, hits / len(posts)


def cache_hit_rate(matcher: Matcher, posts: list[str]) -> float:
    """The share of the posts' raw words already in the index's word cache."""
    cached = matcher._index._atoms  # a benchmark may look inside
    raws = [raw for post in posts for raw in raw_words(post)]
    return sum(raw in cached for raw in raws) / max(len(raws), 1)


def report(
    label: str,
    matcher: Matcher,
    posts: list[str],
    target: int | None = None,
    profiler: cProfile.Profile | None = None,
) -> None:
    hit_rate = cache_hit_rate(matcher, posts)
    if profiler is not None:
        profiler.enable()
    with FullCollections() as collections:
        rate, wall_rate, mean_hits = throughput(matcher, posts)
    if profiler is not None:
        profiler.disable()
    print(
        f"{label + ':':<34}{rate:7.0f} posts/s CPU ({wall_rate:.0f} wall), "
        f"{mean_hits:.1f} hits/post, word cache hit rate {hit_rate:.1%}, "
        f"{collections.count} full GC ({collections.seconds:.2f} s CPU)"
    )
    if target is not None:
        verdicts = [
            f"{name} {'meets' if value >= target else 'misses'}"
            for name, value in (("CPU", rate), ("wall", wall_rate))
        ]
        print(f"{'':<34}target {target:,} posts/s: {', '.join(verdicts)}")


def index_memory(lexicon: Lexicon, rules: list[Rule]) -> float:
    """MiB allocated by building the matcher (lemma caches it fills included)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    matcher, _ = compile_rules(lexicon, rules)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del matcher
    return (after - before) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rnd = random.Random(args.seed)

    started = time.perf_counter()
    lexicon = Lexicon.load()
    print(f"Lexicon.load():                    {time.perf_counter() - started:7.2f} s")
    rules = make_rules(lexicon, args.rules, rnd)
    events, fillers = corpus_texts(), fixture_texts()
    places = halves(place_names(lexicon), rnd)
    uncommon = halves(rare_words(lexicon.morphology, 20_000, rnd), rnd)
    warm_words, new = (Vocabulary(events, fillers, places[half], uncommon[half]) for half in (0, 1))
    warm_up = make_posts(warm_words, args.posts, rnd)
    unseen = make_posts(new, args.posts, rnd)
    after_start = make_posts(new, 1_000, rnd)
    print(f"{len(fillers)} real feed items around the corpus posts")
    print(f"{args.posts} posts, {statistics.mean(len(words(p)) for p in unseen):.0f} words each")

    cold = Lexicon(Morphology.load(), lexicon.gazetteer, lexicon.topics)  # empty caches
    cpu = time.process_time()
    matcher, seconds = compile_rules(cold, rules)
    cpu = time.process_time() - cpu
    print(f"compile {len(rules)} rules:            {cpu:7.2f} s CPU ({seconds:.2f} s wall)")
    report("first 1000 posts after start", matcher, after_start, target=1_500)
    matcher, _ = compile_rules(lexicon, rules)
    report("warm-up posts", matcher, warm_up)
    if args.profile:
        profiler = cProfile.Profile()
        report("warm, unseen posts (profiled)", matcher, unseen, profiler=profiler)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(args.profile)
        return
    report("warm, unseen posts", matcher, unseen, target=5_000)
    report("warm, the warm-up posts again", matcher, warm_up)
    print(
        f"index memory:                     {index_memory(lexicon, rules):7.1f} MiB (tracemalloc)"
    )


if __name__ == "__main__":
    main()
