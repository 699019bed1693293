"""Fingerprints: the signature is datasketch's MinHash of the shingles, value for value."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash  # type: ignore[import-untyped]

from alerts.stories.fingerprint import SEED, Fingerprinter, normalize, shingle_hashes


@pytest.mark.parametrize(
    "text",
    [
        "Дежурными средствами ПВО уничтожены 23 беспилотника над территорией Брянской области.",
        "Russia says its air defences destroyed 23 drones over the Bryansk region " * 20,
        "Відбій повітряної тривоги в Харківській області.",
    ],
)
def test_the_signature_is_datasketchs_minhash(text: str) -> None:
    hashes = shingle_hashes(normalize(text), 5)
    reference = MinHash(num_perm=128, seed=SEED, hashfunc=lambda value: value, scheme="affine32")
    reference.update_batch(hashes.tolist())
    fingerprint = Fingerprinter()(text)
    assert fingerprint.signature is not None
    assert np.array_equal(fingerprint.signature, reference.hashvalues)
