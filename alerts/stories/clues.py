"""Clues: what in a post's words says which event it reports, beyond text similarity.

Contract of ``clues(text)`` (``text`` already stripped of boilerplate, original case):

- ``numbers``: the values of the digit runs (casualty counts, ages, dates, times). Alike texts whose
  numbers disagree hours apart report different events.
- ``names``: 5-letter stems (folded) of capitalized words that do not open a sentence
  or line — places, people, streets: "по Белгороду" gives ``белго``. ``capitals``:
  stems of every capitalized word, sentence openers included, so "Белгород подвергся"
  meets "по Белгороду". All-capital words (ВСУ, ПВО, ТАСС) are neither: they are
  generic or datelines.
- ``update``: the text announces a changed count or a correction of an earlier report
  ("число пострадавших возросло до пяти", "кількість загиблих зросла",
  "death toll rises"), per `UPDATE_MARKERS`.

Stems are the first `STEM` letters, a crude stemmer that is enough for names in
Russian, Ukrainian and English, which inflect at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STEM = 5
UPDATE_MARKERS = (
    # ru
    r"(?:возросл|выросл|увеличил)\w*\s+до",
    r"уточн[её]нн\w*\s+информаци",
    r"число\s+(?:погибших|пострадавших|раненых|жертв)",
    # uk
    r"зросл\w*\s+до",
    r"уточнен\w*\s+інформаці",
    r"кількість\s+(?:загиблих|постраждалих|поранених|жертв)",
    # en
    r"death\s+toll",
    r"(?:rose|risen|rises|climbed|climbs)\s+to\s+\w+",
    r"number\s+of\s+(?:dead|injured|wounded|casualties)",
)
_UPDATE = re.compile("|".join(UPDATE_MARKERS), re.IGNORECASE)
# Shared by every slimmed `Clues`: an empty frozenset is not a singleton since 3.10.
_NOTHING: frozenset[str] = frozenset()
# Nine digits at most: enough for any count or date, and int() never refuses it.
_DIGITS = re.compile(r"\d{1,9}")
# A capitalized word of four letters or more (Latin, Cyrillic of ru and uk).
_CAPITALIZED = re.compile(r"\b[A-ZÀ-ÞА-ЯЁІЇЄҐ][^\W\d_]{3,}(?:['’][^\W\d_]+)*")
# What ends a sentence or opens a quote: the word after it is capitalized by grammar.
_OPENERS = frozenset('.!?…:;\n«"(')


@dataclass(frozen=True, slots=True)
class Clues:
    numbers: tuple[int, ...]
    """Sorted, distinct; a tuple of small ints is what a window of 50,000 can afford."""
    names: frozenset[str]
    capitals: frozenset[str]
    update: bool

    def numbers_only(self) -> Clues:
        """What is still read hours later: the numbers (names cost memory, not reads)."""
        return Clues(self.numbers, _NOTHING, _NOTHING, update=False)


def clues(text: str) -> Clues:
    names: set[str] = set()
    capitals: set[str] = set()
    for found in _CAPITALIZED.finditer(text):
        word = found.group()
        if word.isupper():
            continue
        stem = word.casefold().replace("ё", "е")[:STEM]
        capitals.add(stem)
        if not _opens_sentence(text, found.start()):
            names.add(stem)
    return Clues(
        numbers=tuple(sorted({int(digits) for digits in _DIGITS.findall(text)})),
        names=frozenset(names),
        capitals=frozenset(capitals),
        update=_UPDATE.search(text) is not None,
    )


def shared_names(first: Clues, second: Clues) -> int:
    """How many names one post has that the other also writes capitalized."""
    return len((first.names & second.capitals) | (second.names & first.capitals))


def _opens_sentence(text: str, start: int) -> bool:
    index = start - 1
    while index >= 0 and text[index] in " \t\u00a0":
        index -= 1
    return index < 0 or text[index] in _OPENERS
