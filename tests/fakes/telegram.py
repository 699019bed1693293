"""A fake Telegram Bot API server on 127.0.0.1, for unit and end-to-end tests.

Clients (aiogram, or the real `lookout run` process) talk to it over HTTP exactly as
to https://api.telegram.org: `POST|GET {api_url}/bot{token}/{method}` with a query
string, urlencoded, multipart or JSON body; aiogram gets it through
`TelegramAPIServer.from_base(fake.api_url)`. Answers are Bot API JSON,
`{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description",
"parameters"?}`, with the HTTP status Telegram uses.

What it enforces, as Telegram does:
- the token (401 "Unauthorized"); unknown methods (404 "Not Found");
- rate limits on sendMessage, editMessageText and sendDocument (`Limits`): a burst of
  3 then 1 message/s per private chat, 20/min per group, supergroup or channel, 30/s
  for the whole bot; a refusal is 429 "Too Many Requests: retry after N" with
  `parameters.retry_after` in whole seconds (at least 1); refused requests use no quota;
- HTML parse mode: only Telegram's tags (b strong i em u ins s strike del,
  span class="tg-spoiler", tg-spoiler, a href, tg-emoji, code, pre, blockquote
  [expandable]), tags closed and properly nested, entities limited to &lt; &gt; &amp;
  &quot; and numeric ones; errors are 400 "Bad Request: can't parse entities: ...";
- the `entities` parameter (used instead of a parse mode): a list of objects of
  Telegram's entity types, each with offset >= 0 and length > 0 inside the text in
  UTF-16 code units, `text_link` with an http(s) or tg `url`, `custom_emoji` with its
  id; anything else is 400 "Bad Request: can't parse entities: ...";
- text length counted after entity parsing, in UTF-16 code units: 4096 for messages,
  1024 for captions; an empty or blank text is refused;
- replies (`reply_parameters`, or the legacy `reply_to_message_id`): a reply to a
  message the chat does not have is 400 "Bad Request: message to be replied not found"
  unless `allow_sending_without_reply`, which sends it as no reply; the sent message
  carries `reply_to_message`, and `SentMessage` records what was asked and what it
  replies to;
- editMessageText: unknown message, a message not sent by the bot, and an edit that
  changes neither text, entities nor keyboard are refused;
- chat states set by tests: blocked (403), removed (400 "chat not found"), migrated to
  a supergroup (400 with `parameters.migrate_to_chat_id`), and 5xx/429 on demand;
- getUpdates is real long polling: offset confirms (and forgets) earlier updates, a
  negative offset keeps only the last updates, limit, allowed_updates (remembered
  between calls, as Telegram does), timeout holds the request until an update arrives;
  a second concurrent getUpdates ends the first with 409 Conflict;
- webhooks: setWebhook (url, secret_token of 1-256 characters A-Z a-z 0-9 _ -,
  allowed_updates, drop_pending_updates), deleteWebhook, getWebhookInfo (with the last
  delivery error). While a webhook is set getUpdates answers 409 Conflict, and each
  queued update is POSTed to the URL as JSON, one at a time and in order, with the
  X-Telegram-Bot-Api-Secret-Token header when a secret was given; an answer other
  than 2xx (or none) keeps the update queued and it is sent again after
  `webhook_retry` seconds, as Telegram retries.

Deliberately looser than Telegram: a webhook URL may be plain http on any port (the
tests' servers are on loopback), where Telegram wants https on 443, 80, 88 or 8443.

Deliberately stricter than Telegram: a bare `&` or an unknown named entity (`&nbsp;`)
is refused, although Telegram shows it literally. The Bot API docs require escaping
it, and a bare `&` followed by e.g. `lt;` silently changes the text.

Not emulated: Markdown and MarkdownV2 (text taken as is), overlapping entities of
the same type, webhook certificates and IP addresses, inline mode, media other than
documents, file downloads, message threads, quotes and replies to other chats, group
privacy mode, 48-hour edit windows, link previews, and which tags may nest inside which.
Chats need not be introduced
first: a positive id is a private chat, a negative one a group (a supergroup below
-10**12); `add_chat` gives titles, usernames and channels.

Test controls (`user_says`, `press_button`, `block`, ...) are synchronous and must be
called on the event loop that runs the server. Waiting (`wait_for`) wakes on every
recorded request through an `asyncio.Event` swapped on each change: an
`asyncio.Condition` cannot be notified from synchronous controls.

Use (`fake_telegram` is the function-scoped fixture; `lookout run` gets
LOOKOUT_TELEGRAM_API_URL=fake.api_url and LOOKOUT_BOT_TOKEN=fake.token):

    await fake.wait_for(lambda: fake.polling)          # the bot is long polling
    fake.user_says(1001, "/watch дрон region:kursk")
    (reply,) = await fake.wait_for_messages(1001, 1)
    fake.block(1001); fake.fail_next(2, status=502); fake.limits = Limits(group_window=1)

One module on purpose, past the usual size: tests import one fake, and its parts (the
HTML checker, the rate limiter, the server) are only ever used together.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import mimetypes
import re
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, NamedTuple, Self, TypeVar

import aiohttp
import pytest_asyncio
from aiohttp import BodyPartReader, web

if TYPE_CHECKING:
    from types import TracebackType

__all__ = [
    "DEFAULT_GROUP_USER_ID",
    "DEFAULT_TOKEN",
    "SENDING_METHODS",
    "TELEGRAM_LIMITS",
    "Call",
    "CallbackAnswer",
    "CommandsKey",
    "Edit",
    "FakeTelegram",
    "HtmlError",
    "Limits",
    "Refusal",
    "SentDocument",
    "SentMessage",
    "WebhookDelivery",
    "fake_telegram",
    "parse_html",
    "utf16_len",
]

T = TypeVar("T")

DEFAULT_TOKEN = "123456789:AAFakeTokenForLookoutTests_0123456789"
DEFAULT_GROUP_USER_ID = 10_001
# Telegram's own sender of anonymous administrators' messages.
GROUP_ANONYMOUS_BOT_ID = 1_087_968_824
"""Who speaks in a group when `user_says` is given no user_id."""
SENDING_METHODS = ("sendMessage", "editMessageText", "sendDocument")
"""The methods that rate limits and, by default, `fail_next` apply to."""

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_UPLOAD = 50 * 2**20
_SUPERGROUP_BELOW = -(10**12)
# Telegram's default when allowed_updates is empty or was never given.
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_TIMEOUT = 10.0
"""Seconds the fake waits for the bot's server to answer one delivery."""


# --- records -------------------------------------------------------------------------


@dataclass(frozen=True)
class SentMessage:
    """One accepted sendMessage, as the client sent it."""

    chat_id: int
    message_id: int
    text: str
    visible_text: str
    """The text as shown: tags removed, entities decoded."""
    parse_mode: str | None
    disable_notification: bool
    disable_web_page_preview: bool | None
    link_preview_options: dict[str, Any] | None
    reply_markup: dict[str, Any] | None
    sent_at: float
    """The fake's clock (time.monotonic unless injected)."""
    entities: tuple[dict[str, Any], ...] = ()
    """The entities as shown: parsed from HTML, or as sent."""
    reply_to_message_id: int | None = None
    """The message this one is shown replying to: None when none was asked, or when the
    asked one is gone and ``allow_sending_without_reply`` let it go without."""
    reply_parameters: dict[str, Any] | None = None
    """``reply_parameters`` as sent (or the legacy ``reply_to_message_id`` and
    ``allow_sending_without_reply`` in that form)."""


@dataclass(frozen=True)
class Edit:
    """One accepted editMessageText."""

    chat_id: int
    message_id: int
    text: str
    visible_text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    edited_at: float


@dataclass(frozen=True)
class SentDocument:
    """One accepted sendDocument, with the uploaded bytes."""

    chat_id: int
    message_id: int
    filename: str | None
    content: bytes
    mime_type: str | None
    caption: str | None
    parse_mode: str | None
    disable_notification: bool
    sent_at: float


@dataclass(frozen=True)
class Refusal:
    """An error answer: every 4xx and 429, and the 5xx that `fail_next` asked for."""

    method: str
    chat_id: int | None
    error_code: int
    description: str
    retry_after: int | None
    migrate_to_chat_id: int | None
    at: float


@dataclass(frozen=True)
class CallbackAnswer:
    """One answerCallbackQuery, with the button press it answers."""

    callback_query_id: str
    chat_id: int
    message_id: int
    data: str
    text: str | None
    show_alert: bool


@dataclass(frozen=True)
class Call:
    """Every request the fake answered, for debugging and request-level assertions."""

    method: str
    params: dict[str, Any]
    """Parameters as received; uploaded files appear as `<file name, n bytes>`."""
    status: int
    at: float


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook, and how the bot's server answered."""

    update_id: int
    status: int | None
    """The HTTP status; None when no answer came (refused connection, timeout)."""
    at: float


class CommandsKey(NamedTuple):
    """Where a setMyCommands list applies: `fake.commands[CommandsKey()]` is the default."""

    scope: str = "default"
    chat_id: int | None = None
    user_id: int | None = None
    language_code: str = ""


# --- limits --------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Rate limits; the defaults are Telegram's published figures.

    Tests shrink the windows to run fast; `retry_after` fixes the reported value
    (Telegram never reports less than 1 second, nor does aiogram accept 0).
    """

    private_burst: int = 3
    private_interval: float = 1.0
    """Seconds per message in one private chat once the burst is spent."""
    group_messages: int = 20
    group_window: float = 60.0
    global_messages: int = 30
    global_window: float = 1.0
    retry_after: int | None = None


TELEGRAM_LIMITS = Limits()


class _RateLimiter:
    """A token bucket per private chat, sliding windows per group and for the bot."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._groups: dict[int, deque[float]] = {}
        self._global: deque[float] = deque()

    def admit(self, chat_id: int, private: bool, now: float) -> int | None:
        """Record a send and return None, or return retry_after without recording."""
        lim = self.limits
        waits = [self._window_wait(self._global, lim.global_messages, lim.global_window, now)]
        if private:
            tokens, at = self._buckets.get(chat_id, (float(lim.private_burst), now))
            tokens = min(float(lim.private_burst), tokens + (now - at) / lim.private_interval)
            waits.append(0.0 if tokens >= 1 else (1 - tokens) * lim.private_interval)
        else:
            window = self._groups.setdefault(chat_id, deque())
            waits.append(self._window_wait(window, lim.group_messages, lim.group_window, now))
        wait = max(waits)
        if wait > 0:
            return lim.retry_after or max(1, math.ceil(wait))
        self._global.append(now)
        if private:
            self._buckets[chat_id] = (tokens - 1, now)
        else:
            self._groups[chat_id].append(now)
        return None

    @staticmethod
    def _window_wait(window: deque[float], limit: int, length: float, now: float) -> float:
        while window and window[0] <= now - length:
            window.popleft()
        return window[0] + length - now if len(window) >= limit else 0.0


# --- HTML parse mode -----------------------------------------------------------------


class HtmlError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z]+));")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the visible text
    language: str | None = None  # a <pre> learns it from an inner <code class="language-x">


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the visible text and its MessageEntity dicts, or raise HtmlError.

    Follows TDLib's parser (the one behind the Bot API) closely enough that its
    error messages read the same; offsets are in UTF-16 code units, as in the API.
    """
    out: list[str] = []
    at16 = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            decoded, i = _decode_entity(text, i)
            out.append(decoded)
            at16 += utf16_len(decoded)
        elif char != "<":
            out.append(char)
            at16 += utf16_len(char)
            i += 1
        elif text.startswith("</", i):
            i = _close_tag(text, i, stack, entities, at16)
        else:
            tag, i = _open_tag(text, i)
            tag.offset = at16
            stack.append(tag)
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _decode_entity(text: str, i: int) -> tuple[str, int]:
    match = _ENTITY_RE.match(text, i)
    decoded: str | None = None
    if match and match[3] is not None:
        decoded = _NAMED_ENTITIES.get(match[3].lower())
    elif match:
        code = int(match[1]) if match[1] is not None else int(match[2], 16)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            decoded = chr(code)
    if match is None or decoded is None:
        raise HtmlError(
            f'Unescaped "&" or unsupported entity at byte offset {_byte_offset(text, i)}'
        )
    return decoded, match.end()


def _open_tag(text: str, begin: int) -> tuple[_OpenTag, int]:
    i = begin + 1
    while i < len(text) and not text[i].isspace() and text[i] != ">":
        i += 1
    name = text[begin + 1 : i].lower()
    offset = _byte_offset(text, begin)
    if name not in _TAG_ENTITY:
        raise HtmlError(f'Unsupported start tag "{name}" at byte offset {offset}')
    attrs: dict[str, str] = {}
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise HtmlError(f'Unclosed start tag "{name}" at byte offset {offset}')
        if text[i] == ">":
            break
        start = i
        while i < len(text) and not text[i].isspace() and text[i] not in "=>":
            i += 1
        attr = text[start:i].lower()
        if not attr:
            raise HtmlError(f'Empty attribute name in the tag "{name}" at byte offset {offset}')
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text) or text[i] != "=":
            if name == "blockquote" and attr == "expandable":
                attrs[attr] = ""
                continue
            raise HtmlError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{name}" at byte offset {offset}'
            )
        attrs[attr], i = _attribute_value(text, i + 1, name, offset)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlError('Tag "span" must have class "tg-spoiler"')
    return _OpenTag(name, attrs, 0), i + 1


def _attribute_value(text: str, i: int, tag: str, tag_offset: int) -> tuple[str, int]:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {tag_offset}')
    if text[i] not in "'\"":
        # An unquoted value is an HTML name token: letters, digits, periods, hyphens.
        start = i
        while i < len(text) and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
            i += 1
        if i < len(text) and not text[i].isspace() and text[i] != ">":
            raise HtmlError(f"Unexpected end of name token at byte offset {_byte_offset(text, i)}")
        return text[start:i].lower(), i
    quote = text[i]
    i += 1
    value: list[str] = []
    while i < len(text) and text[i] != quote:
        if text[i] == "&":
            decoded, i = _decode_entity(text, i)
            value.append(decoded)
        else:
            value.append(text[i])
            i += 1
    if i >= len(text):
        raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {tag_offset}')
    return "".join(value), i + 1


def _close_tag(
    text: str, begin: int, stack: list[_OpenTag], entities: list[dict[str, Any]], at16: int
) -> int:
    end = text.find(">", begin)
    offset = _byte_offset(text, begin)
    if end < 0:
        raise HtmlError(f"Unclosed end tag at byte offset {offset}")
    name = text[begin + 2 : end].strip().lower()
    if not stack:
        raise HtmlError(f"Unexpected end tag at byte offset {offset}")
    tag = stack.pop()
    if name != tag.name:
        raise HtmlError(
            f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
            f'found "</{name}>"'
        )
    language = tag.attrs.get("class", "")
    if name == "code" and stack and stack[-1].name == "pre" and language.startswith("language-"):
        # <pre><code class="language-x"> is one pre entity with a language, not two.
        stack[-1].language = language.removeprefix("language-")
        return end + 1
    entity = _entity(tag, at16 - tag.offset)
    if entity is not None:
        entities.append(entity)
    return end + 1


def _entity(tag: _OpenTag, length: int) -> dict[str, Any] | None:
    entity: dict[str, Any] = {"type": _TAG_ENTITY[tag.name], "offset": tag.offset}
    entity["length"] = length
    if tag.name == "a":
        if not tag.attrs.get("href"):
            return None  # Telegram shows a link without href as plain text
        entity["url"] = tag.attrs["href"]
    elif tag.name == "tg-emoji":
        if not tag.attrs.get("emoji-id"):
            return None
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    return entity if length > 0 else None


# --- server internals ----------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, description: str, **parameters: int) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class _Upload:
    filename: str | None
    content: bytes
    content_type: str | None


class _Params:
    """Request parameters from any encoding: form fields are strings, JSON is typed."""

    def __init__(self, values: dict[str, Any], files: dict[str, _Upload]) -> None:
        self.values = values
        self.files = files

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _ApiError(400, f"Bad Request: invalid {name} specified") from None

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _ApiError(400, f"Bad Request: invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in {"true", "1"}
        return bool(value)

    def optional_flag(self, name: str) -> bool | None:
        return None if self.values.get(name) is None else self.flag(name)

    def obj(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise _ApiError(400, f"Bad Request: can't parse {name} JSON object") from None

    def upload(self, name: str) -> _Upload | str | None:
        """A file sent as multipart (under its own name or as attach://key), or a string."""
        if name in self.files:
            return self.files[name]
        value = self.text(name)
        if value is not None and value.startswith("attach://"):
            return self.files.get(value.removeprefix("attach://"))
        return value

    def recorded(self) -> dict[str, Any]:
        files = {k: f"<file {v.filename}, {len(v.content)} bytes>" for k, v in self.files.items()}
        return {**self.values, **files}


async def _read_params(request: web.Request) -> _Params:
    values: dict[str, Any] = dict(request.query)
    files: dict[str, _Upload] = {}
    if request.content_type == "application/json":
        body = await request.text()
        try:
            decoded = json.loads(body) if body.strip() else {}
        except ValueError:
            raise _ApiError(400, "Bad Request: can't parse JSON request body") from None
        if not isinstance(decoded, dict):
            raise _ApiError(400, "Bad Request: request body must be a JSON object")
        values.update(decoded)
    elif request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is None:
                values[part.name] = await part.text()
            else:
                content = bytes(await part.read(decode=False))
                files[part.name] = _Upload(part.filename, content, part.headers.get("Content-Type"))
    elif request.can_read_body:
        values.update((await request.post()).items())
    return _Params(values, files)


@dataclass
class _Webhook:
    url: str
    secret: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None

    def failed(self, message: str) -> None:
        self.last_error_date = _now()
        self.last_error_message = message


@dataclass
class _Message:
    message_id: int
    date: int
    sender: dict[str, Any] | None  # the "from" User; None for channel posts
    by_bot: bool
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    edit_date: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # document, caption, service fields


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    blocked: str | None = None  # the 403 description while blocked
    removed: bool = False
    migrated_to: int | None = None
    last_message_id: int = 0
    messages: dict[int, _Message] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or f"User {self.id}"
        else:
            chat["title"] = self.title or f"Chat {self.id}"
        if self.username:
            chat["username"] = self.username
        return chat

    def add(self, message: _Message) -> _Message:
        self.messages[message.message_id] = message
        return message

    def next_message_id(self) -> int:
        # One sequence for both directions, as in a real chat.
        self.last_message_id += 1
        return self.last_message_id


_PROXY_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


@dataclass
class _Failure:
    remaining: int
    status: int
    methods: frozenset[str]
    retry_after: int


@dataclass(frozen=True)
class _Press:
    chat_id: int
    message_id: int
    data: str


_Handler = Callable[["_Params"], Awaitable[Any]]


class _Changes:
    """Wakes every waiter on each change; see the module docstring for why not Condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self) -> None:
        await self._event.wait()


# --- the fake ------------------------------------------------------------------------


class FakeTelegram:
    """The fake Bot API server; see the module docstring for its contract."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        limits: Limits | None = TELEGRAM_LIMITS,
        bot_username: str = "lookout_test_bot",
        bot_name: str = "Lookout",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_id = int(token.partition(":")[0])
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.clock = clock
        self._limiter = None if limits is None else _RateLimiter(limits)

        self.sent: list[SentMessage] = []
        self.edits: list[Edit] = []
        self.documents: list[SentDocument] = []
        self.commands: dict[CommandsKey, list[tuple[str, str]]] = {}
        self.refusals: list[Refusal] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.calls: list[Call] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.webhook_retry = 0.5
        """Seconds before an update the webhook did not accept is sent again."""

        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._updates: list[dict[str, Any]] = []
        self._last_update_id = 100_000
        self._allowed_updates: frozenset[str] | None = None
        self._presses: dict[str, _Press] = {}
        self._files: dict[str, _Upload] = {}
        self._failure: _Failure | None = None
        self._outage: tuple[str, frozenset[str]] | None = None
        self.outage_hits = 0
        """Requests that met an outage (see `outage`)."""
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._poll_generation = 0
        self._held_polls = 0
        self._closing = False
        self._changes = _Changes()
        self._runner: web.AppRunner | None = None
        self.api_url = ""
        self._methods: dict[str, _Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "senddocument": self._send_document,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getchatmember": self._get_chat_member,
            "getchat": self._get_chat,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
        }

    # lifecycle

    @classmethod
    async def start(
        cls,
        token: str = DEFAULT_TOKEN,
        *,
        limits: Limits | None = TELEGRAM_LIMITS,
        bot_username: str = "lookout_test_bot",
        bot_name: str = "Lookout",
        clock: Callable[[], float] = time.monotonic,
    ) -> Self:
        """Create and start a fake on a free port of 127.0.0.1; `limits=None` lifts limits."""
        fake = cls(token, limits=limits, bot_username=bot_username, bot_name=bot_name, clock=clock)
        await fake._serve()
        return fake

    async def _serve(self) -> None:
        # Uploads up to Telegram's 50 MB must reach the handler to be refused properly.
        app = web.Application(client_max_size=MAX_UPLOAD + 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # A client that hangs up (a killed `lookout run`) ends its held getUpdates, as on
        # Telegram, instead of lingering until it meets the next poll with a 409.
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.api_url = f"http://{host}:{port}"

    async def close(self) -> None:
        """Stop serving; held getUpdates requests answer an empty list first."""
        self._closing = True
        self._changes.notify()
        await self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        if self._runner is None:
            await self._serve()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # test controls

    @property
    def limits(self) -> Limits | None:
        return None if self._limiter is None else self._limiter.limits

    @limits.setter
    def limits(self, limits: Limits | None) -> None:
        """Replace the limits (None: no limits) and forget what was counted so far."""
        self._limiter = None if limits is None else _RateLimiter(limits)

    def add_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> None:
        """Describe a chat: its type (e.g. "channel"), title, username (for "@name" ids)."""
        chat = self._chat(chat_id)
        if chat_type is not None:
            if (chat_type == "private") != (chat_id > 0):
                raise ValueError(f"a {chat_type} chat cannot have id {chat_id}")
            chat.type = chat_type
        chat.title = title or chat.title
        chat.username = username or chat.username
        chat.first_name = first_name or chat.first_name

    def user_says(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        language_code: str = "en",
        username: str | None = None,
        first_name: str | None = None,
        anonymous_admin: bool = False,
    ) -> int:
        """Queue a message (a channel_post in channels) from a user; return its update_id.

        A leading /command gets a bot_command entity, as Telegram adds. In a private
        chat the user is the chat, and writing unblocks the bot; in groups the user
        defaults to DEFAULT_GROUP_USER_ID. ``anonymous_admin`` sends it as Telegram does
        for a group administrator who posts anonymously: from GroupAnonymousBot, with
        ``sender_chat`` the group itself.
        """
        if chat_type is not None:
            self.add_chat(chat_id, chat_type)
        chat = self._chat(chat_id)
        if chat.type == "private":
            if user_id not in (None, chat_id):
                raise ValueError("in a private chat the user id is the chat id")
            user_id = chat_id
        user = self._user(user_id or DEFAULT_GROUP_USER_ID, language_code, username, first_name)
        if chat.type == "private":
            chat.first_name = chat.first_name or user["first_name"]
            chat.username = chat.username or user.get("username")
            chat.blocked = None  # writing to the bot again is how a user unblocks it
        if anonymous_admin:
            if chat.type not in ("group", "supergroup"):
                raise ValueError("only group administrators post anonymously")
            user = self._user(GROUP_ANONYMOUS_BOT_ID, "", None, "Group")
            user["is_bot"] = True
        message = _Message(chat.next_message_id(), _now(), user, by_bot=False, text=text)
        if anonymous_admin:
            message.extra["sender_chat"] = chat.to_json()
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message.entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        kind = "channel_post" if chat.type == "channel" else "message"
        return self._push_update(kind, self._message_json(chat, chat.add(message)))

    def press_button(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> int:
        """Queue a callback_query for an inline button under a bot message; return update_id."""
        chat = self._chat(chat_id)
        message = chat.messages.get(message_id)
        if message is None or not message.by_bot:
            raise KeyError(f"the bot sent no message {message_id} to chat {chat_id}")
        if chat.type == "private":
            user_id = chat_id
        query_id = str(secrets.randbits(63))
        self._presses[query_id] = _Press(chat_id, message_id, data)
        query = {
            "id": query_id,
            "from": self._user(user_id or DEFAULT_GROUP_USER_ID),
            "message": self._message_json(chat, message),
            "chat_instance": str(abs(hash((self.bot_id, chat_id)))),
            "data": data,
        }
        return self._push_update("callback_query", query)

    def block(self, chat_id: int, description: str | None = None) -> None:
        """Answer 403 to sends in this chat: blocked by the user, or kicked from a group."""
        chat = self._chat(chat_id)
        chat.blocked = description or {
            "private": "Forbidden: bot was blocked by the user",
            "group": "Forbidden: bot was kicked from the group chat",
            "supergroup": "Forbidden: bot was kicked from the supergroup chat",
        }.get(chat.type, "Forbidden: bot is not a member of the channel chat")

    def unblock(self, chat_id: int) -> None:
        self._chat(chat_id).blocked = None

    def remove_chat(self, chat_id: int) -> None:
        """Make every method naming this chat answer 400 "chat not found"."""
        self._chat(chat_id).removed = True

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """Upgrade a group to a supergroup, with the two service messages Telegram sends."""
        if new_chat_id > _SUPERGROUP_BELOW:
            raise ValueError("a supergroup id is below -10**12, e.g. -100123...")
        old = self._chat(chat_id)
        if old.type != "group":
            raise ValueError(f"only a basic group migrates, not a {old.type}")
        old.migrated_to = new_chat_id
        self.add_chat(new_chat_id, "supergroup", title=old.title)
        new = self._chat(new_chat_id)
        for chat, key, value in (
            (old, "migrate_to_chat_id", new.id),
            (new, "migrate_from_chat_id", old.id),
        ):
            message = _Message(
                chat.next_message_id(), _now(), self._user(DEFAULT_GROUP_USER_ID), False
            )
            message.extra[key] = value
            self._push_update("message", self._message_json(chat, chat.add(message)))

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers: creator, administrator, member, restricted, left, kicked."""
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        self._members[(chat_id, user_id)] = status

    def fail_next(
        self,
        n: int = 1,
        status: int = 502,
        *,
        methods: Iterable[str] = SENDING_METHODS,
        retry_after: int = 1,
    ) -> None:
        """Fail the next n calls of these methods with this status (429 with retry_after).

        Sending methods only by default, so that the bot's own getUpdates loop does not
        use up the failures; pass methods=("getUpdates",) to break polling instead.
        """
        lowered = frozenset(m.lower() for m in methods)
        self._failure = _Failure(n, status, lowered, retry_after)

    def outage(self, mode: str, *, methods: Iterable[str] = SENDING_METHODS) -> None:
        """Until `recover`, these methods meet an outage of one kind.

        ``proxy_502``: a reverse proxy's 502 with an HTML page, not Telegram's JSON;
        ``hang``: no answer until recovery (the client's timeout fires first);
        ``cut``: the connection is closed without an answer.
        """
        if mode not in {"proxy_502", "hang", "cut"}:
            raise ValueError(f"unknown outage {mode!r}")
        self._outage = (mode, frozenset(m.lower() for m in methods))

    def recover(self) -> None:
        self._outage = None
        self._changes.notify()

    # inspection

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def text_of(self, chat_id: int, message_id: int) -> str | None:
        """The visible text of a message now, after edits."""
        message = self._chat(chat_id).messages.get(message_id)
        return None if message is None else message.text

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    @property
    def webhook_url(self) -> str:
        """The webhook set by the bot, "" when none (long polling)."""
        return "" if self._webhook is None else self._webhook.url

    @property
    def polling(self) -> bool:
        """Whether a getUpdates request is being held right now."""
        return self._held_polls > 0

    # A timeout parameter (ASYNC109) because waiting without one hangs a failing test.
    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> T:
        """Wait until predicate() is truthy, re-checking on every change; return its value."""
        try:
            async with asyncio.timeout(timeout):
                while not (value := predicate()):
                    await self._changes.wait()
                return value
        except TimeoutError:
            raise TimeoutError(f"condition not met within {timeout}s; {self.summary()}") from None

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until at least count messages were sent to the chat; return them all."""

        def enough() -> list[SentMessage] | None:
            messages = self.messages_to(chat_id)
            return messages if len(messages) >= count else None

        return await self.wait_for(enough, timeout)

    def summary(self) -> str:
        last = ", ".join(f"{c.method}->{c.status}" for c in self.calls[-8:])
        return (
            f"sent={len(self.sent)} edits={len(self.edits)} documents={len(self.documents)} "
            f"refusals={len(self.refusals)} pending_updates={len(self._updates)} "
            f"last calls: [{last}]"
        )

    # HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = _Params({}, {})
        try:
            if request.match_info["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            params = await _read_params(request)
            if self._outage is not None and method.lower() in self._outage[1]:
                return await self._out_of_service(request)
            handler = self._methods.get(method.lower())
            if handler is None:
                raise _ApiError(404, "Not Found")
            self._maybe_fail(method)
            result = await handler(params)
        except _ApiError as exc:
            return self._refuse(method, params, exc)
        self._record_call(method, params, 200)
        return web.json_response({"ok": True, "result": result})

    async def _out_of_service(self, request: web.Request) -> web.Response:
        assert self._outage is not None
        self.outage_hits += 1
        mode = self._outage[0]
        if mode == "hang":
            while not self._recovered():
                await self._changes.wait()
            # Answered only after recovery; by then the client has given up on it.
            return web.Response(status=504, text="late", content_type="text/plain")
        if mode == "cut" and request.transport is not None:
            request.transport.abort()
        return web.Response(status=502, text=_PROXY_PAGE, content_type="text/html")

    def _recovered(self) -> bool:
        return self._outage is None

    def _refuse(self, method: str, params: _Params, exc: _ApiError) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": exc.status,
            "description": exc.description,
        }
        if exc.parameters:
            body["parameters"] = exc.parameters
        chat_id = str(params.values.get("chat_id"))
        self.refusals.append(
            Refusal(
                method=method,
                chat_id=int(chat_id) if chat_id.lstrip("-").isdigit() else None,
                error_code=exc.status,
                description=exc.description,
                retry_after=exc.parameters.get("retry_after"),
                migrate_to_chat_id=exc.parameters.get("migrate_to_chat_id"),
                at=self.clock(),
            )
        )
        self._record_call(method, params, exc.status)
        return web.json_response(body, status=exc.status)

    def _record_call(self, method: str, params: _Params, status: int) -> None:
        self.calls.append(Call(method, params.recorded(), status, self.clock()))
        self._changes.notify()

    def _maybe_fail(self, method: str) -> None:
        failure = self._failure
        if failure is None or method.lower() not in failure.methods:
            return
        failure.remaining -= 1
        if failure.remaining <= 0:
            self._failure = None
        if failure.status == 429:
            raise _ApiError(
                429,
                f"Too Many Requests: retry after {failure.retry_after}",
                retry_after=failure.retry_after,
            )
        raise _ApiError(failure.status, HTTPStatus(failure.status).phrase)

    # methods

    async def _get_me(self, _p: _Params) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, p: _Params) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.integer("offset") or 0
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        allowed = p.obj("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._changes.notify()  # ends an earlier poll with 409
        self._held_polls += 1
        ready: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(timeout):
                while generation == self._poll_generation and not self._closing:
                    if ready := self._deliverable(limit):
                        break
                    await self._changes.wait()
        except TimeoutError:
            pass  # an empty answer is how long polling ends
        finally:
            self._held_polls -= 1
            self._changes.notify()
        if generation != self._poll_generation:
            raise _ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return ready

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        # Telegram never queues updates of types the bot did not ask for.
        self._updates = [u for u in self._updates if self._is_allowed(u)]
        return self._updates[:limit]

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self._allowed_updates is None:
            return kind not in _DEFAULT_EXCLUDED_UPDATES
        return kind in self._allowed_updates

    async def _send_message(self, p: _Params) -> dict[str, Any]:
        chat = self._target(p, sending=True)
        text = p.text("text") or ""
        parse_mode = p.text("parse_mode")
        visible, entities = _format(text, parse_mode, MAX_TEXT, "message text", p.obj("entities"))
        reply_markup = p.obj("reply_markup")
        reply = _reply_parameters(p)
        replied = _replied(chat, reply)
        self._admit(chat)
        message = _Message(chat.next_message_id(), _now(), self._bot_user(), True, visible)
        message.entities = entities
        message.reply_markup = _inline_keyboard(reply_markup)
        if replied is not None:
            message.extra["reply_to_message"] = self._message_json(chat, replied)
        chat.add(message)
        self.sent.append(
            SentMessage(
                chat_id=chat.id,
                message_id=message.message_id,
                text=text,
                visible_text=visible,
                parse_mode=parse_mode,
                disable_notification=p.flag("disable_notification"),
                disable_web_page_preview=p.optional_flag("disable_web_page_preview"),
                link_preview_options=p.obj("link_preview_options"),
                reply_markup=reply_markup,
                sent_at=self.clock(),
                entities=tuple(entities),
                reply_to_message_id=None if replied is None else replied.message_id,
                reply_parameters=reply,
            )
        )
        return self._message_json(chat, message)

    async def _edit_message_text(self, p: _Params) -> dict[str, Any]:
        if p.text("inline_message_id"):
            raise _ApiError(400, "Bad Request: inline messages are not emulated")
        chat = self._target(p, sending=True)
        message_id = p.integer("message_id")
        if message_id is None:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if not message.by_bot:
            raise _ApiError(400, "Bad Request: message can't be edited")
        if message.text is None:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        text = p.text("text") or ""
        parse_mode = p.text("parse_mode")
        visible, entities = _format(text, parse_mode, MAX_TEXT, "message text", p.obj("entities"))
        reply_markup = p.obj("reply_markup")
        # Telegram drops the keyboard of an edit that does not repeat it.
        keyboard = _inline_keyboard(reply_markup)
        if (visible, entities, keyboard) == (message.text, message.entities, message.reply_markup):
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        self._admit(chat)
        message.text, message.entities, message.reply_markup = visible, entities, keyboard
        message.edit_date = _now()
        self.edits.append(
            Edit(chat.id, message_id, text, visible, parse_mode, reply_markup, self.clock())
        )
        return self._message_json(chat, message)

    async def _send_document(self, p: _Params) -> dict[str, Any]:
        chat = self._target(p, sending=True)
        upload = p.upload("document")
        if isinstance(upload, str):
            if upload not in self._files:
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            upload = self._files[upload]
        if upload is None:
            raise _ApiError(400, "Bad Request: there is no document in the request")
        if not upload.content:
            raise _ApiError(400, "Bad Request: file must be non-empty")
        if len(upload.content) > MAX_UPLOAD:
            raise _ApiError(413, "Request Entity Too Large")
        caption = p.text("caption")
        parse_mode = p.text("parse_mode")
        visible: str | None = None
        entities: list[dict[str, Any]] = []
        if caption:
            visible, entities = _format(
                caption, parse_mode, MAX_CAPTION, "message caption", p.obj("caption_entities")
            )
        self._admit(chat)
        file_id = f"BQACAgIAAx{secrets.token_urlsafe(24)}"
        self._files[file_id] = upload
        mime_type = mimetypes.guess_type(upload.filename or "")[0] or upload.content_type
        message = _Message(chat.next_message_id(), _now(), self._bot_user(), True)
        message.extra["document"] = {
            "file_id": file_id,
            "file_unique_id": secrets.token_hex(8),
            "file_name": upload.filename,
            "mime_type": mime_type,
            "file_size": len(upload.content),
        }
        if visible:
            message.extra["caption"] = visible
            message.extra["caption_entities"] = entities
        chat.add(message)
        self.documents.append(
            SentDocument(
                chat_id=chat.id,
                message_id=message.message_id,
                filename=upload.filename,
                content=upload.content,
                mime_type=mime_type,
                caption=caption,
                parse_mode=parse_mode,
                disable_notification=p.flag("disable_notification"),
                sent_at=self.clock(),
            )
        )
        return self._message_json(chat, message)

    async def _set_my_commands(self, p: _Params) -> bool:
        key = self._commands_key(p)
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, 'Bad Request: parameter "commands" is required')
        if len(commands) > 100:
            raise _ApiError(400, "Bad Request: too many commands specified")
        parsed: list[tuple[str, str]] = []
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            description = str(command.get("description", "")) if isinstance(command, dict) else ""
            if not _COMMAND_RE.fullmatch(name) or not 1 <= len(description) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            parsed.append((name, description))
        if parsed:
            self.commands[key] = parsed
        else:
            self.commands.pop(key, None)  # an empty list is how Telegram deletes too
        return True

    async def _delete_my_commands(self, p: _Params) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _get_my_commands(self, p: _Params) -> list[dict[str, str]]:
        commands = self.commands.get(self._commands_key(p), [])
        return [{"command": c, "description": d} for c, d in commands]

    def _commands_key(self, p: _Params) -> CommandsKey:
        scope = p.obj("scope") or {"type": "default"}
        language = p.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _ApiError(400, "Bad Request: invalid language code specified")
        kind = scope.get("type") if isinstance(scope, dict) else None
        chat_id = user_id = None
        if kind in {"chat", "chat_administrators", "chat_member"}:
            chat_id = self._resolve_chat(scope.get("chat_id")).id
        if kind == "chat_member":
            user_id = int(scope.get("user_id", 0)) or None
            if user_id is None:
                raise _ApiError(400, "Bad Request: user not found")
        elif kind not in {
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
        }:
            raise _ApiError(400, "Bad Request: unsupported bot command scope type")
        return CommandsKey(str(kind), chat_id, user_id, language)

    async def _set_webhook(self, p: _Params) -> bool:
        url = p.text("url")
        if url is None:
            raise _ApiError(400, "Bad Request: bad webhook: url is empty")
        if not url:  # an empty url removes the webhook, as deleteWebhook does
            return await self._delete_webhook(p)
        if not url.startswith(("http://", "https://")):
            raise _ApiError(
                400,
                "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
            )
        secret = p.text("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = p.obj("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else None
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._poll_generation += 1  # a held getUpdates ends with 409, as on Telegram
        self._webhook = _Webhook(url, secret)
        if self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._deliver_to_webhook())
        self._changes.notify()
        return True

    async def _delete_webhook(self, p: _Params) -> bool:
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        self._changes.notify()
        return True

    async def _get_webhook_info(self, _p: _Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        webhook = self._webhook
        if webhook is not None:
            info["max_connections"] = 40
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        return info

    async def _deliver_to_webhook(self) -> None:
        """POST queued updates to the webhook, oldest first, until it is deleted."""
        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            while not self._closing:
                webhook = self._webhook
                ready = self._deliverable(1) if webhook is not None else []
                if webhook is None or not ready:
                    await self._changes.wait()
                    continue
                if not await self._post_update(client, webhook, ready[0]):
                    await asyncio.sleep(self.webhook_retry)

    async def _post_update(
        self, client: aiohttp.ClientSession, webhook: _Webhook, update: dict[str, Any]
    ) -> bool:
        headers = {SECRET_HEADER: webhook.secret} if webhook.secret is not None else {}
        status: int | None = None
        try:
            async with client.post(webhook.url, json=update, headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            webhook.failed(f"Connection failed: {type(exc).__name__}")
        else:
            if not 200 <= status < 300:
                webhook.failed(f"Wrong response from the webhook: {status} {response.reason}")
        self.webhook_deliveries.append(WebhookDelivery(update["update_id"], status, self.clock()))
        accepted = status is not None and 200 <= status < 300
        if accepted:
            self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
        self._changes.notify()
        return accepted

    async def _stop_webhook(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _get_chat_member(self, p: _Params) -> dict[str, Any]:
        chat = self._target(p, sending=False)
        user_id = p.integer("user_id")
        if user_id is None:
            raise _ApiError(400, "Bad Request: user not found")
        status = self._members.get((chat.id, user_id), "member")
        user = self._bot_user() if user_id == self.bot_id else self._user(user_id)
        return _member_json(status, user)

    async def _get_chat(self, p: _Params) -> dict[str, Any]:
        chat = self._target(p, sending=False)
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat.to_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys((*gifts, "gifts_from_channels"), False),
        }

    async def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        press = self._presses.pop(query_id, None)
        if press is None:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers.append(
            CallbackAnswer(
                query_id,
                press.chat_id,
                press.message_id,
                press.data,
                p.text("text"),
                p.flag("show_alert"),
            )
        )
        return True

    async def _send_chat_action(self, p: _Params) -> bool:
        self._target(p, sending=True)
        return True

    # helpers

    def _chat(self, chat_id: int) -> _Chat:
        if chat_id not in self._chats:
            kind = "private" if chat_id > 0 else "group"
            if chat_id < _SUPERGROUP_BELOW:
                kind = "supergroup"
            self._chats[chat_id] = _Chat(chat_id, kind)
        return self._chats[chat_id]

    def _resolve_chat(self, raw: object) -> _Chat:
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == raw[1:].lower():
                    return self._check_exists(chat)
            raise _ApiError(400, "Bad Request: chat not found")
        if raw is None or raw == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        try:
            chat_id = int(str(raw))
        except ValueError:
            raise _ApiError(400, "Bad Request: chat not found") from None
        return self._check_exists(self._chat(chat_id))

    @staticmethod
    def _check_exists(chat: _Chat) -> _Chat:
        if chat.removed or chat.id == 0:
            raise _ApiError(400, "Bad Request: chat not found")
        return chat

    def _target(self, p: _Params, *, sending: bool) -> _Chat:
        chat = self._resolve_chat(p.values.get("chat_id"))
        if sending and chat.migrated_to is not None:
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        if sending and chat.blocked:
            raise _ApiError(403, chat.blocked)
        return chat

    def _admit(self, chat: _Chat) -> None:
        if self._limiter is None:
            return
        retry_after = self._limiter.admit(chat.id, chat.type == "private", self.clock())
        if retry_after is not None:
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def _user(
        self,
        user_id: int,
        language_code: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> dict[str, Any]:
        user = self._users.setdefault(
            user_id,
            {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User {user_id}",
                "username": f"user{user_id}",
            },
        )
        if language_code:
            user["language_code"] = language_code
        if username:
            user["username"] = username
        if first_name:
            user["first_name"] = first_name
        return dict(user)

    def _push_update(self, kind: str, payload: dict[str, Any]) -> int:
        self._last_update_id += 1
        self._updates.append({"update_id": self._last_update_id, kind: payload})
        self._changes.notify()
        return self._last_update_id

    def _message_json(self, chat: _Chat, message: _Message) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat.to_json(),
        }
        if chat.type == "channel":
            body["sender_chat"] = chat.to_json()  # channel posts have no "from"
        elif message.sender is not None:
            body["from"] = message.sender
        if message.text is not None:
            body["text"] = message.text
        if message.entities:
            body["entities"] = message.entities
        if message.reply_markup:
            body["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            body["edit_date"] = message.edit_date
        return {**body, **message.extra}


def _now() -> int:
    return int(time.time())


def _reply_parameters(p: _Params) -> dict[str, Any] | None:
    """``reply_parameters``, or the legacy ``reply_to_message_id`` put in that form."""
    reply = p.obj("reply_parameters")
    if reply is None and p.integer("reply_to_message_id") is not None:
        reply = {
            "message_id": p.integer("reply_to_message_id"),
            "allow_sending_without_reply": p.flag("allow_sending_without_reply"),
        }
    if reply is None:
        return None
    if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
        raise _ApiError(400, "Bad Request: can't parse reply parameters JSON object")
    return reply


def _replied(chat: _Chat, reply: dict[str, Any] | None) -> _Message | None:
    """The message a send replies to; a missing one is refused unless allowed, as Telegram
    does."""
    if reply is None:
        return None
    if reply.get("chat_id") not in (None, chat.id):
        raise _ApiError(400, "Bad Request: replies to other chats are not emulated")
    replied = chat.messages.get(reply["message_id"])
    if replied is None and not reply.get("allow_sending_without_reply"):
        raise _ApiError(400, "Bad Request: message to be replied not found")
    return replied


def _format(
    text: str, parse_mode: str | None, limit: int, what: str, given: Any = None
) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and entities, or the 400 Telegram gives for this text."""
    mode = (parse_mode or "").lower()
    if mode not in {"", "html", "markdown", "markdownv2"}:
        raise _ApiError(400, "Bad Request: unsupported parse_mode")
    visible, entities = text, list[dict[str, Any]]()
    if given:
        # Entities replace the parse mode: Telegram reads the text as it is.
        entities = _checked_entities(text, given)
    elif mode == "html":
        try:
            visible, entities = parse_html(text)
        except HtmlError as exc:
            raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    if not visible.strip():
        raise _ApiError(400, f"Bad Request: {what} is empty")
    if utf16_len(visible) > limit:
        raise _ApiError(400, f"Bad Request: {what.replace(' text', '')} is too long")
    return visible, entities


_ENTITY_TYPES = frozenset(
    {
        *_TAG_ENTITY.values(),
        "expandable_blockquote",
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "text_mention",
        "date_time",
    }
)


def _checked_entities(text: str, given: Any) -> list[dict[str, Any]]:
    """The `entities` parameter as Telegram checks it, or its 400."""

    def refuse(problem: str) -> _ApiError:
        return _ApiError(400, f"Bad Request: can't parse entities: {problem}")

    if not isinstance(given, list):
        raise refuse("entities must be an array")
    size = utf16_len(text)
    checked = []
    for entity in given:
        if not isinstance(entity, dict) or entity.get("type") not in _ENTITY_TYPES:
            raise refuse(f"unsupported entity {entity!r}")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 1:
            raise refuse(f"bad offset or length in {entity!r}")
        if offset + length > size:
            raise refuse(
                f"entity beginning at UTF-16 offset {offset} ends after the end of the text "
                f"at UTF-16 offset {size}"
            )
        url = entity.get("url")
        if entity["type"] == "text_link" and not (
            isinstance(url, str) and re.match(r"(https?|tg)://\S+$", url)
        ):
            raise refuse(f"wrong HTTP URL {url!r}")
        if entity["type"] == "custom_emoji" and not entity.get("custom_emoji_id"):
            raise refuse("custom emoji identifier is not specified")
        checked.append({key: value for key, value in entity.items() if value is not None})
    return sorted(checked, key=lambda e: (e["offset"], -e["length"]))


def _inline_keyboard(markup: Any) -> dict[str, Any] | None:
    # Only inline keyboards stay attached to a message and come back in its JSON.
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
)
_MEMBER_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


def _member_json(status: str, user: dict[str, Any]) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member |= {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False}
        member |= dict.fromkeys(_ADMIN_RIGHTS, True)
    elif status == "restricted":
        member |= {"is_member": True, "until_date": 0} | dict.fromkeys(_MEMBER_RIGHTS, False)
    elif status == "kicked":
        member["until_date"] = 0
    return member


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A started fake with Telegram's default limits, closed after the test."""
    async with await FakeTelegram.start() as fake:
        yield fake
