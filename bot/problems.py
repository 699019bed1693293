"""Problems reported from below the bot, worded in the chat's language.

`rules`, `alerts` and `monitors` report what went wrong as a key and its arguments,
never as a sentence for a chat (`rules.errors`, `alerts.chats.preferences`,
`alerts.ingest.failures`); this module turns each into the chat's words. Values that came
from the user (a piece of a rule, a zone name) are passed through unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import N_
from bot.wording import clip
from rules.errors import MESSAGES as RULE_MESSAGES

if TYPE_CHECKING:
    from alerts.chats.preferences import BadPreference
    from alerts.ingest.failures import Failure
    from bot.i18n import Words
    from rules.errors import RuleSyntaxError

# How much of what a person typed is echoed back in an explanation.
ECHO = 80
PREFERENCE_MESSAGES = {
    "quiet_format": N_("write quiet hours as HH:MM-HH:MM, for example 23:00-07:00, or off"),
    "quiet_range": N_("hours run 00–23 and minutes 00–59"),
    "quiet_same": N_("the start and the end of quiet hours are the same"),
}
FAILURE_MESSAGES = {
    "timeout": N_("the source did not answer in time"),
    "refused": N_("this address may not be fetched (a private network or an unknown scheme)"),
    "http_status": N_("the server answered with error %(status)d"),
    "too_large": N_("the page is larger than we read"),
    "unavailable": N_("the source cannot be reached, or it has no public page"),
    "throttled": N_("the source asked us to slow down"),
    "not_a_feed": N_("the page is neither a feed nor a public channel"),
    "bad_address": N_("%(address)s is neither a feed address nor a @channel"),
    "internal": N_("an error of ours while storing its posts"),
}


def rule_problem(error: RuleSyntaxError, words: Words) -> str:
    return words.gettext(RULE_MESSAGES[error.key]) % error.arguments


def preference_problem(error: BadPreference, words: Words) -> str:
    return words.gettext(PREFERENCE_MESSAGES[error.key]) % error.arguments


def failure_text(failure: Failure | None, words: Words) -> str:
    """Why a source failed; rows from before failures had keys say only that it failed."""
    if failure is None or failure.key not in FAILURE_MESSAGES:
        return words.gettext("the source failed")
    arguments = {
        name: clip(value, ECHO) if isinstance(value, str) else value
        for name, value in failure.arguments.items()
    }
    return words.gettext(FAILURE_MESSAGES[failure.key]) % arguments
