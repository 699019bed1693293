"""The labelled corpus in tests/data/rules: well-formed, and matched well by the real lexicon.

bench/rules_quality.py prints the per-rule figures; this test keeps the overall ones from
sliding below the target when the matcher, the gazetteer or the topics change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules.lexicon import Lexicon
from rules.matcher import Matcher
from rules.syntax import parse_rule

CORPUS = Path(__file__).resolve().parents[1] / "data" / "rules" / "tuning"
TARGET = 0.95


def _lines(name: str) -> list[dict[str, object]]:
    with (CORPUS / name).open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


@pytest.fixture(scope="module")
def real_lexicon() -> Lexicon:
    return Lexicon.load()


def test_corpus_is_well_formed() -> None:
    rules = _lines("rules.jsonl")
    posts = _lines("posts.jsonl")
    rule_ids = {row["id"] for row in rules}
    assert len(rule_ids) == len(rules) >= 20
    assert len(posts) >= 300
    assert len({post["id"] for post in posts}) == len(posts)
    assert {post["lang"] for post in posts} == {"ru", "uk", "en"}
    for post in posts:
        assert isinstance(post["text"], str)
        assert post["text"]
        assert isinstance(post["expect"], list)
        assert set(post["expect"]) <= rule_ids


def test_precision_and_recall_reach_the_target(real_lexicon: Lexicon) -> None:
    matcher = Matcher(real_lexicon)
    rules = _lines("rules.jsonl")
    for number, row in enumerate(rules):
        matcher.add(number, parse_rule(str(row["rule"]), real_lexicon))
    found = wanted = correct = 0
    for post in _lines("posts.jsonl"):
        hits = matcher.match(str(post["text"]), sources=[str(post["source"])])
        got = {rules[hit.rule_id]["id"] for hit in hits}
        expected = set(post["expect"])  # type: ignore[call-overload]
        found, wanted, correct = (
            found + len(got),
            wanted + len(expected),
            correct + len(got & expected),
        )
    assert correct / found >= TARGET, "precision"
    assert correct / wanted >= TARGET, "recall"


def test_the_issue_example_with_the_real_gazetteer(real_lexicon: Lexicon) -> None:
    matcher = Matcher(real_lexicon)
    matcher.add(1, parse_rule("беспилотник region:kursk", real_lexicon))
    [hit] = matcher.match("над Курской областью сбиты три беспилотника")
    assert hit.regions == ("kursk",)
    assert matcher.match("Курская битва 1943 года: беспилотники в музее") == []
