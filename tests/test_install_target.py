"""The wheel installed with `pip install --target` (data files outside sys.prefix, as with
--user and some pipx/uv layouts) starts the console with its themes (issue 12, item 21): they
are package data read with importlib.resources. Before, the themes were looked up under
sys.prefix/share and the app died at start with an AssertionError inside Textual. An install
that lost a theme file still starts, in a fallback theme, saying so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PIP_TIMEOUT = 300  # a loaded CI box; building takes ~10 s

START = """
import asyncio, json, sys
import fpconsole
from fpconsole.tui.app import ConsoleContext, FpConsoleApp

async def main() -> None:
    app = FpConsoleApp(ConsoleContext(user_host="qa@jumphost", start_backend=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(json.dumps({
            "package": fpconsole.__file__,
            "theme": app.theme,
            "themes": sorted(app.available_themes),
            "problems": app.theme_problems,
            "notified": [str(n.message) for n in app._notifications],
        }))

asyncio.run(main())
"""


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def start_console(target: Path, home: Path, cwd: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(target), "FPCONSOLE_HOME": str(home)}
    lines = run(sys.executable, "-c", START, cwd=cwd, env=env).strip().splitlines()
    found: dict[str, object] = json.loads(lines[-1])
    return found


def test_the_wheel_installed_with_target_starts_with_its_themes(tmp_path: Path) -> None:
    # Built from a copy: setuptools writes build/ and egg-info next to the sources.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "fpconsole", source / "fpconsole", ignore=shutil.ignore_patterns("__pycache__"))
    wheels, target, home = tmp_path / "wheels", tmp_path / "target", tmp_path / "home"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    run(*pip, "wheel", "--no-deps", "-w", str(wheels), ".", cwd=source)
    [wheel] = wheels.glob("fpconsole-*.whl")
    run(*pip, "install", "--no-deps", "--target", str(target), str(wheel), cwd=tmp_path)
    assert not (target / "share").exists()  # nothing relies on data files any more

    started = start_console(target, home, tmp_path)
    assert str(started["package"]).startswith(str(target))  # the installed copy, not the checkout
    assert started["theme"] == "fpconsole-dark"
    assert started["themes"] == ["fpconsole-16", "fpconsole-dark", "fpconsole-light"]
    assert started["problems"] == [] and started["notified"] == []

    # A damaged install: the default theme's file is gone. The console starts, and says so.
    (target / "fpconsole" / "themes" / "fpconsole-dark.toml").unlink()
    started = start_console(target, home, tmp_path)
    assert started["theme"] == "fpconsole-dark"
    assert any("missing from this install" in str(line) for line in started["notified"])  # type: ignore[union-attr]
