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
                "needs_operand_after", operator.position, operator=name, at=operator.position + 1
            )

    def rule(self) -> Node:
        if self._peek().kind == "END":
            raise RuleSyntaxError("empty_rule", 0)
        node = self._and()
        end = self._peek()
        if end.kind == ")":
            raise RuleSyntaxError("unmatched_close", end.position, at=end.position + 1)
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
                    "too_many_terms", lexeme.position, limit=MAX_TERMS, at=lexeme.position + 1
                )
            return self._term(lexeme)
        if lexeme.kind in ("OR", "AND"):
            raise RuleSyntaxError(
                "needs_operand_before",
                lexeme.position,
                operator=lexeme.kind,
                at=lexeme.position + 1,
            )
        if lexeme.kind == ")":
            raise RuleSyntaxError("empty_close", lexeme.position, at=lexeme.position + 1)
        raise RuleSyntaxError("ends_early", lexeme.position, at=lexeme.position + 1)

    def _group(self, opening: Lexeme) -> Node:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise RuleSyntaxError(
                "too_deep", opening.position, at=opening.position + 1, limit=MAX_DEPTH
            )
        if self._peek().kind == ")":
            raise RuleSyntaxError("empty_group", opening.position, at=opening.position + 1)
        node = self._and()
        if self._next().kind != ")":
            raise RuleSyntaxError("unclosed_group", opening.position, at=opening.position + 1)
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
                "bad_source", lexeme.position, value=lexeme.text, at=lexeme.position + 1
            )
        return Source(key)

    def _region(self, lexeme: Lexeme) -> str:
        gazetteer = self._lexicon.gazetteer
        key = gazetteer.resolve(lexeme.text)
        if key is not None:
            return key
        place: dict[str, str | int] = {"value": lexeme.text, "at": lexeme.position + 1}
        suggestion = gazetteer.suggest(lexeme.text)
        if suggestion:
            raise RuleSyntaxError(
                "unknown_region_close", lexeme.position, suggestion=suggestion, **place
            )
        closest = ", ".join(gazetteer.closest(lexeme.text))
        raise RuleSyntaxError("unknown_region", lexeme.position, closest=closest, **place)

    def _topic(self, lexeme: Lexeme) -> str:
        topics = self._lexicon.topics
        key = topics.resolve(lexeme.text)
        if key is not None:
            return key
        place: dict[str, str | int] = {"value": lexeme.text, "at": lexeme.position + 1}
        suggestion = topics.suggest(lexeme.text)
        if suggestion:
            raise RuleSyntaxError(
                "unknown_topic_close", lexeme.position, suggestion=suggestion, **place
            )
        raise RuleSyntaxError(
            "unknown_topic", lexeme.position, known=", ".join(topics.keys()), **place
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
        raise RuleSyntaxError("too_long", MAX_LENGTH, length=len(text), limit=MAX_LENGTH)
    root = _Parser(text, lexicon).rule()
    if evaluate(root, lambda _term: False):
        first_negated = next(term for term, negated in iter_terms(root) if negated)
        raise RuleSyntaxError("only_exclusions", 0, excluded=Rule(first_negated).canonical)
    return Rule(root)
