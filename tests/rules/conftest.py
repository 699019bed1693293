"""Fixtures for rule tests: one lexicon per session (pymorphy3 loads in ~0.1 s, once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.rules.standins import stand_in_lexicon

if TYPE_CHECKING:
    from rules.lexicon import Lexicon


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return stand_in_lexicon()
