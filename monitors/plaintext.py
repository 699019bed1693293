"""`html_to_text`: the plain text of an HTML fragment, as rules will read it.

Contract: scripts, styles and other invisible elements are dropped; the words
of links and formatting are kept in place; ``<br>`` and line-level blocks end a
line, paragraph-level blocks end a paragraph (a blank line); runs of spaces,
tabs and no-break spaces become one space; lines are stripped; the result has
no leading or trailing whitespace. Entities are decoded. `normalize_text` does
the whitespace part alone for text that is already plain.

Bounds, checked before any parsing: a fragment is cut at `MAX_HTML_CHARS`, and a
fragment with more than `MAX_ELEMENTS` tags is not built into a tree (deep nesting
makes that quadratic) but has its tags stripped in one linear pass: the words are
kept, the layout is lost. A hostile item costs milliseconds, never the tick.
"""

from __future__ import annotations

import html as entities
import re

from selectolax.lexbor import LexborHTMLParser

_INVISIBLE = "script, style, noscript, template, iframe, object, svg, head"
_LINE_BREAKS = "br, div, li, tr, dt, dd, figcaption, hr"
_PARAGRAPHS = "p, h1, h2, h3, h4, h5, h6, blockquote, pre, ul, ol, table, figure, section"
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_TAG = re.compile(r"<[^<>]*>?")

# A long article is ~100 KB of HTML with a few thousand tags.
MAX_HTML_CHARS = 512 * 1024
MAX_ELEMENTS = 5_000


def html_to_text(html: str) -> str:
    """Plain text of ``html``; see the module docstring."""
    html = html[:MAX_HTML_CHARS]
    if "<" not in html and "&" not in html:
        return normalize_text(html)
    if html.count("<") > MAX_ELEMENTS:
        return normalize_text(entities.unescape(_TAG.sub(" ", html)))
    tree = LexborHTMLParser(html)
    body = tree.body
    if body is None:
        return ""
    for node in body.css(_INVISIBLE):
        node.decompose()
    for node in body.css(_LINE_BREAKS):
        node.insert_after("\n")
    for node in body.css(_PARAGRAPHS):
        node.insert_before("\n\n")
        node.insert_after("\n\n")
    return normalize_text(body.text())


def normalize_text(text: str) -> str:
    """Collapse spaces within lines, strip lines, keep at most one blank line."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
