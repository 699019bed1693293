"""The fake's HTML checker accepts what Telegram accepts and refuses the rest."""

import pytest

from tests.fakes.telegram import HtmlError, parse_html, utf16_len

ACCEPTED = [
    # (html, visible text, [(type, offset, length)])
    ("plain", "plain", []),
    ("<b>a</b><strong>b</strong>", "ab", [("bold", 0, 1), ("bold", 1, 1)]),
    (
        "<i>i</i><em>e</em><u>u</u><ins>n</ins>",
        "ieun",
        [
            ("italic", 0, 1),
            ("italic", 1, 1),
            ("underline", 2, 1),
            ("underline", 3, 1),
        ],
    ),
    (
        "<s>a</s><strike>b</strike><del>c</del>",
        "abc",
        [
            ("strikethrough", 0, 1),
            ("strikethrough", 1, 1),
            ("strikethrough", 2, 1),
        ],
    ),
    (
        '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>',
        "xy",
        [
            ("spoiler", 0, 1),
            ("spoiler", 1, 1),
        ],
    ),
    ("<code>x</code><pre>y</pre>", "xy", [("code", 0, 1), ("pre", 1, 1)]),
    ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", [("custom_emoji", 0, 2)]),
    ("<B>upper case tags</B>", "upper case tags", [("bold", 0, 15)]),
    ("<b>bold <i>both</i></b>", "bold both", [("bold", 0, 9), ("italic", 5, 4)]),
    ("&lt;&gt;&amp;&quot;&#39;&#x1F6A8;", "<>&\"'🚨", []),
    ("a > b", "a > b", []),  # a bare ">" is text, as on Telegram
    ("<a>no href</a>", "no href", []),
    ("<b></b>x", "x", []),  # empty entities vanish
]


@pytest.mark.parametrize(("html", "visible", "entities"), ACCEPTED)
def test_accepted(html: str, visible: str, entities: list[tuple[str, int, int]]) -> None:
    text, parsed = parse_html(html)

    assert text == visible
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_entity_attributes() -> None:
    html = (
        '<a href="https://example.com/?a=1&amp;b=2">link</a>'
        '<pre><code class="language-python">print()</code></pre>'
    )

    _, (link, pre) = parse_html(html)

    assert link["url"] == "https://example.com/?a=1&b=2"
    assert (pre["type"], pre["language"]) == ("pre", "python")


REFUSED = [
    ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
    ("Курск <3", 'Unsupported start tag "3" at byte offset 11'),
    ("x < y", 'Unsupported start tag "" at byte offset 2'),
    ("R&D", 'Unescaped "&" or unsupported entity at byte offset 1'),
    ("&nbsp;", 'Unescaped "&" or unsupported entity at byte offset 0'),
    ('<a href="?a=1&b=2">x</a>', 'Unescaped "&"'),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ('<a href="x>y</a>', 'Unclosed start tag "a" at byte offset 0'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
]


@pytest.mark.parametrize(("html", "reason"), REFUSED)
def test_refused(html: str, reason: str) -> None:
    with pytest.raises(HtmlError) as refused:
        parse_html(html)

    assert reason in str(refused.value)


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_len("Курск") == 5
    assert utf16_len("🚨") == 2
