"""Canonical URLs: the table of spellings that must meet, and properties on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.stories.canonical import canonical_url, telegram_origin

SAME_PAGE = [
    # (spelling, canonical form)
    ("HTTPS://WWW.Example.COM/news/1", "https://example.com/news/1"),
    ("https://m.ria.ru/20250310/most.html", "https://ria.ru/20250310/most.html"),
    ("http://ria.ru/20250310/most.html", "https://ria.ru/20250310/most.html"),
    ("https://ria.ru/20250310/most.html#comments", "https://ria.ru/20250310/most.html"),
    ("https://ria.ru/20250310/most.html/", "https://ria.ru/20250310/most.html"),
    ("https://ria.ru/a?utm_source=yxnews&utm_medium=desktop", "https://ria.ru/a"),
    ("https://ria.ru/a?fbclid=x&gclid=y&yclid=z&ref=tg&mc_cid=1&mc_eid=2", "https://ria.ru/a"),
    ("https://site.ru/a?b=2&a=1&UTM_Campaign=x", "https://site.ru/a?a=1&b=2"),
    ("https://site.ru:443/a", "https://site.ru/a"),
    ("http://site.ru:80/a", "https://site.ru/a"),
    ("https://site.ru:8443/a", "https://site.ru:8443/a"),
    ("https://user:secret@site.ru/a", "https://site.ru/a"),
    ("https://site.ru./a", "https://site.ru/a"),
    ("https://президент.рф/news/1", "https://xn--d1abbgf6aiiy.xn--p1ai/news/1"),
    ("https://ria.ru/новости", "https://ria.ru/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8"),
    ("https://ria.ru/%d0%bd%d0%be", "https://ria.ru/%D0%BD%D0%BE"),
    ("https://t.me/s/VVGladkov/5501", "https://t.me/vvgladkov/5501"),
    ("https://t.me/vvgladkov/5501?single", "https://t.me/vvgladkov/5501"),
    ("https://t.me/vvgladkov/5501?comment=77", "https://t.me/vvgladkov/5501"),
    ("https://telegram.me/vvgladkov/5501", "https://t.me/vvgladkov/5501"),
    ("https://www.t.me/vvgladkov/5501/", "https://t.me/vvgladkov/5501"),
    ("https://t.me/s/Rybar", "https://t.me/rybar"),
    ("  https://example.com/x  ", "https://example.com/x"),
    ("https://www.com/", "https://www.com"),
    ("https://[::1]:8080/x", "https://[::1]:8080/x"),
]
NOT_A_PAGE = [
    "",
    "garbage",
    "ria.ru/20250310/most.html",
    "/relative/path",
    "ftp://example.com/file",
    "mailto:press@example.com",
    "javascript:alert(1)",
    "tg://resolve?domain=vvgladkov",
    "http://",
    "http://exa mple.com/",
    "http://example.com:99999/",
    "http://example.com:port/",
    "http://[::1/",
    "https://a..b/",
    "https://" + "x" * 64 + ".рф/",
]


@pytest.mark.parametrize(("url", "expected"), SAME_PAGE)
def test_spellings_of_one_page_meet(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", NOT_A_PAGE)
def test_what_is_not_an_http_page_has_no_canonical_form(url: str) -> None:
    assert canonical_url(url) is None


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://t.me/VVGladkov/5501", ("vvgladkov", 5501)),
        ("https://t.me/s/vvgladkov/5501", ("vvgladkov", 5501)),
        ("http://telegram.me/vvgladkov/5501?single", ("vvgladkov", 5501)),
        ("https://t.me/vvgladkov", None),
        ("https://t.me/c/1234567/89", None),
        ("https://t.me/joinchat/AAAA", None),
        ("https://example.com/vvgladkov/5501", None),
        ("not a url", None),
    ],
)
def test_telegram_origin_names_channel_and_post(url: str, origin: tuple[str, int] | None) -> None:
    assert telegram_origin(url) == origin


@settings(max_examples=400)
@given(st.text())
def test_canonical_url_never_raises_on_any_text(text: str) -> None:
    canonical_url(text)
    telegram_origin(text)


_URLISH = st.builds(
    "{}://{}{}{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
    st.text(min_size=0, max_size=20),
    st.sampled_from(["", ":80", ":443", ":8080", ":x", ":99999"]),
    st.text(min_size=0, max_size=20).map(lambda path: "/" + path),
    st.sampled_from(["", "?utm_source=a&b=1", "?a=%zz", "?x", "?b=2&a=1"]),
    st.sampled_from(["", "#frag", "#"]),
)


@settings(max_examples=400)
@given(_URLISH)
def test_canonical_form_is_its_own_canonical_form(url: str) -> None:
    canonical = canonical_url(url)
    if canonical is not None:
        assert canonical_url(canonical) == canonical
