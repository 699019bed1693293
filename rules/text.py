"""Text normalization and tokenization shared by rules, posts and gazetteer names.

Contract:

- ``raw_words``/``iter_raw_words`` find the raw words (before
  normalization) of a text; everything that splits text into words goes through them.
- ``tokens(text)`` splits text into word tokens and returns each with its character
  offsets in the ORIGINAL text, so a match can be highlighted where the reader sees it.
  A word is a run of letters and digits (with combining marks); an apostrophe between two
  letters stays inside the word (``п'ять``, ``don't``); hyphens, underscores and every
  other character separate words, so ``Ростов-на-Дону`` is three tokens and matches the
  phrase ``"ростов на дону"``.
- ``normalize_word(raw)`` turns one raw word into its normalized form(s): NFKC,
  Latin look-alikes folded into the word's majority script (``XИМАРС`` = ``ХИМАРС``),
  casefold, ``ё`` → ``е``, every apostrophe variant → ``'``, an English possessive
  ``'s`` dropped (``Moscow's`` → ``moscow``). It returns a tuple because
  NFKC may split a word (``½`` → ``1⁄2``). It is idempotent: normalizing a normalized
  word gives it back, which keeps canonical rule forms stable.
- ``fold(text)`` applies the same normalization to a whole string (for keywords, keys,
  lookups); ``unify_dashes`` maps every dash variant to ``-``.

Pure functions, no state: callers that need speed cache ``normalize_word`` by raw word.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

APOSTROPHES = "'\u2019\u02bc\u2018`\u02bb\u2032"
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# Combining marks are not \w in Python's re; a decomposed "й" (и + U+0306) must stay one word.
_MARKS = "\u0300-\u036f\u0483-\u0489"
_WORD = rf"[\w{_MARKS}]+"
# "_" is \w to re but separates words here (kursk_gov): it is blanked before matching,
# which keeps every offset and runs twice as fast as the class [^\W_] would.
_WORD_RE = re.compile(rf"{_WORD}(?:[{APOSTROPHES}]{_WORD})*")
_NON_WORD_RE = re.compile(rf"[^\w'{_MARKS}]+|_+")
_APOSTROPHE_TABLE = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))
_DASH_TABLE = str.maketrans(dict.fromkeys(DASHES, "-"))

# Latin letters that look like Cyrillic ones, by case: the fold is done before casefold
# because lowercase "b" does not look like "в" while uppercase "B" looks like "В".
_LATIN_LOOKALIKES = "ABCEHIKMOPTXYaceiopxykm"
_CYRILLIC_LOOKALIKES = "АВСЕНІКМОРТХУасеіорхукм"
_LATIN_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_CYRILLIC_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)
# Almost every word is in one script; these find the rare mixed one without a Python loop.
_HAS_LATIN_RE = re.compile("[A-Za-z]")
_HAS_CYRILLIC_RE = re.compile("[\u0400-\u052f]")
# Lower-case words of one script each (no ё, apostrophe or hyphen), single-spaced: text
# that normalization leaves exactly as it is.
_ONE_SCRIPT_WORD = "(?:[a-z]+|[а-яіїєґ]+)"
_NORMALIZED_RE = re.compile(f"{_ONE_SCRIPT_WORD}(?: {_ONE_SCRIPT_WORD})*")
# Words of one script's plain letters (no ё, no apostrophe) or of ASCII digits, in any
# case: NFKC and the look-alike fold leave them alone, and casefold is lower, so most
# words of a post skip the general path.
_PLAIN_WORD_RE = re.compile("[A-Za-z]+|[А-Яа-яІіЇїЄєҐґ]+|[0-9]+")


def iter_raw_words(text: str) -> Iterator[re.Match[str]]:
    """The raw words of ``text`` (before normalization), with their offsets."""
    return _WORD_RE.finditer(text.replace("_", " "))


def raw_words(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """The raw words of ``text[start:end]``."""
    return _WORD_RE.findall(text.replace("_", " "), start, len(text) if end is None else end)


@dataclass(frozen=True, slots=True)
class Token:
    """One normalized word and where its raw word sits in the original text."""

    text: str
    start: int
    end: int


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff" or "\u0500" <= char <= "\u052f"


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


def fold_lookalikes(word: str) -> str:
    """Rewrite a mixed-script word into one script.

    A letter with no look-alike in the other script (Cyrillic ``И``, Latin ``s``) decides;
    when both or neither kind is present, the majority does (ties go to Cyrillic).
    """
    if not (_HAS_LATIN_RE.search(word) and _HAS_CYRILLIC_RE.search(word)):
        return word
    cyrillic = [char for char in word if _is_cyrillic(char)]
    latin = [char for char in word if _is_latin(char)]
    if not cyrillic or not latin:
        return word
    surely_cyrillic = any(char not in _CYRILLIC_LOOKALIKES for char in cyrillic)
    surely_latin = any(char not in _LATIN_LOOKALIKES for char in latin)
    if surely_cyrillic != surely_latin:
        to_cyrillic = surely_cyrillic
    else:
        to_cyrillic = len(cyrillic) >= len(latin)
    return word.translate(_LATIN_TO_CYRILLIC if to_cyrillic else _CYRILLIC_TO_LATIN)


def _fold_word(word: str) -> str:
    # "ё" goes first: as "е" it is a look-alike, which the script decision must see.
    word = fold_lookalikes(word.replace("ё", "е").replace("Ё", "Е"))
    word = word.casefold().translate(_APOSTROPHE_TABLE)
    # English possessive: "Moscow's" names Moscow. Cyrillic apostrophes are inside words.
    return word[:-2] if word.endswith("'s") and word.isascii() else word


# Pure and called for every word of every post and gazetteer form, where the same few
# thousand words recur: a bounded memo pays for itself many times over.
@functools.lru_cache(maxsize=1 << 16)
def normalize_word(raw: str) -> tuple[str, ...]:
    """Normalized form(s) of one raw word as found by ``raw_words``."""
    if _PLAIN_WORD_RE.fullmatch(raw):
        return (raw.lower(),)
    compat = unicodedata.normalize("NFKC", raw).translate(_APOSTROPHE_TABLE)
    parts = [part for part in _NON_WORD_RE.split(compat) if part]
    folded = (_fold_word(part).strip("'") for part in parts)
    return tuple(word for word in folded if word)


def tokens(text: str) -> list[Token]:
    """Word tokens of ``text`` with offsets into ``text`` itself."""
    result: list[Token] = []
    for found in iter_raw_words(text):
        start, end = found.span()
        result.extend(Token(word, start, end) for word in normalize_word(found.group()))
    return result


def words(text: str) -> tuple[str, ...]:
    """Just the normalized words of ``text``, in order."""
    if _NORMALIZED_RE.fullmatch(text):
        # Already what normalization gives (gazetteer forms, mostly): skip the per-word work.
        return tuple(text.split(" "))
    return tuple(token.text for token in tokens(text))


def unify_dashes(text: str) -> str:
    return text.translate(_DASH_TABLE)


def fold(text: str) -> str:
    """Whole-string normalization: NFKC, dashes, look-alikes per word, casefold, ё → е."""
    text = unify_dashes(unicodedata.normalize("NFKC", text)).replace("ё", "е").replace("Ё", "Е")
    return (
        _WORD_RE.sub(lambda found: fold_lookalikes(found.group()), text)
        .casefold()
        .translate(_APOSTROPHE_TABLE)
    )


def is_acronym(raw: str) -> bool:
    """An all-capital short word such as ``БПЛА`` or ``ВСУ``: never lemmatized."""
    letters = [char for char in raw if char.isalpha()]
    return 2 <= len(letters) <= 5 and all(char.isupper() for char in letters)
