"""The shared index of every term of every active rule, and where terms occur in a post.

Contract: a term (``rules.rule.Term``, except ``Source``) is compiled into *patterns*
(``rules.patterns``): sequences of single-word *atoms*, all of which must match adjacent
words of the post. Atoms are ``("w", word)`` — the word in any form: the post word's
surface or one of its lemmas equals the rule word's surface or lemma —, ``("p", prefix)``
— the post word starts with it — and ``("s", surface)`` — exactly that normalized word,
used for the gazetteer's generated forms (``Курской``, ``Харкові``), which must not go
through lemmas. A guarded pattern counts only when its guard admits the words as written,
the word before them and the text after them; one whose guard ``needs_support`` counts
only when its term is also present through another pattern (a place name several
regions share counts only beside the region's name); a region's occurrences inside
another region's longer name (its ``Blockers``) are dropped.

Terms and atoms are shared between rules and reference-counted, so ``add``/``remove`` of
one term costs its own patterns only. ``occurrences(text)`` tokenizes a post once and
returns, for every term present, the character spans (in the original text) of its
occurrences: the cost grows with the post and the terms it contains, not with the number
of terms indexed. A post word is lemmatized only when its first letters are those of
some form of some rule word (``Morphology.heads``): most new words in a post — names,
numbers, rare words — are not, and cost a dictionary lookup less. Nor is a dictionary
word: every form of every dictionary lexeme whose lemma some rule word has is filed
when the rule word arrives (``Morphology.lexeme_forms``), so a dictionary word's
lemmas that matter are one dict look-up away, and only a word no dictionary knows is
analyzed (guesses and stems), its guesses only when one could be a lemma or stem some
rule word has (``Morphology.may_guess``, asked of the lemmas and stems filed now).
Caches of raw word → matching atoms and of *chunk* (the text between two spaces, which
no word crosses: ``области,``) → its words' atoms, both cleared when the atoms change,
make what recurs cheap: with them warm, a post is split at spaces and looked up in C,
and Python touches only its chunks with a word some rule mentions.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from itertools import accumulate, compress, count, repeat
from operator import is_
from typing import TYPE_CHECKING, cast

from rules.morphology import STEM_MARK, has_cyrillic, head
from rules.patterns import AtomKey, Blockers, PatternCompiler
from rules.rule import Region, Term
from rules.text import is_acronym, normalize_word, raw_words

if TYPE_CHECKING:
    from rules.lexicon import GuardLike, Lexicon

Span = tuple[int, int]
# Cached atoms of a raw word: 1 when it is one word in no rule (most words), its atoms when
# it is one word in some rule, a tuple of atoms per word when it normalizes to 0 or 2+.
_Words = tuple[frozenset[int], ...]
_Cached = int | frozenset[int] | _Words
_Start = tuple[tuple[int, ...], int, "GuardLike | None"]
_Entry = tuple[tuple[int, ...], tuple[_Start, ...]]
_CACHE_LIMIT = 200_000
# A word of a chunk that is in some rule: its offsets in the chunk and its atoms.
_Found = tuple[int, int, frozenset[int]]


class _HotChunk(tuple[_Found | None, ...]):
    """A chunk with some word in a rule: per word, None or the word as ``_Found``."""

    __slots__ = ()


# A chunk's cached words: a _HotChunk, or (most chunks) a plain tuple of one None per word.
_Chunk = tuple[_Found | None, ...]
_COLD: tuple[_Chunk, ...] = tuple((None,) * size for size in range(8))
# Longer chunks (links, run-together text) rarely recur: not worth their memory.
_CHUNK_CACHE_MAX = 64
_PREFIX_HEAD = 2
# The distinct lengths of a bucket's prefixes, shortest first, and the prefixes' atoms.
_PrefixBucket = tuple[tuple[int, ...], dict[str, int]]
_NO_ATOMS: frozenset[int] = frozenset()
_NO_KEYS: frozenset[str] = frozenset()
_STEM_KEY = "~" + STEM_MARK
_SENTENCE_END = frozenset(".!?…\n")
_PREVIOUS_WINDOW = 80
# How much text after a guarded form its guard may read: a list of ten region adjectives.
_FOLLOWING = 300
# Words after which a full stop is an abbreviation ("г. Курск"), not a sentence end.
_ABBREVIATIONS = frozenset({"г", "м", "с", "пгт", "смт", "обл", "р", "н", "им", "ул", "st", "mt"})


class TermIndex:
    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._compiler = PatternCompiler(lexicon)
        self._term_ids: dict[Term | Blockers, int] = {}
        self._term_refs: Counter[int] = Counter()
        self._term_patterns: dict[int, list[_Start]] = {}
        self._blocked: dict[int, int] = {}  # Blockers term id -> its Region term id
        self._atom_ids: dict[AtomKey, int] = {}
        self._atom_keys: dict[int, AtomKey] = {}
        self._atom_refs: Counter[int] = Counter()
        self._atom_lookup_keys: dict[int, tuple[str, ...]] = {}
        # Heads (first letters) of every form of every rule word: a post word with
        # another head matches no "w" atom, so it is never lemmatized (see _analyze).
        self._heads: Counter[str] = Counter()
        self._atom_heads: dict[int, frozenset[str]] = {}
        self._by_key: dict[str, set[int]] = {}
        # Prefix atoms by their first two letters (or their one), with the lengths of the
        # prefixes there: a post word looks up its own two letters, then its first letters
        # of each such length, whatever the number of prefixes.
        self._prefixes: dict[str, _PrefixBucket] = {}
        # First atom -> (terms it completes alone, unguarded; longer or guarded patterns).
        # The split keeps the common case — a one-word term — to one list extension.
        self._starts: dict[int, tuple[list[int], list[_Start]]] = {}
        # Dictionary form -> the lemmas rule words have that it is a form of.
        self._lemma_forms: dict[str, tuple[str, ...]] = {}
        # Stems (without STEM_MARK) some rule word has: see _keys.
        self._stems: set[str] = set()
        # Lemmas and stems (without STEM_MARK) rule words have, and the same sorted when
        # asked after a change (see _reaches): what a guess must be to matter.
        self._reachable: Counter[str] = Counter()
        self._reachable_order: list[str] | None = None
        self._atoms: dict[str, _Cached] = {}
        # Chunk of a post (text between spaces) -> its words: cleared with _atoms.
        self._chunks: dict[str, _Chunk] = {}
        # A word's atoms -> what it starts (``_entry``): cleared when the patterns change.
        self._entries: dict[frozenset[int], _Entry] = {}
        self._next_id = 0

    def __len__(self) -> int:
        return len(self._term_ids)

    # -- building -------------------------------------------------------------------------

    def acquire(self, term: Term | Blockers) -> int:
        """Id of ``term``, compiling it on first use; pair every call with ``release``."""
        term_id = self._term_ids.get(term)
        if term_id is None:
            term_id = self._term_ids[term] = self._new_id()
            starts: list[_Start] = []
            for pattern in self._compiler.patterns(term):
                atoms = tuple(self._acquire_atom(atom) for atom in pattern.atoms)
                starts.append((atoms, term_id, pattern.guard))
                singles, longer = self._starts.setdefault(atoms[0], ([], []))
                if len(atoms) == 1 and pattern.guard is None:
                    singles.append(term_id)
                else:
                    longer.append((atoms[1:], term_id, pattern.guard))
            self._term_patterns[term_id] = starts
            self._entries.clear()
            if isinstance(term, Region):
                self._blocked[self.acquire(Blockers(term.key))] = term_id
        self._term_refs[term_id] += 1
        return term_id

    def release(self, term: Term | Blockers) -> None:
        term_id = self._term_ids[term]
        self._term_refs[term_id] -= 1
        if self._term_refs[term_id]:
            return
        del self._term_refs[term_id], self._term_ids[term]
        self._entries.clear()
        for atoms, _, guard in self._term_patterns.pop(term_id):
            singles, longer = self._starts[atoms[0]]
            if len(atoms) == 1 and guard is None:
                singles.remove(term_id)
            else:
                longer.remove((atoms[1:], term_id, guard))
            if not singles and not longer:
                del self._starts[atoms[0]]
            for atom in atoms:
                self._release_atom(atom)
        if isinstance(term, Region):
            del self._blocked[self._term_ids[Blockers(term.key)]]
            self.release(Blockers(term.key))

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _acquire_atom(self, key: AtomKey) -> int:
        atom = self._atom_ids.get(key)
        if atom is None:
            atom = self._atom_ids[key] = self._new_id()
            self._atom_keys[atom] = key
            lookup = self._lookup_keys(key)
            self._atom_lookup_keys[atom] = lookup
            for lookup_key in lookup:
                if lookup_key not in self._by_key:
                    self._by_key[lookup_key] = set()
                    self._reach(lookup_key)
                self._by_key[lookup_key].add(atom)
            if key[0] == "p":
                self._file_prefix(key[1], atom)
            if key[0] == "w":
                heads = self._atom_heads[atom] = self._lexicon.morphology.heads(key[1])
                self._heads.update(heads)
            self._atoms.clear()
            self._chunks.clear()
        self._atom_refs[atom] += 1
        return atom

    def _release_atom(self, atom: int) -> None:
        self._atom_refs[atom] -= 1
        if self._atom_refs[atom]:
            return
        del self._atom_refs[atom]
        key = self._atom_keys.pop(atom)
        del self._atom_ids[key]
        for lookup_key in self._atom_lookup_keys.pop(atom):
            atoms = self._by_key[lookup_key]
            atoms.discard(atom)
            if not atoms:
                del self._by_key[lookup_key]
                self._unreach(lookup_key)
        if key[0] == "p":
            self._file_prefix(key[1], None)
        for gone in self._atom_heads.pop(atom, ()):
            self._heads[gone] -= 1
            if not self._heads[gone]:
                del self._heads[gone]
        self._atoms.clear()
        self._chunks.clear()

    def _file_prefix(self, prefix: str, atom: int | None) -> None:
        """File ``prefix`` as ``atom``'s, or (None) take it out of its bucket."""
        first = prefix[:_PREFIX_HEAD]
        _, atoms = self._prefixes.get(first, ((), {}))
        if atom is None:
            del atoms[prefix]
        else:
            atoms[prefix] = atom
        if atoms:
            self._prefixes[first] = (tuple(sorted({len(one) for one in atoms})), atoms)
        else:
            del self._prefixes[first]

    def _reach(self, lookup_key: str) -> None:
        """File the dictionary forms of a lemma some rule word now has (see ``_keys``)."""
        if lookup_key.startswith("~"):
            self._reachable[lookup_key.lstrip("~" + STEM_MARK)] += 1
            self._reachable_order = None
        if lookup_key.startswith(_STEM_KEY):
            self._stems.add(lookup_key[len(_STEM_KEY) :])
        elif lookup_key.startswith("~"):
            lemma = lookup_key[1:]
            for form in self._lexicon.morphology.lexeme_forms(lemma):
                self._lemma_forms[form] = (*self._lemma_forms.get(form, ()), lemma)

    def _unreach(self, lookup_key: str) -> None:
        if lookup_key.startswith("~"):
            text = lookup_key.lstrip("~" + STEM_MARK)
            self._reachable[text] -= 1
            if not self._reachable[text]:
                del self._reachable[text]
            self._reachable_order = None
        if lookup_key.startswith(_STEM_KEY):
            self._stems.discard(lookup_key[len(_STEM_KEY) :])
        elif lookup_key.startswith("~"):
            lemma = lookup_key[1:]
            for form in self._lexicon.morphology.lexeme_forms(lemma):
                kept = tuple(other for other in self._lemma_forms[form] if other != lemma)
                if kept:
                    self._lemma_forms[form] = kept
                else:
                    del self._lemma_forms[form]

    def _lookup_keys(self, key: AtomKey) -> tuple[str, ...]:
        kind, text = key
        if kind == "w":
            lemmas = self._lexicon.morphology.lemmas(text)
            return (f"={text}", *(f"~{lemma}" for lemma in sorted(lemmas)))
        return (f"{kind}{text}",)

    # -- matching -------------------------------------------------------------------------

    def _analyze(self, raw: str) -> tuple[tuple[str, frozenset[str]], ...]:
        """Each normalized word of ``raw`` with its lookup keys (surface and lemmas).

        A word whose head no rule word's forms have gets no keys without lemmatizing:
        it can only match surface and prefix atoms, which ``_word_atoms`` checks anyway.
        """
        normalized = normalize_word(raw)
        if not any(head(word) in self._heads for word in normalized):
            return tuple((word, _NO_KEYS) for word in normalized)
        acronym = is_acronym(raw)
        return tuple((word, self._keys(word, acronym=acronym)) for word in normalized)

    def _keys(self, word: str, *, acronym: bool) -> frozenset[str]:
        """The lookup keys of ``word`` that rule words can have.

        A dictionary word's lemmas are the lemmas of the lexemes it is a form of, so
        among the lemmas rule words have, it has those whose forms (filed when a rule
        word brought the lemma, ``_reach``) include it — no analysis needed. A word no
        dictionary has is analyzed (guesses and stems), its guesses only where one could
        be a lemma or stem some rule word has (``Morphology.may_guess``), its stems only
        where some rule word's stem could be one. Only keys that some rule word has
        matter: ``_word_atoms`` looks them up.
        """
        lemmas = self._lemma_forms.get(word)
        if lemmas is not None:
            return frozenset({f"={word}", *(f"~{lemma}" for lemma in lemmas)})
        morphology = self._lexicon.morphology
        cyrillic = has_cyrillic(word)
        if cyrillic and morphology.is_known(word):
            return frozenset({f"={word}"})
        if not cyrillic or acronym:
            found = morphology.lemmas(word, acronym=acronym)
            return frozenset({f"={word}", *(f"~{lemma}" for lemma in found)})
        guess = morphology.may_guess(word, self._reaches)
        unstemmed, to_stem = morphology.lemmas_to_stem(word, guess=guess)
        keys = {f"={word}", *(f"~{lemma}" for lemma in unstemmed)}
        if to_stem and self._stems:
            # A stem is its word cut short: only a word that some rule word's stem starts
            # can have that stem, and the (slow) stemmer runs for those alone.
            stems = self._stems
            for one in to_stem:
                if any(one[:end] in stems for end in range(1, len(one) + 1)):
                    keys.add("~" + morphology.stem(one))
        return frozenset(keys)

    def _reaches(self, beginning: str) -> bool:
        """Whether a lemma or stem some rule word has begins with ``beginning``, or a stem
        is a beginning of it (``Morphology.may_guess``: a guessed lemma is at least as
        long as the beginning it keeps, a stem cut from it may be shorter)."""
        stems = self._stems
        if any(beginning[:end] in stems for end in range(1, len(beginning) + 1)):
            return True
        order = self._reachable_order
        if order is None:
            order = self._reachable_order = sorted(self._reachable)
        # The first string not before ``beginning`` begins with it, if any does.
        at = bisect_left(order, beginning)
        return at < len(order) and order[at].startswith(beginning)

    def _word_atoms(self, word: str, keys: frozenset[str]) -> frozenset[int]:
        by_key, prefixes = self._by_key, self._prefixes
        surface = by_key.get("s" + word)
        # Most words begin as no prefix does: spared the call.
        prefixed = (
            self._prefixed(word)
            if word[:_PREFIX_HEAD] in prefixes or word[:1] in prefixes
            else None
        )
        if not (keys or prefixed):  # most words: at most a place name's surface form
            return frozenset(surface) if surface else _NO_ATOMS
        found: set[int] = set(surface) if surface else set()
        for key in keys:
            atoms = by_key.get(key)
            if atoms:
                found |= atoms
        if prefixed:
            found.update(prefixed)
        return frozenset(found) if found else _NO_ATOMS

    def _prefixed(self, word: str) -> list[int]:
        """Atoms of the prefixes ``word`` starts with."""
        prefixes = self._prefixes
        # Prefixes filed under the word's first two letters, and any of one letter. A
        # length past the word's own looks the word itself up: a prefix equal to it.
        found: list[int] = []
        for bucket in (prefixes.get(word[:_PREFIX_HEAD]), prefixes.get(word[:1])):
            if bucket is not None:
                sizes, atoms = bucket
                found += [atom for size in sizes if (atom := atoms.get(word[:size])) is not None]
        return found

    def _raw_atoms(self, raw: str) -> _Cached:
        """Atoms of the normalized word(s) of ``raw`` (see ``_Cached``), which the word
        cache lacks: computed and cached."""
        if len(self._atoms) >= _CACHE_LIMIT:
            self._atoms.clear()
        normalized = normalize_word(raw)
        atoms: _Cached
        if len(normalized) == 1:  # nearly always: spared the tuples of _analyze
            word = normalized[0]
            keys = (
                self._keys(word, acronym=is_acronym(raw)) if head(word) in self._heads else _NO_KEYS
            )
            atoms = self._atoms[raw] = self._word_atoms(word, keys) or 1
        else:
            found = tuple(self._word_atoms(word, keys) for word, keys in self._analyze(raw))
            atoms = self._atoms[raw] = found
        return atoms

    def occurrences(self, text: str) -> dict[int, list[Span]]:
        """Term id → spans of its occurrences in ``text`` (terms absent from it omitted)."""
        # No word spans a space, so the text is cut at spaces into chunks ("области,"),
        # nearly all of which recur: splitting, looking chunks up and finding offsets run
        # in C (split, map, accumulate); Python only touches the chunks with rule words.
        chunks = text.split(" ")
        values: list[_Chunk | None] = list(map(self._chunks.get, chunks))
        if None in values:
            chunk_of = self._chunk
            for index in list(compress(count(), map(is_, values, repeat(None)))):
                values[index] = chunk_of(chunks[index])
        hot = list(compress(count(), map(is_, map(type, values), repeat(_HotChunk))))
        if not hot:
            return {}
        # A chunk's value has one item per word: these are each chunk's first word's
        # index and first character's offset (chunks are one space apart).
        filled = cast("list[_Chunk]", values)  # every chunk has its value now
        firsts = list(accumulate(map(len, filled), initial=0))
        starts = list(accumulate(map(len, chunks), initial=0))
        positions: dict[int, frozenset[int]] = {}
        spans: dict[int, Span] = {}
        for index in hot:
            word = firsts[index]
            offset = starts[index] + index
            for found in filled[index]:
                if found is not None:
                    start, end, atoms = found
                    positions[word] = atoms
                    spans[word] = (offset + start, offset + end)
                word += 1
        return self._scan(text, positions, spans)

    def _chunk(self, chunk: str) -> _Chunk:
        """The words of a space-free piece of text and the atoms of those in some rule."""
        found: list[_Found | None] = []
        end = 0
        atoms_of, cached = self._raw_atoms, self._atoms
        for raw in raw_words(chunk):
            # No word character lies between two words: a word starts where it is next found.
            start = chunk.find(raw, end)
            end = start + len(raw)
            atoms = cached.get(raw)
            if atoms is None:
                atoms = atoms_of(raw)
            if atoms.__class__ is int:
                found.append(None)
            elif isinstance(atoms, frozenset):
                found.append((start, end, atoms))
            else:  # a raw word that normalizes to several (``½``) or to none
                found += [(start, end, one) if one else None for one in cast("_Words", atoms)]
        value: _Chunk
        if any(found):
            value = _HotChunk(found)
        else:
            value = _COLD[len(found)] if len(found) < len(_COLD) else (None,) * len(found)
        if len(chunk) <= _CHUNK_CACHE_MAX:
            if len(self._chunks) >= _CACHE_LIMIT:
                self._chunks.clear()
            self._chunks[chunk] = value
        return value

    def _scan(
        self, text: str, positions: dict[int, frozenset[int]], spans: dict[int, Span]
    ) -> dict[int, list[Span]]:
        hits: dict[int, list[Span]] = {}
        supported: dict[int, list[Span]] = {}  # occurrences that count only beside others
        entries = self._entries
        empty = _NO_ATOMS
        for index, word_atoms in positions.items():
            entry = entries.get(word_atoms)
            if entry is None:
                entry = self._entry(word_atoms)
            singles, longer = entry
            span = spans[index]
            for term_id in singles:
                found = hits.get(term_id)
                if found is None:
                    hits[term_id] = [span]
                else:
                    found.append(span)
            for tail, term_id, guard in longer:
                # Two-word names, most of the longer ones, are checked without a generator.
                if not (
                    tail[0] in positions.get(index + 1, empty)
                    if len(tail) == 1
                    else self._completes(tail, positions, index)
                ):
                    continue
                whole = (span[0], spans[index + len(tail)][1])
                if guard is None:
                    hits.setdefault(term_id, []).append(whole)
                elif guard.admits(
                    text[whole[0] : whole[1]],
                    _previous(text, whole[0]),
                    text[whole[1] : whole[1] + _FOLLOWING],
                ):
                    (supported if guard.needs_support else hits).setdefault(term_id, []).append(
                        whole
                    )
        self._unblock(hits)
        for term_id, needing in supported.items():
            if term_id in hits:
                hits[term_id] += needing
        return hits

    def _entry(self, word_atoms: frozenset[int]) -> _Entry:
        """What a word with these atoms starts: terms it completes alone, longer patterns."""
        if len(self._entries) >= _CACHE_LIMIT:
            self._entries.clear()
        singles: list[int] = []
        longer: list[_Start] = []
        for atom in word_atoms:
            found_here = self._starts.get(atom)
            if found_here is not None:
                singles += found_here[0]
                longer += found_here[1]
        entry = self._entries[word_atoms] = (tuple(singles), tuple(longer))
        return entry

    @staticmethod
    def _completes(tail: tuple[int, ...], positions: dict[int, frozenset[int]], index: int) -> bool:
        """Whether the words after ``index`` match the rest of a pattern."""
        empty = _NO_ATOMS
        return all(atom in positions.get(index + 1 + k, empty) for k, atom in enumerate(tail))

    def _unblock(self, hits: dict[int, list[Span]]) -> None:
        """Drop region occurrences inside another region's longer name."""
        for blockers_id in self._blocked.keys() & hits.keys():
            blocked = hits.pop(blockers_id)
            region_id = self._blocked[blockers_id]
            if region_id not in hits:
                continue
            kept = [
                (start, end)
                for start, end in hits[region_id]
                if not any(s <= start and end <= e and (s, e) != (start, end) for s, e in blocked)
            ]
            if kept:
                hits[region_id] = kept
            else:
                del hits[region_id]


def _previous(text: str, start: int) -> str | None:
    """The word before ``start``, or None when a form there opens the text or a sentence."""
    # The word before is nearly always within a few dozen characters: look there first,
    # and at the whole text only when the window holds no word begun inside it.
    window = max(start - _PREVIOUS_WINDOW, 0)
    words = raw_words(text, window, start)
    if window and len(words) < 2:  # the first may be cut by the window
        words = raw_words(text, 0, start)
    if not words:
        return None
    word = words[-1]
    gap = text[text.rindex(word, 0, start) + len(word) : start]
    if _SENTENCE_END.intersection(gap) and word.casefold() not in _ABBREVIATIONS:
        return None
    return word
