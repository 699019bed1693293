"""Normalization and tokenization: every fold the rule language promises, with offsets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.text import fold, is_acronym, normalize_word, tokens, words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Беспилотник", ("беспилотник",)),
        ("ЁЛКА", ("елка",)),
        ("XИМАРС", ("химарс",)),  # Latin X inside a Cyrillic word
        ("ХИMAPC", ("химарс",)),  # Latin M, A, P
        ("Kурск", ("курск",)),  # Latin K
        ("Kursk", ("kursk",)),
        ("Кursk", ("kursk",)),  # Cyrillic К inside a Latin word: majority wins
        ("п’ять", ("п'ять",)),
        ("пʼять", ("п'ять",)),
        ("п'ять", ("п'ять",)),
        ("ＤＲＯＮＥ", ("drone",)),  # fullwidth, NFKC
        ("ﬁre", ("fire",)),  # ligature, NFKC
        ("Straße", ("strasse",)),  # casefold, not lower
        ("и\u0306од", ("йод",)),  # decomposed й
        ("½", ("1", "2")),
        ("Moscow's", ("moscow",)),
        (
            "ёжNOT",
            ("eжnot",),
        ),  # regression: "ё" became a look-alike after the fold  # English possessive
        ("don't", ("don't",)),  # NFKC splits it; both halves stay words
    ],
)
def test_normalize_word(raw: str, expected: tuple[str, ...]) -> None:
    assert normalize_word(raw) == expected


def test_tokens_keep_offsets_into_the_original_text() -> None:
    text = "Над «Курской» областью — ДРОНЫ; Ростов-на-Дону, п’ять ﬁre"
    found = tokens(text)
    assert [token.text for token in found] == [
        "над",
        "курской",
        "областью",
        "дроны",
        "ростов",
        "на",
        "дону",
        "п'ять",
        "fire",
    ]
    assert [text[token.start : token.end] for token in found] == [
        "Над",
        "Курской",
        "областью",
        "ДРОНЫ",
        "Ростов",
        "на",
        "Дону",
        "п’ять",
        "ﬁre",
    ]


def test_hyphens_and_underscores_separate_words() -> None:
    assert words("Су-34, Ка‑52 и kursk_gov") == ("су", "34", "ка", "52", "и", "kursk", "gov")


def test_apostrophe_outside_a_word_is_a_quote() -> None:
    assert words("'дрон' ’атака’") == ("дрон", "атака")


def test_fold_unifies_dashes_and_letters() -> None:
    assert fold("XИМАРС — Ёлка") == "химарс - елка"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("БПЛА", True),
        ("ВСУ", True),
        ("США", True),
        ("СРОЧНО", False),
        ("Курск", False),
        ("Б", False),
        ("Су", False),
    ],
)
def test_acronyms(raw: str, expected: bool) -> None:
    assert is_acronym(raw) is expected


@given(st.text())
def test_normalization_is_idempotent(text: str) -> None:
    once = words(text)
    assert words(" ".join(once)) == once


@given(st.text())
def test_offsets_are_inside_the_text(text: str) -> None:
    for token in tokens(text):
        assert 0 <= token.start < token.end <= len(text)
        assert token.text


@given(
    st.lists(
        st.text(alphabet="abcxyzабвгдеёжхіїєґ'-AБ", min_size=1, max_size=8), min_size=1, max_size=4
    ).map(" ".join)
)
def test_words_takes_no_shortcut_that_changes_the_result(text: str) -> None:
    # `words` skips per-word normalization for text that is already normal; it must
    # give exactly what the token-by-token path gives.
    assert words(text) == tuple(token.text for token in tokens(text))
