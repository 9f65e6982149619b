"""Where theme files are found: the built-in ones shipped inside the package (read with
importlib.resources, so any install layout works: --user, --target, pipx, uv, a zip) and the
user's TOML files in `<config dir>/themes`, which may add themes or override one by name.

Textual-free: config validation (`theme = "nope"`) and the CLI use it without loading the console.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

DEFAULT_THEME: Final = "fpconsole-dark"
BUILTIN_PACKAGE: Final = "fpconsole"
BUILTIN_FOLDER: Final = "themes"
# A theme is a few dozen lines; a bigger file is a mistake (or /dev/zero behind a symlink).
MAX_THEME_BYTES: Final = 256 * 1024


@dataclass(frozen=True)
class ThemeTable:
    """One theme file read and parsed; `source` names it in messages."""

    source: str
    data: dict[str, Any]

    @property
    def name(self) -> str | None:
        name = self.data.get("name")
        return name if isinstance(name, str) and name.strip() else None


@dataclass
class ThemeTables:
    tables: list[ThemeTable] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def user_theme_folder() -> Path:
    from fpconsole.locations import config_dir

    return config_dir() / "themes"


def builtin_theme_files() -> list[Traversable]:
    try:
        folder = resources.files(BUILTIN_PACKAGE) / BUILTIN_FOLDER
        files = [entry for entry in folder.iterdir() if entry.name.endswith(".toml") and entry.is_file()]
    except (OSError, ModuleNotFoundError):
        return []
    return sorted(files, key=lambda entry: entry.name)


def user_theme_files() -> list[Path]:
    folder = user_theme_folder()
    try:
        # is_file() leaves out FIFOs and devices, which would block or never end when read.
        return sorted(path for path in folder.glob("*.toml") if path.is_file())
    except OSError:
        return []


def _read(entry: Traversable, source: str) -> dict[str, Any]:
    with entry.open("rb") as stream:
        raw = stream.read(MAX_THEME_BYTES + 1)
    if len(raw) > MAX_THEME_BYTES:
        raise ValueError(f"{source}: larger than {MAX_THEME_BYTES // 1024} KiB, not a theme")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{source}: not UTF-8 text ({exc.reason})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: {exc}") from None
    except RecursionError:
        raise ValueError(f"{source}: nested too deeply") from None


def read_theme_tables() -> ThemeTables:
    """Every theme file, built-in first then the user's (so a user theme overrides by name);
    a file that cannot be read or parsed becomes a problem line, never an exception."""
    found = ThemeTables()
    entries: list[tuple[Traversable, str]] = [
        (entry, f"built-in theme {entry.name}") for entry in builtin_theme_files()
    ]
    entries += [(path, str(path)) for path in user_theme_files()]
    for entry, source in entries:
        try:
            table = ThemeTable(source, _read(entry, source))
        except (OSError, ValueError) as exc:
            found.problems.append(str(exc) if isinstance(exc, ValueError) else f"{source}: {exc}")
            continue
        if table.name is None:
            found.problems.append(f"{source}: a theme needs a name")
            continue
        found.tables.append(table)
    return found


def available_theme_names() -> list[str]:
    """Names a profile or `--theme` may use: the built-in themes and the user's, sorted, each once."""
    return sorted({table.name for table in read_theme_tables().tables if table.name})
