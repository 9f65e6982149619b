"""Every test runs with its own FPCONSOLE_HOME, so nothing reads or writes the developer's real
config, cache or journal, and parallel workers never share files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "fpconsole-home"
    home.mkdir()
    monkeypatch.setenv("FPCONSOLE_HOME", str(home))
    monkeypatch.setenv("FPCONSOLE_USER_HOST", "qa@jumphost")
    monkeypatch.setenv("FPCONSOLE_SANDBOX_DELAY", "0")
    monkeypatch.delenv("NO_COLOR", raising=False)
    # A developer's own default profile or config file must not reach the tests.
    monkeypatch.delenv("FPCONSOLE_PROFILE", raising=False)
    monkeypatch.delenv("FPCONSOLE_CONFIG", raising=False)
    yield home
