"""`lookout check` and `lookout sources` as an operator runs them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.e2e.process import LOOKOUT, LookoutProcess, run_command

if TYPE_CHECKING:
    from pathlib import Path


async def _lookout(tmp_path: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(LOOKOUT),
        *args,
        cwd=tmp_path,
        env=LookoutProcess.environment(tmp_path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate((stdin or "").encode()), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_check_matches_text_given_as_argument(tmp_path: Path) -> None:
    code, out, err = await _lookout(tmp_path, "check", "drone", "Two drones shot down overnight")
    assert code == 0, err
    (line,) = out.splitlines()
    result = json.loads(line)
    assert result["matched"] is True
    assert set(result) == {"id", "matched", "terms", "regions", "topics"}


async def test_check_reads_json_lines_and_answers_each(tmp_path: Path) -> None:
    posts = [
        {"id": "a", "text": "Беспилотники атаковали подстанцию"},
        {"id": "b", "text": "Погода: дождь"},
    ]
    stdin = "\n".join(json.dumps(post, ensure_ascii=False) for post in posts)
    code, out, err = await _lookout(tmp_path, "check", "беспилотник", stdin=stdin)
    assert code == 0, err
    results = [json.loads(line) for line in out.splitlines()]
    assert [(r["id"], r["matched"]) for r in results] == [("a", True), ("b", False)]


async def test_check_bad_rule_exits_2_with_the_parsers_message(tmp_path: Path) -> None:
    code, out, err = await _lookout(tmp_path, "check", '"unclosed quote', "text")
    assert code == 2
    assert out == ""
    assert "quote" in err


async def test_check_bad_json_line_exits_2(tmp_path: Path) -> None:
    code, _out, err = await _lookout(tmp_path, "check", "drone", stdin="not json\n")
    assert code == 2
    assert "line 1" in err


async def test_sources_add_refuses_a_malformed_source(tmp_path: Path) -> None:
    env = LookoutProcess.environment(tmp_path)
    code, _out, err = await run_command(tmp_path, env, "sources", "add", "ftp://example.org/x")
    assert code == 1
    assert "cannot add" in err
    code, out, _err = await run_command(tmp_path, env, "sources", "list")
    assert (code, out) == (0, "")


async def test_dedup_names_the_first_post_of_each_story(tmp_path: Path) -> None:
    event = (
        "Над Курской областью силами ПВО уничтожены три беспилотника. Пострадавших нет, "
        "на месте работают оперативные службы."
    )
    posts = [
        {
            "id": "g1",
            "source": "@kursk_gov",
            "text": event,
            "url": "https://t.me/kursk_gov/1",
            "published_at": "2026-05-01T10:00:00Z",
        },
        {
            "id": "m7",
            "source": "@monitor",
            "text": "⚡️Срочно: " + event,
            "url": "https://t.me/monitor/7",
            "published_at": "2026-05-01T10:03:00Z",
        },
        {
            "id": "w1",
            "source": "@weather",
            "text": "Завтра в Курске дождь и до +12.",
            "url": None,
            "published_at": "2026-05-01T10:04:00Z",
        },
    ]
    stdin = "\n".join(json.dumps(post, ensure_ascii=False) for post in posts)
    code, out, err = await _lookout(tmp_path, "dedup", stdin=stdin)
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [
        {"id": "g1", "story": "g1"},
        {"id": "m7", "story": "g1"},
        {"id": "w1", "story": "w1"},
    ]


async def test_dedup_refuses_a_post_without_a_date(tmp_path: Path) -> None:
    line = json.dumps({"id": 1, "source": "a", "text": "x", "url": None})
    code, _out, err = await _lookout(tmp_path, "dedup", stdin=line)
    assert code == 2
    assert "published_at" in err


@pytest.mark.parametrize("command", [["check", "дрон", "Сбит дрон"], ["--help"]])
def test_quick_commands_never_import_the_service(command: list[str]) -> None:
    # aiogram, SQLAlchemy and the story code cost seconds to import; `check` needs none.
    probe = (
        "import sys, contextlib, io\n"
        "from bot.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({command!r})\n"
        "heavy = ('aiogram', 'sqlalchemy', 'datasketch', 'alembic', 'apscheduler', 'httpx')\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & set(heavy)))\n"
    )
    result = subprocess.run(  # noqa: S603  # this interpreter, a fixed script
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


async def test_a_refused_source_is_reported_once_with_a_short_url(tmp_path: Path) -> None:
    env = LookoutProcess.environment(tmp_path)
    long_url = "ftp://example.org/" + "x" * 300
    code, _out, err = await run_command(tmp_path, env, "sources", "add", long_url)
    assert code == 1
    assert err.count("cannot add") == 1
    assert long_url not in err
