"""Themes from TOML files: the repo's `themes/` folder (or its installed copy) and the user's
`themes/` folder in the config directory, which may add or override themes by name."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

from textual.theme import Theme

DEFAULT_THEME = "fpconsole-dark"
_THEME_FIELDS = {
    "name",
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "dark",
    "luminosity_spread",
    "text_alpha",
    "ansi",
}


def theme_folders() -> list[Path]:
    from fpconsole.locations import config_dir

    source_checkout = Path(__file__).resolve().parents[2] / "themes"
    installed = Path(sys.prefix) / "share" / "fpconsole" / "themes"
    return [folder for folder in (source_checkout, installed, config_dir() / "themes") if folder.is_dir()]


def theme_from_toml(data: dict[str, Any], source: Path) -> Theme:
    unknown = set(data) - _THEME_FIELDS - {"variables"}
    if unknown:
        raise ValueError(f"{source}: unknown theme keys {', '.join(sorted(unknown))}")
    if "name" not in data or "primary" not in data:
        raise ValueError(f"{source}: a theme needs at least name and primary")
    fields = {key: value for key, value in data.items() if key in _THEME_FIELDS}
    variables = {str(k): str(v) for k, v in data.get("variables", {}).items()}
    return Theme(variables=variables, **fields)


def load_themes() -> tuple[list[Theme], list[str]]:
    """All themes found, later folders overriding earlier ones; plus any problems to report."""
    found: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in theme_folders():
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = theme_from_toml(tomllib.loads(path.read_text(encoding="utf-8")), path)
            except (OSError, ValueError, TypeError) as exc:
                problems.append(str(exc))
                continue
            found[theme.name] = theme
    return list(found.values()), problems
