"""aiogram imported with its models built on first use reads and writes Telegram's JSON as
an ordinary import does (`bot.telegram_models`)."""

from __future__ import annotations

import json
import subprocess
import sys

from aiogram.methods import EditMessageText, SendMessage
from aiogram.methods.base import Response
from aiogram.types import LinkPreviewOptions, MessageEntity, ReplyParameters, Update

UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 12,
        "date": 1767225600,
        "chat": {"id": -100500, "type": "supergroup", "title": "Сумы"},
        "from": {"id": 42, "is_bot": False, "first_name": "Олена", "language_code": "uk"},
        "text": "/watch дрон region:sumy",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "reply_to_message": {
            "message_id": 11,
            "date": 1767225500,
            "chat": {"id": -100500, "type": "supergroup"},
            "text": "earlier",
        },
    },
}

# Runs in a fresh interpreter: this test process has imported aiogram the ordinary way.
PROBE = """
import json, sys
from bot.telegram_models import import_aiogram
import_aiogram()
from aiogram.methods import EditMessageText, SendMessage
from aiogram.methods.base import Response
from aiogram.types import LinkPreviewOptions, MessageEntity, ReplyParameters, Update
deferred = not Update.__pydantic_complete__ and not SendMessage.__pydantic_complete__
update = Response[list[Update]].model_validate({"ok": True, "result": [json.loads(sys.argv[1])]})
print(json.dumps({
    "deferred": deferred,
    "update": update.result[0].model_dump(mode="json", exclude_none=True),
    "send": SendMessage(
        chat_id=-100500, text="Дрон", entities=[MessageEntity(type="bold", offset=0, length=4)],
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_parameters=ReplyParameters(message_id=12),
    ).model_dump(warnings=False),
    "edit": EditMessageText(chat_id=1, message_id=2, text="x").model_dump(warnings=False),
}, default=repr))
"""


def test_lazily_built_models_read_and_write_as_eager_ones() -> None:
    found = subprocess.run(  # noqa: S603 -- this interpreter, a fixed script
        [sys.executable, "-c", PROBE, json.dumps(UPDATE)],
        capture_output=True,
        text=True,
        check=True,
    )
    lazy = json.loads(found.stdout)

    update = Response[list[Update]].model_validate({"ok": True, "result": [UPDATE]})
    send = SendMessage(
        chat_id=-100500,
        text="Дрон",
        entities=[MessageEntity(type="bold", offset=0, length=4)],
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_parameters=ReplyParameters(message_id=12),
    )
    edit = EditMessageText(chat_id=1, message_id=2, text="x")
    assert lazy["deferred"] is True
    assert lazy["update"] == update.result[0].model_dump(mode="json", exclude_none=True)  # type: ignore[index]
    assert lazy["update"]["message"]["from_user"]["language_code"] == "uk"
    # As aiogram's session reads a method before sending it; its defaults are objects.
    assert lazy["send"] == json.loads(json.dumps(send.model_dump(warnings=False), default=repr))
    assert lazy["edit"] == json.loads(json.dumps(edit.model_dump(warnings=False), default=repr))
    assert lazy["send"]["text"] == "Дрон"
    assert lazy["send"]["entities"][0]["type"] == "bold"
