"""What story clustering needs of the project's MinHash: the share of equal signature
values estimates the Jaccard similarity of two posts' shingle sets, without bias, on
real post pairs; and a text gets the same signature in every process, so stories
computed before and after a restart, or by another worker, compare."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from alerts.stories.fingerprint import NUM_PERM, Fingerprinter, normalize, shingle_hashes

POSTS = Path(__file__).resolve().parents[1] / "data" / "stories" / "posts.jsonl"


def _shingle_sets() -> list[np.ndarray]:
    lines = POSTS.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    sets = [shingle_hashes(normalize(text), 5) for text in texts]
    return [hashes for hashes in sets if len(hashes) >= 20]


def _estimate(fingerprinter: Fingerprinter, first: np.ndarray, second: np.ndarray) -> float:
    equal = fingerprinter.signature(first) == fingerprinter.signature(second)
    return float(np.count_nonzero(equal)) / fingerprinter.num_perm


def test_the_estimate_follows_the_true_jaccard_on_corpus_pairs() -> None:
    fingerprinter = Fingerprinter()
    sets = _shingle_sets()
    errors = []
    for first, second in itertools.combinations(sets, 2):
        shared = len(np.intersect1d(first, second, assume_unique=True))
        true = shared / (len(first) + len(second) - shared)
        if true < 0.1:
            continue  # unrelated posts: near 0 either way, and thousands of them
        estimate = _estimate(fingerprinter, first, second)
        # Five standard errors of a binomial share of NUM_PERM draws, plus one draw.
        bound = 5 * math.sqrt(true * (1 - true) / NUM_PERM) + 1 / NUM_PERM
        assert abs(estimate - true) <= bound, (true, estimate)
        errors.append(estimate - true)
    assert len(errors) > 300
    assert abs(float(np.mean(errors))) < 0.01
    assert float(np.mean(np.abs(errors))) < 0.04


def test_unrelated_posts_estimate_near_zero_and_equal_sets_one() -> None:
    fingerprinter = Fingerprinter()
    sets = _shingle_sets()
    rng = np.random.default_rng(7)
    far = [
        _estimate(fingerprinter, sets[first], sets[second])
        for first, second in rng.integers(0, len(sets), (500, 2))
        if len(np.intersect1d(sets[first], sets[second])) == 0
    ]
    assert len(far) > 100
    assert max(far) <= 4 / NUM_PERM
    for hashes in sets[:20]:
        assert _estimate(fingerprinter, hashes, hashes.copy()) == 1.0


def test_a_signature_is_the_same_in_another_process() -> None:
    text = "Над Курском сбит беспилотник, обломки упали на крышу школы в Ленинском округе"
    probe = (
        "from alerts.stories.fingerprint import Fingerprinter\n"
        f"print(Fingerprinter()({text!r}).signature.tolist())\n"
    )
    result = subprocess.run(  # noqa: S603  # this interpreter, a fixed script
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    here = Fingerprinter()(text).signature
    assert here is not None
    assert len(here) == NUM_PERM
    assert json.loads(result.stdout) == here.tolist()


def test_a_repost_reads_as_its_original_and_a_label_still_marks_an_update() -> None:
    fingerprinter = Fingerprinter()
    original = "Над Курской областью уничтожены 12 беспилотников, сообщил губернатор Хинштейн"
    first = fingerprinter(original)
    repost = fingerprinter(f"⚡️Срочно: {original}\n\n#новости\nПодписаться")
    assert first.signature is not None
    assert repost.signature is not None
    assert (repost.signature == first.signature).all()
    assert (repost.size, repost.clues, repost.facts) == (first.size, first.clues, first.facts)
    assert not repost.clues.update
    labelled = fingerprinter(f"Обновлено\n{original}")
    assert labelled.clues.update
    assert labelled.signature is not None
    assert (labelled.signature == first.signature).all()
    # A text read again after a label is still no update on its own.
    assert not fingerprinter(original).clues.update


@pytest.mark.parametrize(
    ("written", "read"),
    [
        # Latin "o" and "c" inside Cyrillic words, Cyrillic "а" inside a Latin one.
        ("Взрывы в Мoскве и Kурcке", "взрывы в москве и курске"),
        ("Атака на Kharkiv: дрон Shahеd", "атака на kharkiv дрон shahed"),
        # Latin words standing alone, or beside digits only, stay as written.
        ("Удар по Su-34 и F16 в Telegram", "удар по su 34 и f16 в telegram"),
    ],
)
def test_look_alike_letters_are_folded_into_their_word_script(written: str, read: str) -> None:
    assert normalize(written) == read
