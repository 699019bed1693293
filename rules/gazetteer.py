"""Regions and the places in them, in Russian, Ukrainian and English.

Contract:

* `Gazetteer.load()` reads the packaged `rules/data/gazetteer.json` (built by
  `tools/build_gazetteer.py` from the hand-written `rules/data/regions.toml` and
  GeoNames); nothing is read at import. Build one and pass it down.
* A region has a key (`kursk`, `kharkiv`, `moscow-oblast`, `kyiv`) — every Ukrainian
  oblast with Crimea, Kyiv and Sevastopol, every Russian federal subject, the
  Belarusian regions. `keys()` lists them sorted.
* `resolve(value)` turns what a person types after `region:` into a key: a key or any
  name of the region (`Курская область`, `Курщина`, `Kursk Oblast`, `Курск`) in any
  form (`курской области`) and its adjective alone (`курская`, `Курська`), in any
  case, `ё` = `е`, `-`/`_`/space alike; a form two regions share resolves to neither.
  `suggest(value)` is the closest key for a typo, `closest(value)` the few closest keys
  (never empty) to list when nothing is close.
* `forms(key)` are the surface strings that name the region or a place in it, in every
  inflected form (`курской области`, `суджи`, `харкові`, `kursk oblast`), casefolded
  with `ё` → `е`, possibly several words. They match unconditionally.
* `guarded_forms(key)` are the forms that are also ordinary words, first names or
  surnames (`орла`, `шахты`, `чехов`, `днепре`): each comes with a `Guard`, and the
  matcher counts it only when `Guard.admits(surface, previous, following)` holds. A
  region's adjective alone (`курской`, `сумською`) is guarded so that it counts only
  in a list of regions sharing one noun (`Курской и Брянской областями`). A place
  name several regions share (`Алексеевка`, `Железногорск`) has a guard that
  `needs_support`: it counts for a region only in a post that also names that region
  through a form without such a guard (`Алексеевка Белгородской области`), so a place
  named with another region never counts for the wrong one. A form is in
  `forms` or in `guarded_forms` of a region, never both.
* Unknown keys raise `KeyError`: `resolve` first.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Gazetteer", "Guard", "Region"]

_DATA_PACKAGE = "rules.data"
_DATA_FILE = "gazetteer.json"
_FORMAT = 1
_LANGS = ("en", "ru", "uk")
_SEPARATORS = re.compile(r"[\s_\-–—]+")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'"})


def lookup_key(value: str) -> str:
    """The comparison form of a key or name: `Kursk_Oblast` == `kursk oblast`."""
    text = value.strip().strip("\"'«»").casefold().replace("ё", "е").translate(_APOSTROPHES)
    return _SEPARATORS.sub(" ", text.replace(".", " ")).strip()


# The next item of a list (", Белгородской", " и Брянской", ", та Харківській") and the
# noun that ends it (" областями").
_LIST_ITEM_RE = re.compile(r"(?:\s*,\s*(?:(?:и|та|і|й|and)\s+)?|\s+(?:и|та|і|й|and)\s+)(\w[\w'’]*)")
_LIST_NOUN_RE = re.compile(r"\s+(\w+)")
_MAX_LIST_ITEMS = 10


@dataclass(frozen=True, slots=True)
class Guard:
    """When an ambiguous form counts as the place.

    `surface` is the form as written in the post; `previous` is the word before it,
    or None when the form opens the text or a sentence; `following` is the text after
    it (callers may cut it short: a list is read at most `_MAX_LIST_ITEMS` items on).
    A guard with `ends_list` admits a form only when it opens or continues a list of
    capitalized words ("Курской, Белгородской и Брянской") that one of those nouns
    ends ("областями"): the nouns are written without "ё", casefolded.
    """

    name: str
    capitalized: bool
    mid_sentence: bool
    after: frozenset[str]
    ends_list: frozenset[str] = frozenset()
    # Counts only when the post names the region through an unguarded form as well.
    needs_support: bool = False

    def admits(self, surface: str, previous: str | None, following: str = "") -> bool:
        # Every word must be capitalized: "Правий Берег" is a place, "правий берег" not.
        if self.capitalized and not all(w[:1].isupper() for w in surface.split()):
            return False
        if self.mid_sentence and previous is None:
            return False
        if self.after and (previous is None or lookup_key(previous) not in self.after):
            return False
        return not self.ends_list or self._ends_list(following)

    def _ends_list(self, following: str) -> bool:
        at = 0
        for _ in range(_MAX_LIST_ITEMS + 1):
            noun = _LIST_NOUN_RE.match(following, at)
            if noun and lookup_key(noun.group(1)) in self.ends_list:
                return True
            item = _LIST_ITEM_RE.match(following, at)
            if item is None or not item.group(1)[:1].isupper():
                return False
            at = item.end()
        return False


@dataclass(frozen=True, slots=True)
class Region:
    key: str
    country: str
    kind: str
    display: Mapping[str, str]
    names: tuple[str, ...]
    name_forms: frozenset[str]
    places: tuple[str, ...]
    forms: frozenset[str]
    guarded: Mapping[str, Guard]


class Gazetteer:
    """The loaded gazetteer; immutable after `load()`."""

    def __init__(self, regions: Mapping[str, Region]) -> None:
        self._regions = dict(regions)
        self._keys = tuple(sorted(self._regions))
        self._by_name: dict[str, str] = {}
        self._by_form: dict[str, tuple[str, ...]] = {}
        said: dict[str, set[str]] = {}
        for region in self._regions.values():
            for name in (region.key, *region.names):
                self._by_name.setdefault(lookup_key(name), region.key)
            for form in region.name_forms:
                said.setdefault(lookup_key(form), set()).add(region.key)
            for form in (*region.forms, *region.guarded):
                self._by_form[form] = (*self._by_form.get(form, ()), region.key)
        self._by_name_form = {
            form: next(iter(keys))
            for form, keys in said.items()
            if len(keys) == 1 and form not in self._by_name
        }

    @classmethod
    def load(cls) -> Self:
        """Read the packaged data. A few hundred milliseconds: call once."""
        text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
        return cls.from_json(json.loads(text))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        if data.get("format") != _FORMAT:
            raise ValueError(f"gazetteer data format {data.get('format')!r}, want {_FORMAT}")
        guards = {
            name: Guard(
                name=name,
                capitalized=bool(spec["capitalized"]),
                mid_sentence=bool(spec["mid_sentence"]),
                after=frozenset(lookup_key(w) for w in spec["after"]),
                ends_list=frozenset(lookup_key(w) for w in spec.get("ends_list", ())),
                needs_support=bool(spec.get("needs_support", False)),
            )
            for name, spec in data["guards"].items()
        }
        regions = {}
        for key, spec in data["regions"].items():
            guarded = {form: guards[g] for g, forms in spec["guarded"].items() for form in forms}
            regions[key] = Region(
                key=key,
                country=spec["country"],
                kind=spec["kind"],
                display=MappingProxyType(dict(spec["display"])),
                names=tuple(spec["names"]),
                name_forms=frozenset(spec.get("name_forms", ())),
                places=tuple(spec["places"]),
                forms=frozenset(spec["forms"]),
                guarded=MappingProxyType(guarded),
            )
        return cls(regions)

    def keys(self) -> tuple[str, ...]:
        return self._keys

    def region(self, key: str) -> Region:
        return self._regions[key]

    def resolve(self, value: str) -> str | None:
        """The key for a key, a region name in any form or its adjective, or None."""
        wanted = lookup_key(value)
        return self._by_name.get(wanted) or self._by_name_form.get(wanted)

    def suggest(self, value: str) -> str | None:
        """The key closest to a mistyped value ("kursq" → "kursk"), or None."""
        wanted = lookup_key(value)
        if not wanted:
            return None
        close = difflib.get_close_matches(wanted, list(self._by_name), n=1, cutoff=0.6)
        return self._by_name[close[0]] if close else None

    def closest(self, value: str, count: int = 3) -> tuple[str, ...]:
        """The `count` keys whose key or name is most like `value`, best first."""
        wanted = lookup_key(value)
        matcher = difflib.SequenceMatcher(b=wanted)
        best: dict[str, float] = {}
        for name, key in self._by_name.items():
            matcher.set_seq1(name)
            # quick_ratio bounds ratio from above: skip the exact ratio when it cannot win.
            if matcher.quick_ratio() > best.get(key, -1.0):
                best[key] = max(best.get(key, -1.0), matcher.ratio())
        return tuple(sorted(best, key=lambda key: (-best[key], key))[:count])

    def names(self, key: str) -> tuple[str, ...]:
        """The region's nominative names in every language, as written."""
        return self._regions[key].names

    def forms(self, key: str) -> frozenset[str]:
        """Forms that name the region or a place in it, matched unconditionally."""
        return self._regions[key].forms

    def guarded_forms(self, key: str) -> Mapping[str, Guard]:
        """Forms that are also other words, each with the guard that must admit it."""
        return self._regions[key].guarded

    def display_name(self, key: str, lang: str) -> str:
        """The region's name in "en", "ru" or "uk"; English for other languages."""
        display = self._regions[key].display
        return display.get(lang) or display["en"]

    def region_of(self, form: str) -> tuple[str, ...]:
        """Keys of the regions one of whose forms (guarded or not) is `form`."""
        return self._by_form.get(lookup_key(form), ())
