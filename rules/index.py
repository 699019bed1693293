"""The shared index of every term of every active rule, and where terms occur in a post.

Contract: a term (``rules.rule.Term``, except ``Source``) is compiled into *patterns*:
sequences of single-word *atoms*, all of which must match adjacent words of the post.
Atoms are ``("w", word)`` — the word in any form: the post word's surface or one of its
lemmas equals the rule word's surface or lemma —, ``("p", prefix)`` — the post word
starts with it — and ``("s", surface)`` — exactly that normalized word, used for the
gazetteer's generated forms (``Курской``, ``Харкові``), which must not go through lemmas.

Terms and atoms are shared between rules and reference-counted, so ``add``/``remove`` of
one term costs its own patterns only. ``occurrences(text)`` tokenizes a post once and
returns, for every term present, the character spans (in the original text) of its
occurrences: the cost grows with the post and the terms it contains, not with the number
of terms indexed. Two caches make repeated words cheap: raw word → normalized words and
their lemma keys (kept), and raw word → matching atoms (cleared when the atoms change).
"""

# Cyrillic text is this module's subject matter: its letters are meant, not look-alikes.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rules.patterns import AtomKey, Blockers, PatternCompiler
from rules.rule import Region, Term
from rules.text import WORD_RE, is_acronym, normalize_word

if TYPE_CHECKING:
    from rules.lexicon import GuardLike, Lexicon

Span = tuple[int, int]
_Start = tuple[tuple[int, ...], int, "GuardLike | None"]
_CACHE_LIMIT = 200_000
_NO_ATOMS: frozenset[int] = frozenset()
_SENTENCE_END = frozenset(".!?…\n")
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
        self._by_key: dict[str, set[int]] = {}
        self._prefix_lengths: Counter[int] = Counter()
        self._starts: dict[int, list[_Start]] = {}
        self._words: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {}
        self._atoms: dict[str, tuple[frozenset[int], ...]] = {}
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
                self._starts.setdefault(atoms[0], []).append((atoms[1:], term_id, pattern.guard))
            self._term_patterns[term_id] = starts
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
        for atoms, _, guard in self._term_patterns.pop(term_id):
            starts = self._starts[atoms[0]]
            starts.remove((atoms[1:], term_id, guard))
            if not starts:
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
                self._by_key.setdefault(lookup_key, set()).add(atom)
            if key[0] == "p":
                self._prefix_lengths[len(key[1])] += 1
            self._atoms.clear()
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
        if key[0] == "p":
            self._prefix_lengths[len(key[1])] -= 1
            if not self._prefix_lengths[len(key[1])]:
                del self._prefix_lengths[len(key[1])]
        self._atoms.clear()

    def _lookup_keys(self, key: AtomKey) -> tuple[str, ...]:
        kind, text = key
        if kind == "w":
            lemmas = self._lexicon.morphology.lemmas(text)
            return (f"={text}", *(f"~{lemma}" for lemma in sorted(lemmas)))
        return (f"{kind}{text}",)

    # -- matching -------------------------------------------------------------------------

    def _analyze(self, raw: str) -> tuple[tuple[str, frozenset[str]], ...]:
        analysis = self._words.get(raw)
        if analysis is None:
            if len(self._words) >= _CACHE_LIMIT:
                self._words.clear()
            acronym = is_acronym(raw)
            lemmas = self._lexicon.morphology.lemmas
            analysis = self._words[raw] = tuple(
                (word, frozenset({f"={word}", *(f"~{x}" for x in lemmas(word, acronym=acronym))}))
                for word in normalize_word(raw)
            )
        return analysis

    def _word_atoms(self, word: str, keys: frozenset[str]) -> frozenset[int]:
        found: set[int] = set()
        by_key = self._by_key
        for key in keys:
            found.update(by_key.get(key, ()))
        found.update(by_key.get(f"s{word}", ()))
        for length in self._prefix_lengths:
            if length <= len(word):
                found.update(by_key.get(f"p{word[:length]}", ()))
        return frozenset(found) if found else _NO_ATOMS

    def _raw_atoms(self, raw: str) -> tuple[frozenset[int], ...]:
        atoms = self._atoms.get(raw)
        if atoms is None:
            if len(self._atoms) >= _CACHE_LIMIT:
                self._atoms.clear()
            atoms = self._atoms[raw] = tuple(
                self._word_atoms(word, keys) for word, keys in self._analyze(raw)
            )
        return atoms

    def occurrences(self, text: str) -> dict[int, list[Span]]:
        """Term id → spans of its occurrences in ``text`` (terms absent from it omitted)."""
        positions: list[frozenset[int]] = []
        spans: list[Span] = []
        raw_atoms = self._atoms.get
        for found in WORD_RE.finditer(text):
            atoms = raw_atoms(found.group())
            if atoms is None:
                atoms = self._raw_atoms(found.group())
            for word_atoms in atoms:
                positions.append(word_atoms)
                spans.append(found.span())
        hits: dict[int, list[Span]] = {}
        starts = self._starts
        for index, word_atoms in enumerate(positions):
            for atom in word_atoms:
                for tail, term_id, guard in starts.get(atom, ()):
                    last = index + len(tail)
                    if tail and (
                        last >= len(positions)
                        or any(a not in positions[index + 1 + k] for k, a in enumerate(tail))
                    ):
                        continue
                    span = (spans[index][0], spans[last][1])
                    if guard is None or guard.admits(
                        text[span[0] : span[1]], _previous(text, spans, index)
                    ):
                        hits.setdefault(term_id, []).append(span)
        self._unblock(hits)
        return hits

    def _unblock(self, hits: dict[int, list[Span]]) -> None:
        """Drop region occurrences inside another region's longer name."""
        for blockers_id, region_id in self._blocked.items():
            blocked = hits.pop(blockers_id, None)
            if blocked is None or region_id not in hits:
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


def _previous(text: str, spans: list[Span], index: int) -> str | None:
    """The word before word ``index``, or None when it opens the text or a sentence."""
    if index == 0:
        return None
    start, end = spans[index - 1]
    word = text[start:end]
    if (
        _SENTENCE_END.intersection(text[end : spans[index][0]])
        and word.casefold() not in _ABBREVIATIONS
    ):
        return None
    return word
