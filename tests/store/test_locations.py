"""Where files live: platformdirs by default, all under FPCONSOLE_HOME when it is set."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
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


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The widest umask: modes must come from fpconsole, not from the shell's umask."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_home_and_every_local_state_file_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    from fpconsole.store.cache import EntityCache
    from fpconsole.store.drafts import DraftStore
    from fpconsole.store.journal import Journal

    home = tmp_path / "not-yet" / "fp-home"
    monkeypatch.setenv("FPCONSOLE_HOME", str(home))
    with (
        Journal.open(profile="qa"),
        EntityCache.open(profile="qa"),
        DraftStore.open(),
    ):
        # While open, SQLite's companions exist too: they hold the same rows.
        files = [folder / name for folder in (home / "state", home / "cache") for name in os.listdir(folder)]
        assert {f.name for f in files} >= {
            "journal.sqlite3",
            "journal.sqlite3-wal",
            "journal.sqlite3-shm",
            "drafts.sqlite3",
            "cache.sqlite3",
            "cache.sqlite3-wal",
        }
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    # Every folder fpconsole created, the FPCONSOLE_HOME root and its missing parent included.
    for folder in (tmp_path / "not-yet", home, home / "state", home / "cache"):
        assert _mode(folder) == 0o700, folder


def test_an_existing_loose_database_is_made_private(isolated_home: Path) -> None:
    from fpconsole.store.journal import Journal

    state = isolated_home / "state"
    state.mkdir(mode=0o700)
    with Journal.open(profile="qa"):
        pass
    journal = state / "journal.sqlite3"
    journal.chmod(0o644)  # as an older fpconsole, a copy or `sqlite3` by hand may leave it
    with Journal.open(profile="qa"):
        for path in state.iterdir():
            assert _mode(path) == 0o600, path
