"""The one error the rule language raises, as a message key and its arguments.

Contract: parsing a rule raises only ``RuleSyntaxError`` (a ``ValueError``). It carries
``key`` (one of ``MESSAGES``), ``arguments`` (the values its message names: ``at`` is
the 1-based character a person would count, other values are parts of the rule or
limits) and ``position``, the 0-based index into the rule text. ``str(error)`` is the
English message, for the command line; the bot translates ``MESSAGES[key]`` and fills
in the arguments, so no sentence is built here for a chat to read.

``MESSAGES`` holds gettext msgids: ``N_`` marks them for extraction into the bot's
catalogs (see ``bot.i18n``), and a translation keeps every ``%(name)s`` placeholder.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping


def N_(message: str) -> str:  # noqa: N802 — gettext's name for a marker, known to extractors
    """Mark a message for extraction; it is translated where it is shown."""
    return message


MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "empty_rule": N_("empty rule — write a word to look for, e.g. дрон"),
        "too_long": N_("the rule is too long: %(length)d characters, at most %(limit)d"),
        "too_many_terms": N_(
            "too many terms: at most %(limit)d, the one at %(at)d is one too many — "
            "split the rule in two"
        ),
        "too_deep": N_("too many nested parentheses at %(at)d (at most %(limit)d)"),
        "only_exclusions": N_(
            "a rule of only exclusions would match almost every post — add something to "
            "look for, e.g. дрон -учения (excluded here: %(excluded)s)"
        ),
        "needs_operand_after": N_("%(operator)s at %(at)d needs something after it"),
        "needs_operand_before": N_("%(operator)s at %(at)d needs something before it"),
        "unmatched_close": N_("')' at %(at)d has no matching '(' — remove it"),
        "empty_close": N_("')' at %(at)d has nothing inside or no matching '('"),
        "ends_early": N_("the rule ends too early at %(at)d — a term or ')' is missing"),
        "empty_group": N_("empty parentheses at %(at)d — put terms inside or remove them"),
        "unclosed_group": N_("unclosed '(' at %(at)d — add ')'"),
        "unclosed_quote": N_('unclosed quote at %(at)d — close the phrase with another "'),
        "empty_quotes": N_(
            'empty quotes at %(at)d — put words between them, e.g. "мост через Сейм"'
        ),
        "field_without_value": N_(
            "%(field)s: needs a value right after the colon, e.g. %(example)s"
        ),
        "unknown_field": N_("unknown field '%(name)s:' at %(at)d — did you mean '%(field)s:'?"),
        "dash_without_term": N_(
            "'%(sign)s' at %(at)d needs a term right after it, without a space: "
            "-учения excludes posts with учения"
        ),
        "star_inside_word": N_("'*' at %(at)d can only end a word, as in дрон*"),
        "no_letters": N_("'%(piece)s' at %(at)d has no letters or digits to look for"),
        "prefix_too_short": N_(
            "prefix '%(prefix)s*' at %(at)d is too short — write at least %(limit)d letters "
            "before '*'"
        ),
        "bad_source": N_(
            "source '%(value)s' at %(at)d is neither a channel nor a feed address — "
            "write source:@channel or source:example.com"
        ),
        "unknown_region": N_(
            "unknown region '%(value)s' at %(at)d — the closest keys are %(closest)s"
            " (/regions or lookout regions lists them with their names)"
        ),
        "unknown_region_close": N_(
            "unknown region '%(value)s' at %(at)d — did you mean '%(suggestion)s'?"
        ),
        "unknown_topic": N_("unknown topic '%(value)s' at %(at)d — known topics: %(known)s"),
        "unknown_topic_close": N_(
            "unknown topic '%(value)s' at %(at)d — did you mean '%(suggestion)s'?"
        ),
    }
)

Argument = str | int


class RuleSyntaxError(ValueError):
    def __init__(self, key: str, position: int, **arguments: Argument) -> None:
        self.key = key
        self.position = position
        self.arguments: dict[str, Argument] = arguments
        super().__init__(MESSAGES[key] % arguments)

    @property
    def message(self) -> str:
        """The English message, as the command line prints it."""
        return str(self)

    def __reduce__(self) -> tuple[object, ...]:
        # Keeps the exception picklable with its key and arguments (ValueError pickles args).
        return (_rebuild, (self.key, self.position, self.arguments))


def _rebuild(key: str, position: int, arguments: dict[str, Argument]) -> RuleSyntaxError:
    return RuleSyntaxError(key, position, **arguments)
