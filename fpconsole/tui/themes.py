"""Textual themes from the TOML files `fpconsole.theme_files` finds: the built-in ones shipped in
the package and the user's `themes/` folder in the config directory (which may add or override
themes by name). A broken file is reported, never raised: the console starts with what is left."""

from __future__ import annotations

from typing import Any

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
    theme = Theme(variables={str(k): str(v) for k, v in variables.items()}, **fields)
    # Textual parses colours only when the theme is applied, deep inside a refresh; a bad one
    # must be caught here, where it can still be reported and left out.
    theme.to_color_system()
    return theme


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
    return list(found.values()), problems
