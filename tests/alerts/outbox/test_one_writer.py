"""The outbox table has one writer: no module outside `alerts/outbox` inserts, updates,
deletes or builds an `OutboxEntry`, nor writes the table in SQL text. Reading it elsewhere
(history, search) is fine; migrations change its data with its schema, as history."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]
PACKAGES = ("alerts", "bot", "monitors", "rules")
WRITER = PROJECT / "alerts" / "outbox"
MIGRATIONS = PROJECT / "alerts" / "store" / "migrations"
MODEL = "OutboxEntry"
WRITES = frozenset({"insert", "update", "delete"})
SQL_WRITE = re.compile(r"\b(?:insert\s+into|update|delete\s+from)\s+\"?outbox\b", re.IGNORECASE)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def outbox_writes(source: str) -> list[int]:
    """Lines of `source` that write the outbox: its model, or the table in SQL text."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = _name(node.func)
            built = called == MODEL
            written = called in WRITES and bool(node.args) and _name(node.args[0]) == MODEL
            if built or written:
                lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and SQL_WRITE.search(str(node.value)):
            lines.append(node.lineno)
    return sorted(lines)


def test_the_scan_finds_each_kind_of_write() -> None:
    source = (
        "from sqlalchemy import delete, insert, update\n"
        "import sqlalchemy as sa\n"
        "session.add(OutboxEntry(chat_id=1))\n"
        "update(OutboxEntry).values(state='sent')\n"
        "sa.insert(models.OutboxEntry)\n"
        "delete(OutboxEntry)\n"
        "select(OutboxEntry).where(OutboxEntry.id == 1)\n"
        "text('UPDATE outbox SET state = 1')\n"
        "text('SELECT * FROM outbox')\n"
    )
    assert outbox_writes(source) == [3, 4, 5, 6, 8]


def test_only_alerts_outbox_writes_the_outbox() -> None:
    found = []
    for package in PACKAGES:
        for path in sorted((PROJECT / package).rglob("*.py")):
            if path.is_relative_to(WRITER) or path.is_relative_to(MIGRATIONS):
                continue
            found += [
                f"{path.relative_to(PROJECT)}:{line}"
                for line in outbox_writes(path.read_text(encoding="utf-8"))
            ]
    assert found == []
