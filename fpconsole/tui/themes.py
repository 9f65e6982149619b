"""Textual themes from the TOML files `fpconsole.theme_files` finds: the built-in ones shipped in
the package and the user's `themes/` folder in the config directory (which may add or override
themes by name). A broken file is reported, never raised: the console starts with what is left."""

from __future__ import annotations

import re
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from fpconsole.theme_files import DEFAULT_THEME, read_theme_tables

__all__ = ["DEFAULT_THEME", "load_themes", "theme_from_toml"]

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


def theme_from_toml(data: dict[str, Any], source: str) -> Theme:
    unknown = set(data) - _THEME_FIELDS - {"variables"}
    if unknown:
        raise ValueError(f"{source}: unknown theme keys {', '.join(sorted(unknown))}")
    if "name" not in data or "primary" not in data:
        raise ValueError(f"{source}: a theme needs at least name and primary")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError(f"{source}: [variables] must be a table")
    fields = {key: value for key, value in data.items() if key in _THEME_FIELDS}
    for name, value in variables.items():
        _check_variable(str(name), value, source)
    theme = Theme(variables={str(k): str(v) for k, v in variables.items()}, **fields)
    # Textual parses colours only when the theme is applied, deep inside a refresh; a bad one
    # must be caught here, where it can still be reported and left out.
    theme.to_color_system()
    return theme


def _check_variable(name: str, value: object, source: str) -> None:
    """A bad variable is found only when Textual builds the CSS with it, and there it stopped
    the console from starting: check it here. Colours, `$other`, either with an alpha percentage
    ("$primary 30%"); `*-text-style` takes style words."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{source}: variables.{name} must be a non-empty string")
    text = value.strip()
    if name.endswith("text-style"):
        if not re.fullmatch(r"[a-z]+( [a-z]+)*", text):
            raise ValueError(f"{source}: variables.{name} = {value!r} is not a text style (bold, italic…)")
        return
    colour = re.sub(r"\s+\d{1,3}(\.\d+)?%$", "", text)
    if re.fullmatch(r"\$[a-z][a-z0-9-]*", colour):
        return
    try:
        Color.parse(colour)
    except ColorParseError:
        raise ValueError(f"{source}: variables.{name} = {value!r} is not a colour") from None


def load_themes() -> tuple[list[Theme], list[str]]:
    """All themes found, the user's overriding built-in ones by name; plus any problems to report."""
    found: dict[str, Theme] = {}
    read = read_theme_tables()
    problems = list(read.problems)
    for table in read.tables:
        try:
            theme = theme_from_toml(table.data, table.source)
        except Exception as exc:  # a theme's bad value must never stop the console
            problems.append(str(exc) if str(exc).startswith(table.source) else f"{table.source}: {exc}")
            continue
        found[theme.name] = theme
    if DEFAULT_THEME not in found:
        # The install lost its theme files: the console still starts, in a plain dark theme.
        found[DEFAULT_THEME] = fallback_theme()
        problems.append(
            f"the built-in theme {DEFAULT_THEME} is missing from this install; using a plain fallback"
        )
    return list(found.values()), problems


def fallback_theme() -> Theme:
    """fpconsole-dark's main colours, in code (the kind badges use the app's variable defaults)."""
    return Theme(
        name=DEFAULT_THEME,
        dark=True,
        primary="#4ea1ff",
        secondary="#8b9cff",
        accent="#ffb454",
        foreground="#d7dde8",
        background="#11151c",
        surface="#181d26",
        panel="#222a36",
        success="#5fd38d",
        warning="#f2c14e",
        error="#ff6b6b",
    )
