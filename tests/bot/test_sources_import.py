"""`lookout sources import FILE` as an operator runs it, and the shipped example file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.sourcefile import SourceFileError, read_sources_file
from monitors.locator import parse_source
from tests.e2e.process import LookoutProcess, run_command
from tests.fakes.channel import ChannelPost, channel_page
from tests.fakes.feeds import rss

if TYPE_CHECKING:
    from tests.fakes.web import FakeWeb

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "sources.example.yaml"


def _sources_file(tmp_path: Path, fake_web: FakeWeb) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        f"  - source: {fake_web.url('/feed.xml')}\n"
        "    name: Border News\n"
        "  - '@kursk_gov'\n"
        f"  - source: {fake_web.url('/gone.xml')}\n"
        "    note: answers 404 today\n",
        encoding="utf-8",
    )
    return path


async def test_import_twice_keeps_each_source_once_and_reports_the_unreachable(
    tmp_path: Path, fake_web: FakeWeb
) -> None:
    now = datetime.now(UTC)
    item = {"guid": "a", "title": "Old", "link": "https://news.example/a", "pub_date": now}
    fake_web.serve("/feed.xml", rss([item], title="Border News"))
    fake_web.serve(
        "/s/kursk_gov", channel_page("kursk_gov", "Губернатор", [ChannelPost(1, "Hi", now)])
    )
    env = LookoutProcess.environment(tmp_path, telegram_web_url=fake_web.base_url)
    path = _sources_file(tmp_path, fake_web)

    code, out, err = await run_command(tmp_path, env, "sources", "import", str(path))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3
    assert "added" in lines[0]
    assert "added" in lines[1]
    assert lines[2].startswith("-\t")
    assert "/gone.xml" in lines[2]
    assert "2 of 3 sources are in; 1 could not be added now" in err

    fake_web.serve("/gone.xml", rss([item], title="Back"))
    code, out, err = await run_command(tmp_path, env, "sources", "import", str(path))
    assert code == 0, err
    outcomes = [line.split("\t")[2] for line in out.splitlines()]
    assert outcomes[:2] == ["already there", "already there"]
    assert outcomes[2].startswith("added")

    code, out, _ = await run_command(tmp_path, env, "sources", "list")
    assert code == 0
    locators = [line.split("\t")[3] for line in out.splitlines()]
    assert sorted(locators) == sorted(
        [fake_web.url("/feed.xml"), "kursk_gov", fake_web.url("/gone.xml")]
    )


async def test_a_malformed_file_exits_2_and_adds_nothing(tmp_path: Path) -> None:
    env = LookoutProcess.environment(tmp_path)
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - source: 12\n", encoding="utf-8")
    code, _out, err = await run_command(tmp_path, env, "sources", "import", str(path))
    assert code == 2
    assert "source 1" in err
    code, out, _ = await run_command(tmp_path, env, "sources", "list")
    assert (code, out) == (0, "")


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("- a\n", '"sources:" list'),
        ("sources: [[1]]\n", "source 1"),
        ("sources: [https://a.example/, {name: x}]\n", "source 2"),
        ("sources: [\n", "not YAML"),
    ],
)
def test_the_file_names_what_is_wrong(tmp_path: Path, text: str, fault: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceFileError, match=fault):
        read_sources_file(path)


def test_the_example_file_lists_only_sources_lookout_accepts() -> None:
    texts = read_sources_file(EXAMPLE)
    refs = [parse_source(text) for text in texts]
    assert len({ref.locator.lower() for ref in refs}) == len(refs)
    channels = {ref.locator.lower() for ref in refs if ref.kind == "channel"}
    feeds = [ref for ref in refs if ref.kind == "feed"]
    assert channels
    assert feeds
