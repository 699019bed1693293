"""Fixtures for the monitors tests: the fake web server and the shared fixture folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.web import fake_web

__all__ = ["fake_web"]

# parents[2] is the repository; the shared fixtures sit beside it, never inside.
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
OWN_FIXTURES = Path(__file__).resolve().parents[1] / "data" / "monitors"


def shared_fixture_dir(name: str) -> Path:
    """``../shared/fixtures/<name>``, or skip the test when it is absent."""
    folder = SHARED_FIXTURES / name
    if not folder.is_dir():
        pytest.skip(f"shared fixtures not present: {folder}")
    return folder
