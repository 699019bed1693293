"""The project's MinHash is datasketch's ``affine32`` value for value, so signatures
computed before and after it replaced datasketch compare equal, and it is the same in
every process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash  # type: ignore[import-untyped]  # ships no type hints

from alerts.stories.fingerprint import SEED, Fingerprinter, normalize, shingle_hashes

POSTS = Path(__file__).resolve().parents[1] / "data" / "stories" / "posts.jsonl"


def _datasketch(hashes: np.ndarray, num_perm: int) -> np.ndarray:
    minhash = MinHash(num_perm=num_perm, seed=SEED, hashfunc=lambda v: v, scheme="affine32")
    minhash.update_batch(hashes.tolist())
    return np.asarray(minhash.hashvalues)


def _texts() -> list[str]:
    lines = POSTS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


@pytest.mark.parametrize("num_perm", [16, 128])
def test_signatures_equal_datasketch_on_every_corpus_post(num_perm: int) -> None:
    fingerprinter = Fingerprinter(num_perm=num_perm)
    compared = 0
    for text in _texts():
        hashes = shingle_hashes(normalize(text), fingerprinter.shingle)
        if len(hashes) == 0:
            continue
        assert np.array_equal(fingerprinter.signature(hashes), _datasketch(hashes, num_perm))
        compared += 1
    assert compared > 200


def test_signatures_equal_datasketch_on_extreme_hashes() -> None:
    fingerprinter = Fingerprinter()
    rng = np.random.default_rng(7)
    sets = [
        np.array([0], dtype=np.uint64),
        np.array([0xFFFFFFFF], dtype=np.uint64),
        np.arange(5000, dtype=np.uint64),
        rng.integers(0, 1 << 32, 3000, dtype=np.uint64),
    ]
    for hashes in sets:
        assert np.array_equal(fingerprinter.signature(hashes), _datasketch(hashes, 128))


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
    assert json.loads(result.stdout) == here.tolist()
