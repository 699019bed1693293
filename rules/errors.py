"""The one error the rule language raises.

Contract: parsing a rule raises only ``RuleSyntaxError`` (a ``ValueError``), whose
message says what is wrong, where, and what to write instead. ``position`` is the 0-based
index into the rule text; the message counts characters from 1, as a person would.
"""

from __future__ import annotations


class RuleSyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __reduce__(self) -> tuple[type[RuleSyntaxError], tuple[str, int]]:
        # Keeps the exception picklable with its position (ValueError pickles args only).
        return (type(self), (self.message, self.position))
