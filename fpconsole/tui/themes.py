"""Textual themes from the TOML files `fpconsole.theme_files` finds: the built-in ones shipped in
the package and the user's `themes/` folder in the config directory (which may add or override
themes by name). A broken file is reported, never raised: the console starts with what is left."""

from __future__ import annotations

import re
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from fpconsole.theme_files import DEFAULT_THEME, read_theme_tables, user_theme_folder

__all__ = ["DEFAULT_THEME", "load_themes", "theme_from_toml", "unusable_theme_problems"]

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


def unusable_theme_problems(wanted: str, usable: list[str], problems: list[str]) -> list[str]:
    """The problems to tell when the chosen theme cannot be used: first one line saying so, with
    the error of the file that was meant to hold it (found by its name inside or its file name,
    since a file that does not parse has no name) and the themes there are, built-in and the
    user's; then the other problems, without the one already said."""
    from pathlib import Path

    from fpconsole.locations import display_path

    read = read_theme_tables()
    sources = {table.source for table in read.tables if table.name == wanted}
    user_names = sorted(
        {table.name for table in read.tables if table.name and not table.source.startswith("built-in ")}
    )
    built_in = sorted(name for name in usable if name not in user_names)

    def is_its_file(problem: str) -> bool:
        source = problem.split(": ", 1)[0]
        return source in sources or Path(source).stem == wanted

    its = [problem for problem in problems if is_its_file(problem)]
    line = f"theme {wanted!r} is not a known or usable theme; using {DEFAULT_THEME}"
    if its:
        line += f" — {'; '.join(its)}"
    mine = [name for name in user_names if name in usable]
    line += (
        f" (built-in: {', '.join(built_in)}; yours in {display_path(user_theme_folder())}: "
        f"{', '.join(mine) or 'none'})"
    )
    return [line, *(problem for problem in problems if problem not in its)]
