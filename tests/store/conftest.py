"""Stores opened in the test's own folder (parallel workers never share a file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_events import Clock

from fpconsole.store.cache import EntityCache
from fpconsole.store.journal import Journal


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[EntityCache]:
    with EntityCache.open(tmp_path / "cache.sqlite3", profile="qa") as opened:
        yield opened


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal.open(tmp_path / "journal.sqlite3", profile="qa") as opened:
        yield opened
