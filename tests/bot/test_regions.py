"""/regions QUERY and `lookout regions [QUERY]`: region keys by any name, in one's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers.regions import MAX_LINES
from tests.bot.conftest import marked
from tests.e2e.process import LookoutProcess, run_command

if TYPE_CHECKING:
    from pathlib import Path


async def test_regions_finds_the_key_by_a_russian_adjective(conversation) -> None:
    answer = await conversation.ask(5, "/regions курская")
    assert answer.visible_text == "region:kursk — Kursk Oblast"
    assert marked(answer, "code") == ["region:kursk"]


async def test_regions_answers_in_the_askers_language(conversation) -> None:
    assert "Курская область" in await conversation.say(6, "/regions Курська", language_code="ru")
    assert "Харківська область" in await conversation.say(7, "/regions харк", language_code="uk")


async def test_an_unknown_name_still_lists_the_closest_keys(conversation) -> None:
    answer = await conversation.ask(5, "/regions nowhere")
    lines = answer.visible_text.splitlines()
    assert 1 < len(lines) <= 5
    assert [line.split(" — ")[0] for line in lines] == marked(answer, "code")
    assert all(line.startswith("region:") for line in lines)


async def test_a_broad_query_is_cut_short_with_a_hint(conversation) -> None:
    lines = (await conversation.say(5, "/regions обл")).splitlines()
    assert len(lines) == MAX_LINES + 1
    assert "more regions" in lines[-1]


async def test_regions_without_a_query_says_how(conversation) -> None:
    answer = await conversation.say(8, "/regions", language_code="uk")
    assert "/regions курская" in answer
    assert "Напишіть" in answer


async def test_lookout_regions_prints_keys_with_names(tmp_path: Path) -> None:
    # The real process: main() configures logging for the whole interpreter.
    env = LookoutProcess.environment(tmp_path)
    code, out, _err = await run_command(tmp_path, env, "regions", "--lang", "ru", "kursk oblast")
    assert (code, out) == (0, "kursk\tКурская область\n")
    code, out, _err = await run_command(tmp_path, env, "regions")
    lines = out.splitlines()
    assert code == 0
    assert len(lines) == 117
    assert "kharkiv\tKharkiv Oblast" in lines
