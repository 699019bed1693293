"""Clues: what in a post's words says which event it reports, beyond text similarity.

Contract of ``clues(text)`` (``text`` already stripped of boilerplate, original case):

- ``numbers``: the values of the digit runs (casualty counts, ages, dates, times). Alike texts whose
  numbers disagree hours apart report different events.
- ``names``: 5-letter stems (folded) of capitalized words that do not open a sentence
  or line — places, people, streets: "по Белгороду" gives ``белго``. ``capitals``:
  stems of every capitalized word, sentence openers included, so "Белгород подвергся"
  meets "по Белгороду". All-capital words (ВСУ, ПВО, ТАСС) are neither: they are
  generic or datelines.
- ``words``: stems of the content words (`word_stem`: three letters or more, not in
  `STOPWORDS`, folded like names), for retellings that share words but not wording.
  Numbers are not words; they are ``numbers``.
- ``update``: the text announces a changed count or a correction of an earlier report
  ("число пострадавших возросло до пяти", "кількість загиблих зросла",
  "death toll rises"), per `UPDATE_MARKERS`, or opens a line with a source's own
  update label («Уточнение», «Уточнённая информация», «Обновлено», «Оновлено»,
  «Доповнено», "UPD", "Update:"), per `UPDATE_LABELS`.

Stems are the first `STEM` letters, a crude stemmer that is enough for names in
Russian, Ukrainian and English, which inflect at the end.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from itertools import accumulate, compress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

STEM = 5
UPDATE_MARKERS = (
    # Each pattern after the substrings (casefolded) one of which its every match holds.
    # ru
    ("возросл выросл увеличил", r"(?:возросл|выросл|увеличил)\w*\s+до"),
    ("уточн", r"уточн[её]нн\w*\s+информаци"),
    ("число", r"число\s+(?:погибших|пострадавших|раненых|жертв)"),
    # uk
    ("зросл", r"зросл\w*\s+до"),
    ("уточн", r"уточнен\w*\s+інформаці"),
    ("кількість", r"кількість\s+(?:загиблих|постраждалих|поранених|жертв)"),
    # en
    ("death", r"death\s+toll"),
    ("rose risen rises climb", r"(?:rose|risen|rises|climbed|climbs)\s+to\s+\w+"),
    ("number", r"number\s+of\s+(?:dead|injured|wounded|casualties)"),
)
UPDATE_LABELS = (
    r"уточнение",
    r"уточн[её]нная\s+информация",
    r"обновлено",
    r"обновление",
    r"оновлено",
    r"оновлення",
    r"уточнення",
    r"доповнено",
    r"дополнено",
    r"upd",
    r"update",
    r"updated",
)
"""Words a source puts first on a line of a post that updates its earlier one."""
LABEL_HINTS = "уточн обновл оновл доповн дополн upd"
"""Every match of `UPDATE_LABELS` holds one of these, casefolded."""
_LABEL = rf"(?:^|\n)\W*(?:{'|'.join(UPDATE_LABELS)})\b"
# Each searched alone in the casefolded text, and only where one of its hints is (a few
# substring scans of a token cost less than one pattern over the text): one alternation
# of them all tries every branch at every character, several times the cost (and a
# case-insensitive one several times more again).
_UPDATE_SEARCHES = tuple(
    (tuple(hints.split()), re.compile(pattern))
    for hints, pattern in (*UPDATE_MARKERS, (LABEL_HINTS, _LABEL))
)
# `_LABEL` matched at each line's start: a search would try every character of the text.
_LABEL_OPENS = re.compile(rf"\W*(?:{'|'.join(UPDATE_LABELS)})\b", re.IGNORECASE)


def labelled_update(text: str) -> bool:
    """A line of the raw text opens with an update label (boilerplate stripping takes
    such labels off the start, so they are looked for before it)."""
    # Lines as `_LABEL` counts them: after a "\n" only. Non-word characters that run on
    # to the next line lead to a label that opens that line anyway, so the first line is
    # matched in the text itself, and a text of one line, most of them, is not split.
    if _LABEL_OPENS.match(text):
        return True
    return "\n" in text and any(_LABEL_OPENS.match(line) for line in text.split("\n")[1:])


# Shared by every slimmed `Clues`: an empty frozenset is not a singleton since 3.10.
_NOTHING: frozenset[str] = frozenset()
# Nine digits at most: enough for any count or date, and int() never refuses it.
_DIGITS = re.compile(r"\d{1,9}")
# A capitalized word of four letters or more (Latin, Cyrillic of ru and uk). The look
# behind says what a leading \b would, but a pattern that opens with a set of letters
# lets the search skip to the next capital in C.
_CAPITALIZED = re.compile(r"[A-ZÀ-ÞА-ЯЁІЇЄҐ](?<!\w.)[^\W\d_]{3,}(?:['’][^\W\d_]+)*")
# What ends a sentence or opens a quote: the word after it is capitalized by grammar.
_OPENERS = frozenset('.!?…:;\n«"(')
# A word: letters, with inner apostrophes (Ukrainian "об'єкт").
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Space-separated (ru, uk, en): a list of words reads better than a column of quotes.
_FUNCTION_WORDS = (
    "что как это его они она был была были было будет также который которая которые для",
    "при без или так чем где когда тоже того этот эти этих после над под через между около",
    "более менее уже еще все всех лишь только этом этой этого",
    "від про або але вже усі всіх лише тільки цьому його вона вони був була були було буде",
    "який яка які після між біля більше також під щодо над для при без або так",
    "the and for with from that this was were are has have had its after over into",
)
STOPWORDS = frozenset(word for line in _FUNCTION_WORDS for word in line.split())
"""Function words of ru, uk and en of three letters or more (shorter words are never
content words): every text has them, they say nothing of the event."""
# Inflectional endings of ru and uk by length, stripped before a word is cut to `STEM`.
_ENDINGS = tuple(
    frozenset(endings.split())
    for endings in (
        "а я о е ы и у ю ь й і ї є",
        "ых их ах ях ов ев ей ой ый ий ая яя ое ее ые ие ую юю ом ем ам ям ою ею ів ої ій",
        "ами ями ого его ему ому ыми ими ові еві",
    )
)
_LONG = STEM + len(_ENDINGS)
_SHORTEST = 3
CACHED_WORDS = 65_536
"""Folded words whose stem is remembered: a window's posts reuse a few thousand words,
and a look-up costs a third of stemming one."""
CACHED_TOKENS = 16_384
"""Whitespace-separated tokens («Курской», «области.», "(ТАСС)") whose reading is
remembered (stems, digits, update hints, number words and folding, in one entry): no
word spans whitespace, so a text reads as its tokens do, and news reuses its tokens.
Fewer than words: a token with its punctuation comes back less often than its word."""


@dataclass(frozen=True, slots=True)
class Clues:
    numbers: tuple[int, ...]
    """Sorted, distinct; a tuple of small ints is what a window of 50,000 can afford."""
    names: frozenset[str]
    capitals: frozenset[str]
    update: bool
    words: tuple[str, ...] = ()
    """Stems of the content words (`word_stem`), sorted and interned: a tuple of shared
    strings is what a few hours of posts can afford."""

    def numbers_only(self) -> Clues:
        """What is still read hours later: the numbers (names cost memory, not reads)."""
        return Clues(self.numbers, _NOTHING, _NOTHING, update=False)


Capitals = tuple[tuple[str, bool | None], ...]
"""The stems of a token's capitalized words (`_CAPITALIZED`), each with whether the
token opens a sentence before it (`opens_sentence`), None for a word that opens the
token: that depends on what precedes the token (`opens_token`)."""
TokenClues = tuple[frozenset[str], tuple[int, ...], frozenset[int], Capitals]
"""What one whitespace-free token adds to a text's `Clues` (`token_clues`)."""


def clues(text: str) -> Clues:
    tokens = text.split()
    readings = tuple(zip(*map(token_clues, tokens), strict=True))
    stems, digits, hinted, capitals = readings or ((),) * 4
    read = (stems, digits, hinted, capitals)
    return gathered_clues(text, tokens, line_openers(text, tokens), read)


def token_clues(token: str) -> TokenClues:
    """A whitespace-free token's content stems, the values of its digit runs, the update
    searches one of whose hints it holds (casefolded; their numbers in `_UPDATE_SEARCHES`),
    and its `Capitals`: no word, digit run or hint spans whitespace, and casefolding
    neither makes nor takes any, so a text's clues are read from its tokens'
    (`gathered_clues`)."""
    folded = token.casefold().replace("ё", "е")
    hinted = frozenset(
        number
        for number, (hints, _) in enumerate(_UPDATE_SEARCHES)
        if any(hint in folded for hint in hints)
    )
    return (
        frozenset(stem for stem in map(_content_stem, _WORD.findall(folded)) if stem),
        tuple(map(int, _DIGITS.findall(token))),
        hinted or _NO_HINTS,
        _token_capitals(token),
    )


# Shared by every token that holds no update hint, most of them.
_NO_HINTS: frozenset[int] = frozenset()


def _token_capitals(token: str) -> Capitals:
    found: list[tuple[str, bool | None]] = []
    # No look-behind of the pattern reaches past the token: it is the character before
    # the capital, whitespace at the token's start, as at the start of a string.
    for match in _CAPITALIZED.finditer(token):
        stem = _capital_stem(match.group())
        if stem is not None:
            start = match.start()
            found.append((stem, opens_sentence(token, start) if start else None))
    return tuple(found)


def gathered_clues(
    text: str,
    tokens: list[str],
    openers: frozenset[int] | None,
    read: tuple[
        Iterable[frozenset[str]],
        Iterable[tuple[int, ...]],
        Iterable[frozenset[int]],
        Sequence[Capitals],
    ],
) -> Clues:
    """The `Clues` of ``text`` from its ``tokens`` (`str.split`), their `line_openers`
    and the parts of their `token_clues` the caller has read: stems, digits, hinted
    update searches and capitals of each token."""
    stems, digits, hinted, capitals = read
    if openers is None:
        names, capital_stems = _text_names(text)
    else:
        names, capital_stems = set(), set()
        # Tokens with no capital, most of them, are skipped in C.
        for index, found in compress(enumerate(capitals), capitals):
            for stem, opens in found:
                capital_stems.add(stem)
                if not (opens_token(tokens, index, openers) if opens is None else opens):
                    names.add(stem)
    numbers: set[int] = set().union(*digits)
    words: set[str] = set().union(*stems)
    return Clues(
        numbers=tuple(sorted(numbers)),
        names=frozenset(names),
        capitals=frozenset(capital_stems),
        update=_announces_update(text, set().union(*hinted)),
        words=tuple(sorted(words)),
    )


def _text_names(text: str) -> tuple[set[str], set[str]]:
    """Names and capitals read from the text itself, where its tokens do not tell what
    precedes each of them (`line_openers`)."""
    names: set[str] = set()
    capitals: set[str] = set()
    for found in _CAPITALIZED.finditer(text):
        stem = _capital_stem(found.group())
        if stem is None:
            continue
        capitals.add(stem)
        if not opens_sentence(text, found.start()):
            names.add(stem)
    return names, capitals


def line_openers(text: str, tokens: list[str]) -> frozenset[int] | None:
    """The indices of the ``tokens`` (`str.split` of ``text``) that open a line, or None
    when something else than one space or one line break parts two tokens, or ``text``
    starts or ends with whitespace: then the tokens alone do not tell whether a word that
    opens one opens a sentence (`opens_token`)."""
    parts = len(tokens) - 1
    if len(text) != sum(map(len, tokens)) + parts or text.count(" ") + text.count("\n") != parts:
        return None
    if "\n" not in text:
        return _FIRST
    return frozenset(accumulate((line.count(" ") + 1 for line in text.split("\n")), initial=0))


# The only token that opens a line of a text of one line.
_FIRST = frozenset({0})


def opens_token(tokens: list[str], index: int, openers: frozenset[int]) -> bool:
    """Whether a word that opens ``tokens[index]`` opens a sentence (`opens_sentence`),
    ``openers`` being the tokens' `line_openers`."""
    return index in openers or tokens[index - 1][-1] in _OPENERS


def _announces_update(text: str, hinted: set[int]) -> bool:
    """Whether one of the ``hinted`` update searches (those one of whose hints ``text``
    holds) finds its pattern in the casefolded text."""
    if not hinted:
        return False
    folded = text.casefold().replace("ё", "е")
    return any(_UPDATE_SEARCHES[number][1].search(folded) is not None for number in hinted)


@functools.lru_cache(maxsize=CACHED_WORDS)
def _capital_stem(word: str) -> str | None:
    """The folded stem of a capitalized word, None for an all-capital one."""
    return None if word.isupper() else word.casefold().replace("ё", "е")[:STEM]


@functools.lru_cache(maxsize=CACHED_WORDS)
def _content_stem(word: str) -> str | None:
    """The interned stem of a folded content word, None for a function or short word."""
    if len(word) < _SHORTEST or word in STOPWORDS:
        return None
    # Long words skip the call: their stem is their first letters anyway.
    return sys.intern(word[:STEM] if len(word) >= _LONG else word_stem(word))


def word_stem(word: str) -> str:
    """A folded word without its longest inflectional ending, cut to `STEM` letters.

    The ending goes only when `STEM` - 1 letters stay ("дроны" → "дрон", "дронами" →
    "дрон"; "дом" stays). A word of `STEM` + 3 letters or more gives its first `STEM`
    whatever its ending, so only shorter words are looked at.
    """
    size = len(word)
    if size < _LONG:
        for length in range(min(len(_ENDINGS), size - STEM + 1), 0, -1):
            if word[-length:] in _ENDINGS[length - 1]:
                return word[: min(STEM, size - length)]
    return word[:STEM]


def shared_names(first: Clues, second: Clues) -> int:
    """How many names one post has that the other also writes capitalized."""
    return len((first.names & second.capitals) | (second.names & first.capitals))


def opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` follows what ends a sentence or opens a quote, or
    opens ``text``: grammar capitalizes it, whatever it names."""
    index = start - 1
    while index >= 0 and text[index] in " \t\u00a0":
        index -= 1
    return index < 0 or text[index] in _OPENERS
