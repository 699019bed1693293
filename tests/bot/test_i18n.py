"""Replies in the asker's language, and catalogs that stay complete, compiled and safe.

The catalog checks read the code the way a translator's tools do (Babel's extractor
over bot/ and the rule parser's messages in rules/errors.py), so a new message without
a Russian and a Ukrainian translation, a `.po` edited without recompiling its `.mo`, or
a translation that drops a placeholder, a tag or a /command fails here rather than in
someone's chat.
"""

from __future__ import annotations

import csv
import gettext
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from alerts.store.models import Chat
from bot.i18n import DOMAIN, LOCALES, build_i18n, pick_language
from bot.menu import COMMANDS
from tests.bot.conftest import marked
from tests.bot.test_history import MINE, sent_alerts
from tests.fakes.telegram import CommandsKey

LANGUAGES = ("ru", "uk")
BOT = Path(__file__).parents[2] / "bot"
RULE_ERRORS = Path(__file__).parents[2] / "rules" / "errors.py"
# What a translation must carry over unchanged: %-placeholders (and any other %),
# HTML tags, entities and stray <, >, &, and /commands.
KEPT = re.compile(r"%\(\w+\)[a-z]|%|</?\w+[^>]*>|&\w+;|[<>&]|(?<![\w/@.-])/[a-z_]+")
FRAME = re.compile(r"[\s—–:.,;()«»\"'’!?\[\]-]+")


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog(language: str):
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def messages_in_code() -> dict[str, str | None]:
    """msgid → msgid_plural (None for a plain message), as Babel extracts them."""
    found: dict[str, str | None] = {}
    extracted = [
        (message, context) for _file, _line, message, _comments, context in extract_from_dir(BOT)
    ]
    extracted += [
        (message, context)
        for _line, message, _comments, context in extract_from_file("python", RULE_ERRORS)
    ]
    for message, _context in extracted:
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        else:
            found[message] = None
    return found


def messages_of_mo(data: bytes) -> dict[object, str]:
    """What a compiled catalog says: each message (plural forms by index), header aside."""
    translations = gettext.GNUTranslations(io.BytesIO(data))
    # `_catalog` is the one place GNUTranslations keeps every message it read.
    messages: dict[object, str] = dict(translations._catalog)  # type: ignore[attr-defined]
    messages.pop("", None)
    return messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_committed_mo_says_what_its_po_says(language):
    # Compared message by message: the compiler's own header (its version, a date) may
    # differ between releases, what a user reads may not.
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    committed = po_path(language).with_suffix(".mo").read_bytes()
    expected = messages_of_mo(compiled.getvalue())
    assert len(expected) > 50
    assert messages_of_mo(committed) == expected, f"run: pybabel compile -d bot/locales -D {DOMAIN}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_is_translated(language):
    messages = catalog(language)
    in_code = messages_in_code()
    assert len(in_code) > 50
    for msgid, plural in in_code.items():
        entry = messages.get(msgid)
        assert entry is not None, f"{language}: no entry for {msgid!r}"
        assert not entry.fuzzy, f"{language}: fuzzy {msgid!r}"
        if plural is None:
            assert isinstance(entry.string, str), msgid
            assert entry.string.strip(), f"{language}: untranslated {msgid!r}"
        else:
            assert entry.id == (msgid, plural), f"{language}: plural changed for {msgid!r}"
            assert len(entry.string) == messages.num_plurals == 3
            assert all(form.strip() for form in entry.string), f"{language}: {msgid!r}"
    stale = {entry.id if isinstance(entry.id, str) else entry.id[0] for entry in messages}
    stale -= {"", *in_code}
    assert not stale, f"{language}: messages no longer in the code: {sorted(stale)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_markup_and_commands(language):
    for entry in catalog(language):
        if not entry.id:
            continue
        source = entry.id if isinstance(entry.id, str) else entry.id[-1]
        forms = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        for form in forms:
            assert Counter(KEPT.findall(form)) == Counter(KEPT.findall(source)), (
                f"{language}: {form!r} does not keep what {source!r} has"
            )


def test_a_telegram_language_code_picks_a_catalog_or_none():
    available = ("ru", "uk")
    assert pick_language("ru", available) == "ru"
    assert pick_language("uk-UA", available) == "uk"
    assert pick_language("RU_ru", available) == "ru"
    assert pick_language("en-GB", available) == "en"
    assert pick_language("de", available) is None
    assert pick_language("", available) is None
    assert pick_language(None, available) is None


def test_the_catalogs_load_and_translate_plurals():
    i18n = build_i18n()
    assert set(i18n.available_locales) == set(LANGUAGES)
    forms = [i18n.gettext("%(count)d alert", "%(count)d alerts", n, locale="ru") for n in (1, 3, 5)]
    assert forms == ["%(count)d оповещение", "%(count)d оповещения", "%(count)d оповещений"]
    assert i18n.gettext("%(count)d alert", "%(count)d alerts", 21, locale="uk") == (
        "%(count)d сповіщення"
    )
    assert i18n.gettext("Alerts resumed.", locale="de") == "Alerts resumed."


async def help_in(conversation, language, chat_id):
    return await conversation.ask(chat_id, "/help", language_code=language)


@pytest.mark.parametrize(
    ("language", "heading", "line"),
    [
        ("ru", "Как писать правила", "/watch ПРАВИЛО — присылать в этот чат"),
        ("uk", "Як писати правила", "/watch ПРАВИЛО — надсилати в цей чат"),
    ],
)
async def test_help_is_translated_whole(conversation, language, heading, line):
    english_reply = await help_in(conversation, "en", 5)
    translated_reply = await help_in(conversation, language, 6)
    english, translated = english_reply.visible_text, translated_reply.visible_text
    assert heading in marked(translated_reply, "bold")
    assert line in translated
    assert "дрон OR БПЛА Курск" in marked(translated_reply, "code")
    assert marked(translated_reply, "code") == marked(english_reply, "code")
    # Every line of the English help carries words to translate; none survives.
    leftovers = [
        row for row in english.splitlines() if row in translated.splitlines() and FRAME.sub("", row)
    ]
    assert leftovers == []
    assert translated.count("\n") == english.count("\n")


async def test_a_rule_it_cannot_read_is_explained_in_russian(conversation):
    reply = await conversation.say(5, '/watch "мост через', language_code="ru")
    assert reply.startswith("Не получилось разобрать правило: ")
    assert "Правил пока нет" in await conversation.say(5, "/rules", language_code="ru")


async def test_a_language_without_a_catalog_gets_english(conversation):
    assert "No watch rules yet" in await conversation.say(5, "/rules", language_code="de")
    german, english = await help_in(conversation, "de", 5), await help_in(conversation, "en", 6)
    assert (german.visible_text, german.entities) == (english.visible_text, english.entities)


async def test_watch_in_ukrainian_names_regions_in_ukrainian(conversation):
    reply = await conversation.say(5, "/watch region:kursk", language_code="uk")
    assert reply.startswith("Відстежую новини за правилом #")
    assert "Регіони: " in reply
    assert "Kursk" not in reply


async def test_a_channel_is_answered_in_its_stored_language(conversation, fake_telegram, sessions):
    async with sessions.begin() as session:
        session.add(Chat(id=-1001, type="channel", language="uk"))
    fake_telegram.add_chat(-1002, "channel")
    ukrainian = await conversation.say(-1001, "/rules", chat_type="channel")
    english = await conversation.say(-1002, "/rules", chat_type="channel")
    assert "Правил поки немає" in ukrainian
    assert "No watch rules yet" in english


async def test_history_buttons_and_export_speak_ukrainian(conversation, fake_telegram, sessions):
    await sent_alerts(sessions)
    first = await conversation.say(MINE, "/history", language_code="uk")
    assert "Сповіщення 1–10 з 13, спершу нові:" in first
    message = fake_telegram.messages_to(MINE)[-1]
    (older,) = message.reply_markup["inline_keyboard"][0]
    assert older["text"] == "Давніші ▶"
    fake_telegram.press_button(MINE, message.message_id, older["callback_data"])
    await fake_telegram.wait_for(lambda: fake_telegram.edits, timeout=10)
    assert "Сповіщення 11–13 з 13" in fake_telegram.edits[-1].text
    fake_telegram.user_says(MINE, "/export", language_code="uk")
    await fake_telegram.wait_for(lambda: fake_telegram.documents, timeout=10)
    (document,) = fake_telegram.documents
    assert document.caption == "13 сповіщень"
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert rows[0] == ["sent_at_utc", "source", "headline", "url", "text"]


async def test_the_menu_is_published_from_the_catalogs(conversation, fake_telegram):
    await conversation.say(5, "/help")
    i18n = build_i18n()
    english = dict(fake_telegram.commands[CommandsKey()])
    assert english == dict(COMMANDS)
    for language in LANGUAGES:
        published = dict(fake_telegram.commands[CommandsKey(language_code=language)])
        assert published == {
            command: i18n.gettext(description, locale=language) for command, description in COMMANDS
        }
        assert not set(published.values()) & set(english.values())
