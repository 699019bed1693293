"""Lemmas of normalized words in Russian, Ukrainian and English.

Contract: ``Morphology.lemmas(word, acronym=False)`` returns the set of lemmas of one
normalized word (see ``rules.text``); it always contains at least one string, and the
word itself when nothing better is known. Two words are "the same word in another form"
when their lemma sets intersect. Rules:

- Cyrillic words: the normal forms of every *dictionary* parse by the Russian and the
  Ukrainian pymorphy3 analyzers (``стали`` → {стать, сталь}; ``Харкові`` → {харко,
  харків}). Words neither dictionary knows get the analyzers' guesses for nouns only
  (``шахеды`` → {шахед, шахеда}), because guessed verbs and adjectives are mostly
  nonsense (``БПЛА`` → the verb ``бпнуть``), and a *stem*: ``^`` and the Snowball
  Russian stem of the word and of each guessed noun (``химарсы``, ``химарсов`` →
  ``^химарс``), so that a word no dictionary knows still inflects. Only such words
  carry a stem, so it never joins a known word to another (``Курской`` keeps
  {курский}). For Ukrainian spellings the Ukrainian analyzer's guesses do the work
  (``хаймарсів`` → {хаймарс}) and their stems join them: there is no Snowball
  algorithm for Ukrainian (snowballstemmer 3.1 ships 36 languages, none Ukrainian),
  and pymorphy3's Ukrainian predictor, trained on the same maintained dictionary the
  lemmas come from, is the best-kept option.
- Acronyms (``БПЛА``, ``ВСУ``: decided by the caller from the raw word) are never guessed:
  dictionary lemmas or their surface (``ДРОНЫ`` in a capitals headline is still ``дрон``).
- Latin words get a light English stem (``drones`` → ``drone``), see ``rules.stemmer``.
- Anything else (digits, mixed) is its own lemma.

Lemmas of proper names are NOT relied on for places: pymorphy3 turns ``Курской`` into
``курский``, not ``курск``. Regions match by the gazetteer's inflected forms instead.

``is_known(word)`` tells a dictionary word from the rest by a look-up alone, and
``lexeme_forms(lemma)`` lists every form that has ``lemma`` among its dictionary lemmas:
with them the matcher learns which lemmas rule words share with a dictionary word
without analyzing it (``rules.index``). ``may_guess(word, reaches)`` tells, for a word no
dictionary knows, whether any of its guessed nouns or their stems could be a string the
caller cares about, by the letters every guess keeps: when not, ``lemmas_to_stem(word,
guess=False)`` skips the guessers (~150 µs a word) with the same useful answer.

Analyzers and the stemmer are created by ``Morphology.load()`` (about 0.1 s), never at
import; ``load(stem_unknown=False)`` leaves the stems out (to measure what they do).
Results are cached per instance (uncached ~14,000 words/s, cached ~185,000 words/s).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rules.stemmer import english_stem

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_CACHE_LIMIT = 500_000
# Marks a stem among the lemmas: no normalized word starts with it.
STEM_MARK = "^"
# How many first letters a head keeps. Cyrillic: every form is listed, so a long head
# only makes the index lemmatize fewer post words. Latin: forms are not listed, and the
# English stem keeps at least the first three letters of a word ("droning" → "drone").
HEAD = 5
_LATIN_HEAD = 3


def head(word: str) -> str:
    """The first letters of a normalized word, as ``Morphology.heads`` keeps them."""
    return word[:HEAD] if has_cyrillic(word) else word[:_LATIN_HEAD]


_GUESS_MIN_SCORE = 0.1


_CYRILLIC_RE = re.compile("[\u0400-\u052f]")


def has_cyrillic(word: str) -> bool:
    return _CYRILLIC_RE.search(word) is not None


def _fold(lemma: str) -> str:
    # Dictionaries spell some lemmas with "ё"; normalized text never has it.
    return lemma.replace("ё", "е")


def _paradigm_forms(dictionary: Any, parse: Any) -> set[str]:
    """Every form, ``ё`` folded, of the dictionary lexeme of ``parse`` (pymorphy3 stores
    a paradigm as suffix ids, tag ids and prefix ids, n of each)."""
    _analyzer, word, paradigm_id, index = parse.methods_stack[0]
    paradigm = dictionary.paradigms[paradigm_id]
    size = len(paradigm) // 3
    suffixes, prefixes = dictionary.suffixes, dictionary.paradigm_prefixes
    own_prefix = prefixes[paradigm[2 * size + index]]
    own_suffix = suffixes[paradigm[index]]
    stem = word[len(own_prefix) : len(word) - len(own_suffix)]
    return {
        _fold(prefixes[paradigm[2 * size + i]] + stem + suffixes[paradigm[i]]) for i in range(size)
    }


def _spellings(form: str) -> set[str]:
    """``form`` and every way of writing its ``ґ`` as ``г``, which the Ukrainian
    dictionary accepts for it (its ``ё`` are folded already)."""
    spellings = {form}
    for at, char in enumerate(form):
        if char == "ґ":
            spellings |= {spelling[:at] + "г" + spelling[at + 1 :] for spelling in spellings}
    return spellings


# The pymorphy3 analyzer units whose guesses ``Morphology.may_guess`` knows how to bound
# (see there); with any other unit in an analyzer, every unknown word is guessed.
_BOUNDED_UNITS = frozenset(
    {
        "DictionaryAnalyzer",  # dictionary words only
        "AbbreviatedFirstNameAnalyzer",  # one letter
        "AbbreviatedPatronymicAnalyzer",  # two letters
        "NumberAnalyzer",  # digits, Roman numerals, Latin words, punctuation: no nouns
        "RomanNumberAnalyzer",
        "LatinAnalyzer",
        "PunctuationAnalyzer",
        "HyphenSeparatedParticleAnalyzer",  # a hyphen, which no normalized word has
        "HyphenAdverbAnalyzer",
        "HyphenatedWordsAnalyzer",
        "KnownPrefixAnalyzer",  # a known prefix before a word analyzed in full
        "UnknownPrefixAnalyzer",  # up to five letters before a dictionary word
        "KnownSuffixAnalyzer",  # a dictionary word's ending for the word's last letters
        "UnknAnalyzer",  # no noun
    }
)


# (longest prediction ending, paradigm prefixes, known-prefix units, dictionary, the
# analyzer's compiled letter substitutions): what Morphology.may_guess reads.
_GuessBounds = tuple[int, tuple[str, ...], tuple[Any, ...], Any, Any]


def _guess_bounds(analyzer: Any) -> _GuessBounds | None:
    """How ``analyzer`` guesses, for ``Morphology.may_guess`` (see ``_GuessBounds``);
    None when a unit or a noun paradigm is beyond that reasoning, or when pymorphy3's
    internals are not laid out as this module reads them (another release): the
    shortcut is then off, and every unknown word is guessed as before."""
    try:
        bounds = _read_guess_bounds(analyzer)
        if bounds is not None:
            # Every internal the shortcut reads at run time, read once here.
            _kept_in_ending("а", bounds)
            _prefix_splits("пробное")
    except (AttributeError, ImportError, IndexError, KeyError, TypeError, ValueError):
        return None
    return bounds


def _read_guess_bounds(analyzer: Any) -> _GuessBounds | None:
    units = [unit for unit, _terminal in analyzer._units]
    if any(type(unit).__name__ not in _BOUNDED_UNITS for unit in units):
        return None
    dictionary = analyzer.dictionary
    for paradigm in dictionary.paradigms:
        size = len(paradigm) // 3
        nouns = (dictionary.gramtab[paradigm[size + i]].POS == "NOUN" for i in range(size))
        if dictionary.paradigm_prefixes[paradigm[2 * size]] and any(nouns):
            return None  # a noun's lemma would not begin with its form's stem
    meta = dictionary.meta
    options = meta.get("compile_options") or meta["prediction_options"]
    prefixes = tuple(prefix for prefix in dictionary.paradigm_prefixes if prefix)
    known = tuple(unit for unit in units if type(unit).__name__ == "KnownPrefixAnalyzer")
    substitutes = analyzer.char_substitutes
    return int(options["max_suffix_length"]), prefixes, known, dictionary, substitutes


def _kept_in_ending(ending: str, bounds: _GuessBounds) -> int:
    """How many first letters of ``ending``, a word's last letters, every lemma the
    suffix guesser reads off it keeps.

    Each form filed under the ending (with the letters the dictionary lets differ) gives
    the word cut before the form's suffix, the lemma's suffix after; the letters of the
    ending it keeps are as the dictionary spells them (``ґ`` for ``г``), ``ё`` folded.
    The smallest over all of them; the whole ending when none is filed.
    """
    _longest, _prefixes, _known, dictionary, substitutes = bounds
    endings = dictionary.prediction_suffixes_dawgs[0]  # forms without a paradigm prefix
    paradigms, suffixes = dictionary.paradigms, dictionary.suffixes
    kept = len(ending)
    for spelt, forms in endings.similar_items(ending, substitutes):
        folded = _fold(spelt)
        pairs = enumerate(zip(folded, ending, strict=True))
        same = next((at for at, (a, b) in pairs if a != b), len(ending))
        for _count, paradigm_id, index in forms:
            suffix = suffixes[paradigms[paradigm_id][index]]
            kept = min(kept, same, len(ending) - len(suffix))
    return kept


def _prefix_splits(word: str) -> list[tuple[str, str]]:
    """The (prefix, rest) splits of ``word`` pymorphy3's unknown-prefix guesser tries."""
    # Imported here: pymorphy3 is loaded by Morphology.load, never at import.
    from pymorphy3.utils import word_splits  # type: ignore[import-untyped]  # noqa: PLC0415

    splits: list[tuple[str, str]] = word_splits(word)
    return splits


def _is_dictionary_parse(parse: Any) -> bool:
    return len(parse.methods_stack) == 1 and (
        type(parse.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
    )


class Morphology:
    """Cached lemmatizer over pymorphy3's ru and uk analyzers (``Any``: pymorphy3 is untyped)."""

    def __init__(self, analyzers: Iterable[Any], stemmer: Any = None) -> None:
        self._analyzers = tuple(analyzers)
        self._words = tuple(analyzer.dictionary.words for analyzer in self._analyzers)
        self._stemmer = stemmer  # snowballstemmer's Russian stemmer, or None for no stems
        # The caches belong to this instance, which the composition root builds once.
        self._cache: dict[tuple[str, bool], frozenset[str]] = {}
        self._heads: dict[str, frozenset[str]] = {}  # rule words only: a small vocabulary
        self._unstemmed: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        bounds = [_guess_bounds(analyzer) for analyzer in self._analyzers]
        self._guess_bounds = [one for one in bounds if one is not None]
        self._guesses_bounded = len(self._guess_bounds) == len(bounds)
        self._ending_kept: list[dict[str, int]] = [{} for _ in self._guess_bounds]

    @classmethod
    def load(cls, *, stem_unknown: bool = True) -> Morphology:
        # Imported here: loading the dictionaries is the composition root's decision.
        import pymorphy3  # type: ignore[import-untyped]  # noqa: PLC0415
        import snowballstemmer  # type: ignore[import-untyped]  # noqa: PLC0415

        stemmer = snowballstemmer.stemmer("russian") if stem_unknown else None
        return cls((pymorphy3.MorphAnalyzer(lang=lang) for lang in ("ru", "uk")), stemmer)

    def lemmas(self, word: str, *, acronym: bool = False) -> frozenset[str]:
        key = (word, acronym)
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()  # a crude bound; the working vocabulary refills it fast
            cached = self._cache[key] = self._compute(word, acronym=acronym)
        return cached

    def heads(self, word: str) -> frozenset[str]:
        """The ``head`` of every word that can share a lemma with ``word``.

        That is: of the word, of its lemmas and stems, and of every form of every
        dictionary lexeme it belongs to (``человек`` → {челов, люди, людей, людям…}).
        A post word whose head is in no rule word's heads cannot match any of them in
        any form, so the index need not lemmatize it. Forms are read from the paradigm
        tables directly (prefix + stem + suffix), a fraction of building the lexeme.
        """
        cached = self._heads.get(word)
        if cached is None:
            found = {head(word), *(head(lemma.lstrip(STEM_MARK)) for lemma in self.lemmas(word))}
            if has_cyrillic(word):
                for analyzer in self._analyzers:
                    for parse in analyzer.parse(word):
                        if _is_dictionary_parse(parse):
                            forms = _paradigm_forms(analyzer.dictionary, parse)
                            found |= {head(s) for form in forms for s in _spellings(form)}
            cached = self._heads[word] = frozenset(found)
        return cached

    def is_known(self, word: str) -> bool:
        """Whether a dictionary (ru or uk) has ``word``: then its lemmas are dictionary ones.

        A look-up in the word graphs only, a fraction of a full analysis: first of the
        word as spelt (in C, and it settles nearly every known word), then of the
        spellings a dictionary also accepts for it (``е`` for ``ё``, ``г`` for ``ґ``).
        """
        return any(word in words for words in self._words) or any(
            analyzer.word_is_known(word) for analyzer in self._analyzers
        )

    def lexeme_forms(self, lemma: str) -> frozenset[str]:
        """Every form of every dictionary lexeme whose lemma is ``lemma``, as normalized
        text spells it (``ё`` folded, ``ґ`` also written ``г``).

        So a dictionary word has ``lemma`` among its ``lemmas`` exactly when it is one
        of these forms: a lexeme's lemma is its first form, which the dictionaries parse
        back to it. Empty for a word no dictionary has as a lemma.
        """
        if not has_cyrillic(lemma):
            return frozenset()
        forms: set[str] = set()
        for analyzer in self._analyzers:
            dictionary = analyzer.dictionary
            for parse in analyzer.parse(lemma):
                if _is_dictionary_parse(parse) and _fold(parse.normal_form) == lemma:
                    forms |= _paradigm_forms(dictionary, parse)
        return frozenset(spelling for form in forms for spelling in _spellings(form))

    def _compute(self, word: str, *, acronym: bool) -> frozenset[str]:
        if not word:
            return frozenset({word})
        if has_cyrillic(word):
            return self._cyrillic_lemmas(word, guess=not acronym)
        if word.isascii() and word.isalpha():
            return frozenset({english_stem(word)})
        return frozenset({word})

    def _cyrillic_lemmas(self, word: str, *, guess: bool) -> frozenset[str]:
        parses = [parse for analyzer in self._analyzers for parse in analyzer.parse(word)]
        known = {_fold(parse.normal_form) for parse in parses if _is_dictionary_parse(parse)}
        if known:
            return frozenset(known)
        if not guess:
            return frozenset({word})
        guessed = self._guessed(word, parses)
        if self._stemmer is None:
            return guessed
        return guessed | {self.stem(one) for one in guessed}

    def _guessed(self, word: str, parses: list[Any]) -> frozenset[str]:
        return frozenset(
            {
                word,
                *(
                    _fold(parse.normal_form)
                    for parse in parses
                    if parse.tag.POS == "NOUN" and parse.score >= _GUESS_MIN_SCORE
                ),
            }
        )

    def may_guess(self, word: str, reaches: Callable[[str], bool]) -> bool:
        """Whether a guessed noun of ``word``, a Cyrillic word no dictionary knows, or its
        stem could be a string ``reaches`` accepts: a shortcut past the (slow) guessers.

        ``reaches(beginning)`` must accept every string that begins with ``beginning``,
        and every stem that is a beginning of it. It is asked for the first letters every
        guess keeps: the suffix guesser replaces a form's suffix found among the word's
        last few letters (pymorphy3's prediction endings, each at least as long as its
        form's suffix: ``_kept_in_ending`` reads them), and a noun's lemma adds
        no prefix (checked over the paradigms at load), so every guessed lemma begins
        with the word's letters before the suffix, and every stem, cut from a lemma,
        begins with them or is a beginning of them. Not so for a word the prefix
        guessers read as a prefix and a word analyzed in full (``ультралюдей`` gives
        ``ультрачеловек``): for such a word, or a short one, this says True.
        """
        if not self._guesses_bounded or "-" in word:
            return True
        for bounds in self._guess_bounds:
            _longest, paradigm_prefixes, known_prefix_units, _dictionary, _subs = bounds
            if word.startswith(paradigm_prefixes) or any(
                next(iter(unit.possible_splits(word)), None) for unit in known_prefix_units
            ):
                return True
        kept = min(self._kept_by_suffix_guesses(word, at) for at in range(len(self._guess_bounds)))
        if kept < 1 or reaches(word[:kept]):
            return True
        return any(self.is_known(rest) for _prefix, rest in _prefix_splits(word))

    def _kept_by_suffix_guesses(self, word: str, analyzer: int) -> int:
        """How many first letters of ``word`` every lemma the suffix guesser of the
        ``analyzer``-th analyzer can give keeps: the smallest over every ending it may look
        up (``_kept_in_ending``, cached: endings recur far more than words)."""
        bounds, cache = self._guess_bounds[analyzer], self._ending_kept[analyzer]
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        kept = len(word)
        for size in range(1, min(bounds[0], len(word)) + 1):
            ending = word[-size:]
            in_ending = cache.get(ending)
            if in_ending is None:
                in_ending = cache[ending] = _kept_in_ending(ending, bounds)
            kept = min(kept, len(word) - size + in_ending)
        return kept

    def lemmas_to_stem(
        self, word: str, *, guess: bool = True
    ) -> tuple[frozenset[str], frozenset[str]]:
        """``lemmas`` of a Cyrillic word that is not an acronym, stems left out, and the
        words whose ``stem`` ``lemmas`` adds (none for a dictionary word, else the word and
        its guessed nouns): a caller may compute only the stems it can use.

        ``guess=False`` is for a word ``is_known`` denies and whose guesses the caller has
        no use for (``may_guess``): the word alone, without analysis."""
        if not guess:
            alone = frozenset({word})
            return alone, alone if self._stemmer is not None else frozenset()
        cached = self._unstemmed.get(word)
        if cached is None:
            if len(self._unstemmed) >= _CACHE_LIMIT:
                self._unstemmed.clear()
            parses = [parse for analyzer in self._analyzers for parse in analyzer.parse(word)]
            known = {_fold(parse.normal_form) for parse in parses if _is_dictionary_parse(parse)}
            if known:
                cached = (frozenset(known), frozenset())
            else:
                guessed = self._guessed(word, parses)
                cached = (guessed, guessed if self._stemmer is not None else frozenset())
            self._unstemmed[word] = cached
        return cached

    def stem(self, word: str) -> str:
        """``STEM_MARK`` and the Snowball Russian stem of ``word``: always ``word`` cut
        after some letter, since the algorithm only deletes endings (and turns ``ё``,
        which normalized text never has, into ``е``)."""
        stem: str = self._stemmer.stemWord(word)
        return STEM_MARK + stem
