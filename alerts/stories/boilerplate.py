"""What sources add to every post, and how it is taken off before posts are compared.

Contract of ``strip_boilerplate(text)``: the words that carry the news, in their order,
without what a source wraps around every post: emoji, urgency prefixes ("Срочно:",
"⚡️", "BREAKING:", "ТЕРМІНОВО"), calls to subscribe, "send us news" lines, source and
photo credits, signatures, hashtags, @mentions and links. Lines stay lines; runs of
spaces become one. It never raises and is idempotent.

The rules are data (`RULES`), applied in this order, because each step leaves text
the next one expects:

1. ``char``: characters removed wherever they are (emoji and pictographs), so that
   "⚡️Срочно" starts with a word and "👉 Подписаться" is a plain line.
2. ``inline``: spans removed wherever they are (links, hashtags, @mentions); a line
   left without a letter or digit goes with them.
3. ``line``: a whole line dropped when the pattern is found in it and the line is
   short (`SHORT_LINE` characters): a sentence that merely mentions subscribing
   stays, a "Подписаться | Прислать новость" footer goes.
4. ``last``: the last line dropped while it matches (a signature), unless it is the
   only line left.
5. ``prefix``: markers at the very start of the text, removed repeatedly
   ("⚡️СРОЧНО МОЛНИЯ: ..." loses both).

Patterns are case-insensitive, but for ``char`` ones: characters are matched as
written. ``credited_urls(text)`` returns the links found on
credit lines ("Источник: …", "Джерело: …", "Source: …", "Подробнее: …"): a repost that
names its original this way is treated like a forward of it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Literal

Scope = Literal["char", "line", "last", "inline", "prefix"]

SHORT_LINE = 80
"""A ``line`` rule drops only lines up to this many characters."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of boilerplate: where it is looked for and why it is noise."""

    name: str
    scope: Scope
    pattern: str
    why: str
    mark: str = ""
    """For an ``inline`` rule: a character every match holds, so that a text without
    it is not searched for the rule; "" for links, which hold a "/" or a "www."."""


_URL = r"(?:https?://|www\.|t\.me/)[^\s<>«»\"]+"
_CREDIT = (
    r"^\W*(?:источник|джерело|source|via|подробнее|подробности|детальніше|read more"
    r"|читать далее|читайте|читати далі)\b"
)
_MARKER = (
    r"(?:срочно|молния|важно|внимание|оперативно|уточнение|обновлено|дополнено|терміново"
    r"|увага|важливо|оновлено|breaking(?: news)?|urgent|just in|update|upd|flash)\b"
)

RULES: tuple[Rule, ...] = (
    Rule(
        "emoji",
        "char",
        "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u2190-\u21ff"
        "\u25a0-\u25ff\u203c\u2049\u2122\u2139\u24c2\u3030\u303d\ufe0f\u200d\u20e3"
        "\U000e0020-\U000e007f]",
        "pictographs decorate, they do not report; channels add different ones",
    ),
    Rule(
        "subscribe",
        "line",
        r"подпис(?:аться|ывайтесь|ывайся|ка\b)|подпиш(?:ись|итесь)"
        r"|підпис(?:атися|уйтесь|уйся|ка\b)|підпиш(?:ись|іться)|subscribe|follow us",
        "calls to subscribe close every post of some channels",
    ),
    Rule(
        "send_news",
        "line",
        r"прислать новость|предложить новость|прислать фото|надіслати новину"
        r"|запропонувати новину|наш (?:чат|канал|бот)|бот для связи|send us|наш сайт"
        r"|мы в (?:vk|max|дзен|вк)|ми в (?:facebook|instagram)",
        "footers inviting readers to write, chat or follow elsewhere",
    ),
    Rule(
        "credit",
        "line",
        _CREDIT + r"|^\W*(?:фото|видео|відео|photo|video)\s*[:—-]",
        "source and media credits name who, not what",
    ),
    Rule(
        "signature",
        "last",
        r"^\s*(?:[—–-]|©|\(c\))\s*\S.{0,40}$",
        "a closing '— Agency' or '© Channel' line signs every post of a source",
    ),
    Rule("link", "inline", _URL, "links are compared as URLs, not as text"),
    Rule("hashtag", "inline", r"#[\w_]+", "tags are a source's filing, not the report", "#"),
    Rule("mention", "inline", r"@[a-z0-9_]{4,32}", "mentions credit channels", "@"),
    Rule(
        "urgency",
        "prefix",
        rf"\A[\s\W]*{_MARKER}(?:\s*(?:[:!.|—–-]+|\n|$)|\s+(?={_MARKER}))",
        "urgency markers differ from channel to channel for the same news",
    ),
)


@dataclass(frozen=True, slots=True)
class _Compiled:
    char: re.Pattern[str]
    blanks: re.Pattern[str]
    """Runs of ``char`` matches and spaces (`_SPACE`) but a lone " ": each becomes one
    space, as the ``char`` rules and then `_SPACES` make it (one pass for both)."""
    line: re.Pattern[str]
    last: re.Pattern[str]
    inline: dict[tuple[bool, ...], re.Pattern[str]]
    """The union of the ``inline`` rules a text may hold (`_inline_marks`), by which."""
    inline_marks: tuple[str, ...]
    prefix: re.Pattern[str]
    credit: re.Pattern[str]
    url: re.Pattern[str]


_SPACE = r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]"
# Runs of spaces other than a lone " ": those are left as they are, which spares
# cutting and joining the text at every word. Opening with a space of any kind lets the
# search skip to the next one in C.
_SPACES = re.compile(rf"{_SPACE}(?:{_SPACE}+|(?<! ))")


def _compile(rules: tuple[Rule, ...]) -> _Compiled:
    def union(scope: Scope, flags: re.RegexFlag = re.IGNORECASE) -> re.Pattern[str]:
        return joined([rule for rule in rules if rule.scope == scope], flags)

    def joined(chosen: list[Rule], flags: re.RegexFlag = re.IGNORECASE) -> re.Pattern[str]:
        parts = [f"(?:{rule.pattern})" for rule in chosen]
        return re.compile("|".join(parts) or r"(?!)", flags | re.MULTILINE)

    inline = [rule for rule in rules if rule.scope == "inline"]
    # A rule a text cannot hold matches nowhere in it, so leaving it out of the union
    # changes nothing; without links, the union opens with its marks alone, and the
    # search skips to them in C.
    held = itertools.product((False, True), repeat=len(inline))
    by_held = {
        which: joined([rule for rule, holds in zip(inline, which, strict=True) if holds])
        for which in held
    }

    # Pictographs have no case; ignoring it would fold every character of every text
    # before comparing it (twice the cost of the scan).
    char = union("char", re.NOFLAG)
    blank = f"(?:{char.pattern}|{_SPACE})"
    return _Compiled(
        char=char,
        blanks=re.compile(rf"{blank}(?:{blank}+|(?<! ))"),
        line=union("line"),
        last=union("last"),
        inline=by_held,
        inline_marks=tuple(rule.mark for rule in inline),
        prefix=union("prefix"),
        credit=re.compile(_CREDIT, re.IGNORECASE),
        url=re.compile(_URL, re.IGNORECASE),
    )


# Compiling is pure; doing it once here keeps the per-post cost to matching only.
_COMPILED = _compile(RULES)
# What every ``inline`` span holds (a link "://", "www." or "t.me/"; "#"; "@"): a text
# without any, most posts, is not searched for them.
_WWW = re.compile(r"www\.", re.IGNORECASE)
# A letter or digit: `str.isalnum` is what the pattern's word characters are, but "_".
_ALNUM = re.compile(r"[^\W_]")


def strip_boilerplate(text: str) -> str:
    """The news-bearing text of a post; see the module docstring."""
    compiled = _COMPILED
    # Removing characters makes no mark and takes none (each becomes a space), so the
    # raw text tells which inline rules to run; without any, most texts, one pass
    # removes the characters and evens out the spaces.
    held = _inline_marks(text, compiled.inline_marks)
    if any(held):
        text = compiled.char.sub(" ", text)
        text = _SPACES.sub(" ", compiled.inline[held].sub(" ", text))
    else:
        text = compiled.blanks.sub(" ", text)
    # No run of `_SPACES` holds a line break, so one pass over the text does every line.
    lines = [
        line
        for line in (line.strip() for line in text.splitlines())
        if _has_words(line) and not (len(line) <= SHORT_LINE and compiled.line.search(line))
    ]
    # A lone line is the post itself, never its signature.
    while len(lines) > 1 and compiled.last.search(lines[-1]):
        lines.pop()
    text = "\n".join(lines)
    unmarked = text
    while (stripped := compiled.prefix.sub("", unmarked, count=1).lstrip()) != unmarked:
        unmarked = stripped
    if unmarked == text:
        return text  # every line has words already
    return "\n".join(line for line in unmarked.splitlines() if _has_words(line))


def _inline_marks(text: str, marks: tuple[str, ...]) -> tuple[bool, ...]:
    """Which ``inline`` rules ``text`` may hold, by their `Rule.mark`."""
    return tuple([mark in text if mark else _may_link(text) for mark in marks])


def _may_link(text: str) -> bool:
    # Every link holds a "/" or a "www." in some case. Substring scans cost a tenth of a
    # pattern's; "www." is searched only where a "w." (in either case) is found.
    return "/" in text or (("w." in text or "W." in text) and _WWW.search(text) is not None)


def _has_words(line: str) -> bool:
    return _ALNUM.search(line) is not None


def has_links(text: str) -> bool:
    """Whether ``text`` holds a link at all: without one, `credited_urls` and
    `linked_urls` find nothing, and most posts have none."""
    return _may_link(text) and _COMPILED.url.search(text) is not None


def credited_urls(text: str) -> tuple[str, ...]:
    """Links on the credit lines of ``text`` ("Источник: https://…"), in order."""
    found: list[str] = []
    for line in text.splitlines():
        if _COMPILED.credit.search(line):
            found.extend(match.rstrip(".,;:!?)»") for match in _COMPILED.url.findall(line))
    return tuple(found)


def linked_urls(text: str) -> tuple[str, ...]:
    """Distinct links anywhere in ``text``, in order of first appearance."""
    found = (match.rstrip(".,;:!?)»") for match in _COMPILED.url.findall(text))
    return tuple(dict.fromkeys(found))
