"""The reliability suite's figures: each scenario records what it measured, printed as a table.

The slow scenarios (marked ``reliability``) run through the real `lookout run` with the
fake Bot API and web server; `make reliability` runs them and prints the table at the
end. The fast part (fuzzing, the authorization matrix) runs with the normal tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter


@dataclass
class Figures:
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, scenario: str, figure: str, value: object) -> None:
        self.rows.append((scenario, figure, str(value)))


_FIGURES = Figures()


@pytest.fixture
def figures() -> Figures:
    return _FIGURES


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not _FIGURES.rows:
        return
    widths = [
        max(len(row[i]) for row in [("scenario", "figure", "value"), *_FIGURES.rows])
        for i in range(3)
    ]
    terminalreporter.section("reliability figures")
    for row in [("scenario", "figure", "value"), *_FIGURES.rows]:
        terminalreporter.write_line(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        )
