"""Facts: what survives rewording and translation of a report of an event.

Contract of ``FactReader(text, words)`` (``text`` stripped of boilerplate, original
case; ``words`` the post's content-word stems, `Clues.words`):

- ``places``: the places the text names that the gazetteer (`rules.gazetteer`) knows,
  each as ``region:skeleton`` — the region key, then the consonant `skeleton` of the
  first word of the name as written. «Рыльске», «Рильську» and "Rylsk" all give
  ``kursk:rlsk``; «Брянской области», «Брянщиною» and "Bryansk" give
  ``bryansk:brns``. ``regions`` are the region keys alone.
- ``actors``: skeletons (three consonants or more) of the other capitalized words
  that do not open a sentence: people, agencies, companies («Синегубов»,
  "Syniehubov" → ``snhb``), minus the names of the two countries every report names.
- ``numbers``: the digit runs' values and the numbers written as words from 2 to 30
  («двое», «трёх», «одинадцять», "eleven"); "one" and its kin say nothing.
- ``topics``: the keys of the built-in topics (`rules.topics`) one of whose word or
  prefix terms is among ``words`` (phrases are left out: their words alone mislead).

Only capitalized words are looked up as places: names of towns and regions are
capitalized in all three languages, and the lowercase forms the gazetteer guards
(«орла», «шахты») are the everyday words. A place name of two words («Новая
Таволжанка», «Курской области») is tried before its first word alone.

Skeletons put Cyrillic and Latin spellings of one name into one class per consonant
(г, х, h, kh and g are one: Ukrainian writes «Г» where Russian writes «Г» and English
"h" or "g"); vowels, soft signs and apostrophes go, doubled classes collapse, and
four classes at most are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING, Self

from alerts.stories.clues import STEM, opens_sentence, opens_token, word_stem
from rules.gazetteer import Gazetteer, lookup_key
from rules.topics import Topics

if TYPE_CHECKING:
    from collections.abc import Callable, Container

SKELETON = 4
ACTOR_MINIMUM = 3

_CYRILLIC = dict.fromkeys("аеёиоуыэюяіїєйьъ'’ʼ", "") | {
    "б": "b",
    "в": "v",
    "г": "g",
    "ґ": "g",
    "д": "d",
    "ж": "z",
    "з": "z",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "ф": "f",
    "х": "g",
    "ц": "c",
    "ч": "c",
    "ш": "s",
    "щ": "s",
}
# Longest first, so "shch" is read before "sh" and "ch".
_LATIN_DIGRAPHS = {"shch": "s", "sch": "s", "kh": "g", "zh": "z", "ch": "c"} | {
    "sh": "s",
    "ts": "c",
    "tz": "c",
    "ck": "k",
    "ph": "f",
}
_LATIN = dict.fromkeys("aeiouyj'’ʼ", "") | {"c": "k", "h": "g", "q": "k", "w": "v", "x": "ks"}
_CLASSES = str.maketrans(_CYRILLIC | _LATIN)
_DIGRAPH = re.compile("|".join(_LATIN_DIGRAPHS))
_REPEATS = re.compile(r"(.)\1+")
# A capitalized word (Latin, Cyrillic of ru and uk), with inner apostrophes and hyphens.
_CAPITALIZED = re.compile(r"[A-ZА-ЯЁІЇЄҐ][^\W\d_]+(?:['’ʼ-][^\W\d_]+)*")
_NEXT_WORD = re.compile(r"[ \u00a0]+([^\W\d_]+)")
_LETTERS = re.compile(r"[^\W\d_]+")
_COUNTRIES = frozenset({"rs", "rsn", "krn", "krnn", "krns"})
"""Skeletons of Russia, Ukraine and their adjectives (and too short to be actors
anyway, or nearly): every report of this war names them."""
_DIGITS = re.compile(r"\d{1,9}")

_NUMBER_WORDS = {
    2: "два две двое двух двум двумя двоих дві двоє двох двом двома two twice",
    3: "три трое трех трёх трем трём тремя троих троє трьох трьом трьома three",
    4: "четыре четверо четырех четырёх четырем четырьмя чотири чотирьох чотирьом four",
    5: "пять пятеро пяти пятью пятерых п'ять п'ятеро п'ятьох п'ятьом five",
    6: "шесть шестеро шести шестью шестерых шість шістьох шести six",
    7: "семь семеро семи семью семерых сім сімох семи seven",
    8: "восемь восьми восемью вісім вісьмох восьми eight",
    9: "девять девяти девятью дев'ять дев'ятьох дев'яти nine",
    10: "десять десяти десятью десятеро десятьох ten",
    11: "eleven",
    12: "twelve dozen",
    13: "thirteen",
    14: "fourteen",
    15: "fifteen",
    16: "sixteen",
    17: "seventeen",
    18: "eighteen",
    19: "nineteen",
    20: "twenty",
    30: "thirty",
}
_NUMBER_STEMS = {
    11: "одиннадцат одинадцят",
    12: "двенадцат дванадцят",
    13: "тринадцат",
    14: "четырнадцат чотирнадцят",
    15: "пятнадцат п'ятнадцят",
    16: "шестнадцат шістнадцят",
    17: "семнадцат сімнадцят",
    18: "восемнадцат вісімнадцят",
    19: "девятнадцат дев'ятнадцят",
    20: "двадцат",
    30: "тридцат",
}
_BY_WORD = {word: value for value, words in _NUMBER_WORDS.items() for word in words.split()}
_BY_STEM = {stem: value for value, stems in _NUMBER_STEMS.items() for stem in stems.split()}
# Number words are whole runs of word characters and apostrophes, looked up as a set.
_RUN = re.compile(r"[\w']+")
_WRITTEN = frozenset(_BY_WORD)
# A stem and an ending of 1 to 3; every such stem holds one of `_TEEN_MARKS`, so a text
# without them is not searched.
_NUMBER_STEM = re.compile(
    r"(?<![\w'])(?:" + "|".join(map(re.escape, _BY_STEM)) + r")\w{1,3}(?![\w'])"
)
_TEEN_MARKS = ("дцат", "дцят")
CACHED_NAMES = 65_536
"""Capitalized words whose reading is remembered: names recur, and looking one up in
the gazetteer costs more than remembering it. Forgotten all at once when full."""
CACHED_PAIRS = 16_384
"""Two-word readings remembered («Курской области», «Новая Таволжанка»), forgotten all
at once when full: fewer than names, as most pairs a post holds never come again."""


def skeleton(word: str) -> str:
    """The consonant classes of a name, `SKELETON` at most; see the module docstring."""
    folded = word.casefold().replace("-", "")
    folded = _DIGRAPH.sub(lambda found: _LATIN_DIGRAPHS[found.group()], folded)
    return _REPEATS.sub(r"\1", folded.translate(_CLASSES))[:SKELETON]


Names = tuple[tuple[str, bool | None, bool], ...]
"""A token's capitalized words (`_CAPITALIZED`), each with whether the token opens a
sentence before it (`opens_sentence`; None for a word that opens the token, see
`opens_token`) and whether it ends the token."""
TokenFacts = tuple[list[str], frozenset[int] | None, Iterable[frozenset[int]], Sequence[Names]]
"""A text's tokens (`str.split`), their `line_openers`, and the `token_numbers` and
`token_names` of each."""


def token_names(token: str) -> Names:
    """The `Names` of a whitespace-free token: no capitalized word spans whitespace."""
    found: list[tuple[str, bool | None, bool]] = []
    for match in _CAPITALIZED.finditer(token):
        start, end = match.span()
        opens = opens_sentence(token, start) if start else None
        found.append((match.group(), opens, end == len(token)))
    return tuple(found)


def number_words(text: str) -> set[int]:
    """Numbers written as words (2 to 30) in ``text``, in any case."""
    found: set[int] = set().union(*map(token_numbers, text.split()))
    return found


def token_numbers(token: str) -> frozenset[int]:
    """The numbers a whitespace-free token writes as words: no number word spans
    whitespace, and casefolding neither makes nor takes any, so a text's are the union
    of its tokens'."""
    token = token.casefold().replace("’", "'").replace("ʼ", "'")
    found = {_BY_WORD[written] for written in _WRITTEN.intersection(_RUN.findall(token))}
    if any(mark in token for mark in _TEEN_MARKS):
        for written in _NUMBER_STEM.findall(token):
            found.add(next(_BY_STEM[stem] for stem in _BY_STEM if written.startswith(stem)))
    return frozenset(found) if found else _NONE


# Shared by every token that writes no number, most of them.
_NONE: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Facts:
    places: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    numbers: frozenset[int] = frozenset()
    topics: frozenset[str] = frozenset()


NO_FACTS = Facts()

KEYED_NUMBERS = 6
"""Numbers of a post that key it with each of its topics: enough for a report's counts
(killed, injured, drones, missiles), few enough that a table of figures adds few keys."""


def finding_keys(facts: Facts) -> frozenset[str]:
    """What another report of the event can find a post by, sharing no words with it: its
    places; or, when it names no place or region the gazetteer knows ("air defences
    destroyed 23 drones overnight"), each topic with each number from 2 (the
    `KEYED_NUMBERS` smallest). Posts naming a region but no place get no keys: on the
    tuning part, keying them by numbers too merged reports of one region's different
    events (precision 0.981 → 0.960, one source's events merged once).
    """
    if facts.places or facts.regions:
        return facts.places
    numbers = sorted(number for number in facts.numbers if number > 1)[:KEYED_NUMBERS]
    return frozenset(f"{topic}#{number}" for topic in facts.topics for number in numbers)


class FactReader:
    """Reads `Facts`; holds the place and topic tables built from ``rules`` data."""

    def __init__(
        self,
        region_of: Callable[[str], tuple[str, ...]],
        topics: Topics,
        openers: Container[str] | None = None,
    ) -> None:
        """``openers``: the `lookup_key` forms of the words that open a place name of two
        words or more (`pair_openers`); a capitalized word outside them is never tried
        with the next one. None tries every word."""
        self._region_of = region_of
        self._openers = openers
        # Capitalized word -> its regions alone, its skeleton, whether it may open a pair.
        self._readings: dict[str, tuple[tuple[str, ...], str | None, bool]] = {}
        # Two words that may name one place («Новая Таволжанка») -> its regions.
        self._pairs: dict[str, tuple[str, ...]] = {}
        # Content-word stem -> its topics: a window's posts reuse a few thousand stems.
        self._word_topics: dict[str, frozenset[str]] = {}
        self._topic_stems: dict[str, set[str]] = {}
        self._topic_prefixes: dict[str, set[str]] = {}
        for key in topics.keys():  # noqa: SIM118 - Topics is no mapping: keys() is its API
            for term in topics.terms(key):
                self._add_term(key, term)

    @classmethod
    def load(cls) -> Self:
        """From the packaged gazetteer and topics (a tenth of a second): build once."""
        gazetteer = Gazetteer.load()
        return cls(gazetteer.region_of, Topics.load(), pair_openers(gazetteer))

    def _add_term(self, key: str, term: str) -> None:
        if term.startswith('"'):
            return
        if term.endswith("*"):
            prefix = term[:-1].casefold().replace("ё", "е")
            if len(prefix) < STEM:
                self._topic_prefixes.setdefault(prefix, set()).add(key)
                return
            stem = prefix[:STEM]
        else:
            stem = word_stem(term.casefold().replace("ё", "е"))
        self._topic_stems.setdefault(stem, set()).add(key)

    def __call__(
        self,
        text: str,
        words: tuple[str, ...],
        digits: tuple[int, ...] | None = None,
        tokens: TokenFacts | None = None,
    ) -> Facts:
        """``digits``: the values of the text's digit runs when the caller has read them
        (`Clues.numbers`), else they are read here; ``tokens``: what the caller has read
        of the text's tokens (`TokenFacts`), else it is read here."""
        numbers = set(digits) if digits is not None else {int(run) for run in _DIGITS.findall(text)}
        if tokens is None:
            places, regions, actors = self._names(text)
            numbers |= number_words(text)
        else:
            split, openers, written, names = tokens
            if openers is None:
                places, regions, actors = self._names(text)
            else:
                places, regions, actors = self._token_names(split, openers, names)
            numbers = numbers.union(*written)
        return Facts(
            places=frozenset(places),
            regions=frozenset(regions),
            actors=frozenset(actors),
            numbers=frozenset(numbers),
            topics=frozenset(self._topics(words)),
        )

    def _names(self, text: str) -> tuple[set[str], set[str], set[str]]:
        places: set[str] = set()
        regions: set[str] = set()
        actors: set[str] = set()
        for found in _CAPITALIZED.finditer(text):
            word = found.group()
            reading = self._readings.get(word)
            if reading is None:
                reading = self._read(word)
            keys, shape, opens = reading
            if not keys and opens:
                following = _NEXT_WORD.match(text, found.end())
                if following is not None:
                    keys = self._pair(f"{word} {following.group(1)}")
                    shape = skeleton(word) if keys else shape
            if keys:
                regions.update(keys)
                places.update(f"{key}:{shape}" for key in keys)
            elif shape and not opens_sentence(text, found.start()):
                actors.add(shape)
        return places, regions, actors

    def _token_names(
        self, tokens: list[str], openers: frozenset[int], names: Sequence[Names]
    ) -> tuple[set[str], set[str], set[str]]:
        """`_names` from the text's tokens: what follows a capitalized word is the next
        token when a lone space parts them (`line_openers`)."""
        places: set[str] = set()
        regions: set[str] = set()
        actors: set[str] = set()
        last = len(tokens) - 1
        # Tokens with no capital, most of them, are skipped in C.
        for index, found in compress(enumerate(names), names):
            for word, opens, ends in found:
                reading = self._readings.get(word)
                if reading is None:
                    reading = self._read(word)
                keys, shape, may_pair = reading
                if not keys and may_pair and ends and index < last and index + 1 not in openers:
                    following = _LETTERS.match(tokens[index + 1])
                    if following is not None:
                        keys = self._pair(f"{word} {following.group()}")
                        shape = skeleton(word) if keys else shape
                if keys:
                    regions.update(keys)
                    places.update(f"{key}:{shape}" for key in keys)
                elif shape and not (
                    opens_token(tokens, index, openers) if opens is None else opens
                ):
                    actors.add(shape)
        return places, regions, actors

    def _read(self, word: str) -> tuple[tuple[str, ...], str | None, bool]:
        """The regions a capitalized word names alone; its skeleton: None for an acronym
        (ВСУ, БпЛА), empty when too short or generic to be an actor; and whether a place
        name of two words may start with it (never an acronym's)."""
        reading: tuple[tuple[str, ...], str | None, bool] = ((), None, False)
        if sum(letter.isupper() for letter in word) == 1:
            keys = self._region_of(word)
            shape = skeleton(word)
            opens = not keys and (self._openers is None or lookup_key(word) in self._openers)
            if not keys and (len(shape) < ACTOR_MINIMUM or shape in _COUNTRIES):
                # Still a word that may open a two-word place name («Новая Таволжанка»).
                reading = ((), "", opens)
            else:
                reading = (keys, shape, opens)
        if len(self._readings) >= CACHED_NAMES:
            self._readings.clear()
        self._readings[word] = reading
        return reading

    def _pair(self, words: str) -> tuple[str, ...]:
        """The regions two words name together, remembered: a capitalized word the
        gazetteer does not know alone is tried with the next one, a few times a post."""
        keys = self._pairs.get(words)
        if keys is None:
            keys = self._region_of(words)
            if len(self._pairs) >= CACHED_PAIRS:
                self._pairs.clear()
            self._pairs[words] = keys
        return keys

    def _topics(self, words: tuple[str, ...]) -> set[str]:
        found: set[str] = set()
        known = self._word_topics
        for word in words:
            topics = known.get(word)
            if topics is None:
                topics = self._word_topics_of(word)
                if len(known) >= CACHED_NAMES:
                    known.clear()
                known[word] = topics
            if topics:
                found |= topics
        return found

    def _word_topics_of(self, word: str) -> frozenset[str]:
        found = set(self._topic_stems.get(word, ()))
        for size in (3, 4):
            found.update(self._topic_prefixes.get(word[:size], ()))
        return frozenset(found)


def pair_openers(gazetteer: Gazetteer) -> frozenset[str]:
    """Every start of a place name of the gazetteer that ends before one of its spaces
    («новая» of «новая таволжанка», «автономна республіка» of a three-word name): a
    capitalized word and the next name a place together only when the first is one."""
    forms = (
        form
        for key in gazetteer.keys()  # noqa: SIM118 - Gazetteer is no mapping: keys() is its API
        for form in (*gazetteer.forms(key), *gazetteer.guarded_forms(key))
    )
    return frozenset(
        form[:index] for form in forms for index, char in enumerate(form) if char == " "
    )
