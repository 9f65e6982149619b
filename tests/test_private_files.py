"""Exports and screenshots are private whatever the umask (they hold names, phone numbers and
masked PANs), and a config/cache/state folder of fpconsole's own left group- or world-readable is
made 0700 again; a folder of the user's (FPCONSOLE_HOME itself, a --folder of their choosing) is
left as its owner set it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fpconsole import exports
from fpconsole.locations import cache_dir, config_dir, ensure_private_dir, sandbox_dir, state_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common default: new folders 0755 and files 0644 unless the code says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def new_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "not-yet" / "home"
    monkeypatch.setenv("FPCONSOLE_HOME", str(home))
    return home


def test_an_export_into_a_fresh_home_is_private_all_the_way(loose_umask: None, new_home: Path) -> None:
    path = exports.write_export("a,b\n", "statement", "csv")
    assert path.parent == new_home / "state" / "exports"
    assert mode(path) == 0o600
    for folder in (path.parent, new_home / "state", new_home, new_home.parent):
        assert mode(folder) == 0o700, folder


class FakeApp:
    """What save_masked_screenshot asks of the app."""

    def __init__(self) -> None:
        self.hidden = False

    def hide_secrets(self) -> None:
        self.hidden = True

    def screenshot_folder(self) -> Path:
        return state_dir() / "screenshots"

    def export_screenshot(self, title: str) -> str:
        return "<svg>4400430000000015</svg>"


def test_a_screenshot_is_private_all_the_way(loose_umask: None, new_home: Path) -> None:
    from fpconsole.tui.screenshot import save_masked_screenshot

    app = FakeApp()
    path = save_masked_screenshot(app)  # type: ignore[arg-type]
    assert app.hidden
    assert path.parent == new_home / "state" / "screenshots"
    assert mode(path) == 0o600
    for folder in (path.parent, new_home / "state", new_home):
        assert mode(folder) == 0o700, folder
    assert "4400430000000015" not in path.read_text()


@pytest.mark.parametrize("which", [config_dir, cache_dir, state_dir, sandbox_dir], ids=lambda f: f.__name__)
def test_a_loose_folder_of_fpconsoles_own_is_tightened(isolated_home: Path, which: Any) -> None:
    folder: Path = which()
    folder.mkdir(mode=0o755)
    folder.chmod(0o775)
    isolated_home.chmod(0o755)  # the user's own folder: theirs to set
    ensure_private_dir(folder)
    assert mode(folder) == 0o700
    assert mode(isolated_home) == 0o755


def test_a_loose_exports_folder_and_state_folder_are_tightened(isolated_home: Path) -> None:
    exports_folder = state_dir() / "exports"
    exports_folder.mkdir(parents=True)
    for folder in (exports_folder, state_dir(), isolated_home):
        folder.chmod(0o755)
    exports.write_export("a\n", "clients", "csv")
    assert mode(exports_folder) == 0o700 and mode(state_dir()) == 0o700
    assert mode(isolated_home) == 0o755


def test_a_folder_of_the_users_is_left_alone(tmp_path: Path) -> None:
    theirs = tmp_path / "reports"
    theirs.mkdir()
    theirs.chmod(0o755)
    ensure_private_dir(theirs)
    exports.write_export("a\n", "clients", "csv", folder=theirs)
    assert mode(theirs) == 0o755
