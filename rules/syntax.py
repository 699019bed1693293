"""Parses the rule language (DESIGN.md, "The rule language") into a ``Rule``.

Contract: ``parse_rule(text, lexicon)`` returns a ``Rule`` or raises ``RuleSyntaxError``
(never anything else) whose message names the problem, its place and a fix. Grammar,
tightest first — NOT, then OR, then AND, so ``дрон OR БПЛА Курск`` is
``(дрон OR БПЛА) AND Курск``::

    rule    = and_expr END
    and_expr = or_expr { [AND] or_expr }
    or_expr  = unary { OR unary }
    unary    = { NOT } primary
    primary  = "(" and_expr ")" | term

Limits: at most 500 characters, 50 terms and 10 levels of parentheses. A rule that would
match a post containing none of its terms (``-учения``, ``a OR -b``) is refused: it would
alert on nearly every post. Region and topic values are resolved to keys through the
lexicon (``region:Курщина``, ``region:курская`` become ``region:kursk``; an unknown
region names the closest keys); words are normalized by
``rules.text``; lemmas are left to the matcher.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rules.errors import RuleSyntaxError
from rules.lexer import Lexeme, lex
from rules.rule import And, Node, Not, Or, Region, Rule, Source, Topic, evaluate, iter_terms
from rules.source import source_key
from rules.words import parse_words

if TYPE_CHECKING:
    from rules.lexicon import Lexicon

__all__ = ["MAX_LENGTH", "MAX_TERMS", "Rule", "RuleSyntaxError", "parse_rule"]

MAX_LENGTH = 500
MAX_TERMS = 50
MAX_DEPTH = 10
_STARTS_PRIMARY = frozenset({"(", "WORD", "QUOTED", "FIELD", "NOT"})


class _Parser:
    def __init__(self, text: str, lexicon: Lexicon) -> None:
        self._text = text
        self._lexicon = lexicon
        self._lexemes = lex(text)
        self._at = 0
        self._depth = 0
        self._terms = 0

    def _peek(self) -> Lexeme:
        return self._lexemes[self._at]

    def _next(self) -> Lexeme:
        lexeme = self._lexemes[self._at]
        self._at += 1
        return lexeme

    def _operand_after(self, operator: Lexeme, name: str) -> None:
        if self._peek().kind not in _STARTS_PRIMARY:
            raise RuleSyntaxError(
                f"{name} at {operator.position + 1} needs something after it", operator.position
            )

    def rule(self) -> Node:
        if self._peek().kind == "END":
            raise RuleSyntaxError("empty rule — write a word to look for, e.g. дрон", 0)
        node = self._and()
        end = self._peek()
        if end.kind == ")":
            raise RuleSyntaxError(
                f"')' at {end.position + 1} has no matching '(' — remove it", end.position
            )
        return node

    def _and(self) -> Node:
        operands = [self._or()]
        while self._peek().kind not in ("END", ")"):
            if self._peek().kind == "AND":
                self._operand_after(self._next(), "AND")
            operands.append(self._or())
        return _flat(And, operands)

    def _or(self) -> Node:
        operands = [self._unary()]
        while self._peek().kind == "OR":
            self._operand_after(self._next(), "OR")
            operands.append(self._unary())
        return _flat(Or, operands)

    def _unary(self) -> Node:
        negations = 0
        while self._peek().kind == "NOT":
            self._operand_after(self._next(), "NOT")
            negations += 1
        node = self._primary()
        if negations % 2:
            # Double negation cancels, so "-(-a)" and "a" are one tree with one canonical form.
            node = node.operand if isinstance(node, Not) else Not(node)
        return node

    def _primary(self) -> Node:
        lexeme = self._next()
        if lexeme.kind == "(":
            return self._group(lexeme)
        if lexeme.kind in ("WORD", "QUOTED", "FIELD"):
            self._terms += 1
            if self._terms > MAX_TERMS:
                raise RuleSyntaxError(
                    f"too many terms: at most {MAX_TERMS}, the one at {lexeme.position + 1} "
                    "is one too many — split the rule in two",
                    lexeme.position,
                )
            return self._term(lexeme)
        if lexeme.kind in ("OR", "AND"):
            raise RuleSyntaxError(
                f"{lexeme.kind} at {lexeme.position + 1} needs something before it",
                lexeme.position,
            )
        if lexeme.kind == ")":
            raise RuleSyntaxError(
                f"')' at {lexeme.position + 1} has nothing inside or no matching '('",
                lexeme.position,
            )
        raise RuleSyntaxError(
            f"the rule ends too early at {lexeme.position + 1} — a term or ')' is missing",
            lexeme.position,
        )

    def _group(self, opening: Lexeme) -> Node:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise RuleSyntaxError(
                f"too many nested parentheses at {opening.position + 1} (at most {MAX_DEPTH})",
                opening.position,
            )
        if self._peek().kind == ")":
            raise RuleSyntaxError(
                f"empty parentheses at {opening.position + 1} — put terms inside or remove them",
                opening.position,
            )
        node = self._and()
        if self._next().kind != ")":
            raise RuleSyntaxError(
                f"unclosed '(' at {opening.position + 1} — add ')'", opening.position
            )
        self._depth -= 1
        return node

    def _term(self, lexeme: Lexeme) -> Node:
        if lexeme.kind != "FIELD":
            return parse_words(lexeme.text, lexeme.position + (lexeme.kind == "QUOTED"))
        if lexeme.field == "region":
            return Region(self._region(lexeme))
        if lexeme.field == "topic":
            return Topic(self._topic(lexeme))
        key = source_key(lexeme.text)
        if key is None:
            raise RuleSyntaxError(
                f"source '{lexeme.text}' at {lexeme.position + 1} is neither a channel nor a "
                "feed address — write source:@channel or source:example.com",
                lexeme.position,
            )
        return Source(key)

    def _region(self, lexeme: Lexeme) -> str:
        gazetteer = self._lexicon.gazetteer
        key = gazetteer.resolve(lexeme.text)
        if key is not None:
            return key
        suggestion = gazetteer.suggest(lexeme.text)
        hint = (
            f"did you mean '{suggestion}'?"
            if suggestion
            else "the closest keys are "
            + ", ".join(gazetteer.closest(lexeme.text))
            + " (/regions or lookout regions lists them with their names)"
        )
        raise RuleSyntaxError(
            f"unknown region '{lexeme.text}' at {lexeme.position + 1} — {hint}", lexeme.position
        )

    def _topic(self, lexeme: Lexeme) -> str:
        topics = self._lexicon.topics
        key = topics.resolve(lexeme.text)
        if key is not None:
            return key
        suggestion = topics.suggest(lexeme.text)
        hint = (
            f"did you mean '{suggestion}'?"
            if suggestion
            else "known topics: " + ", ".join(topics.keys())
        )
        raise RuleSyntaxError(
            f"unknown topic '{lexeme.text}' at {lexeme.position + 1} — {hint}", lexeme.position
        )


def _flat(kind: type[And] | type[Or], operands: list[Node]) -> Node:
    if len(operands) == 1:
        return operands[0]
    flat: list[Node] = []
    for operand in operands:
        flat.extend(operand.operands if isinstance(operand, kind) else (operand,))
    return kind(tuple(flat))


def parse_rule(text: str, lexicon: Lexicon) -> Rule:
    """Parse one rule (see the module contract)."""
    if len(text) > MAX_LENGTH:
        raise RuleSyntaxError(
            f"the rule is too long: {len(text)} characters, at most {MAX_LENGTH}", MAX_LENGTH
        )
    root = _Parser(text, lexicon).rule()
    if evaluate(root, lambda _term: False):
        first_negated = next(term for term, negated in iter_terms(root) if negated)
        raise RuleSyntaxError(
            "a rule of only exclusions would match almost every post — add something to look "
            f"for, e.g. дрон -учения (excluded here: {Rule(first_negated).canonical})",
            0,
        )
    return Rule(root)
