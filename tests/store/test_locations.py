"""Where files live: platformdirs by default, all under FPCONSOLE_HOME when it is set."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fpconsole import locations


def test_home_override(isolated_home: Path) -> None:
    assert locations.config_dir() == isolated_home / "config"
    assert locations.cache_dir() == isolated_home / "cache"
    assert locations.state_dir() == isolated_home / "state"
    assert locations.config_file() == isolated_home / "config" / "config.toml"
    assert locations.cache_db().name == "cache.sqlite3" and locations.journal_db().name == "journal.sqlite3"
    assert not any(isolated_home.iterdir())  # asking for paths creates nothing


def test_platform_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.delenv("FPCONSOLE_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xc"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xk"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xs"))
    assert locations.config_dir() == Path(platformdirs.user_config_dir("fpconsole", appauthor=False))
    assert locations.cache_dir() == Path(platformdirs.user_cache_dir("fpconsole", appauthor=False))
    assert locations.state_dir() == Path(platformdirs.user_state_dir("fpconsole", appauthor=False))


def test_folders_are_created_private_and_lazily(isolated_home: Path) -> None:
    from fpconsole.store.journal import Journal

    with Journal.open(profile="qa"):
        pass
    state = isolated_home / "state"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "journal.sqlite3").stat().st_mode) == 0o600
    assert not (isolated_home / "cache").exists()


def test_display_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert locations.display_path(tmp_path / ".config" / "x") == "~/.config/x"
    assert locations.display_path("/etc/x") == "/etc/x"
