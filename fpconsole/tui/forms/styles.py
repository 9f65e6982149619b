"""The forms' styles, kept in .tcss files next to their code (packaged with them).

Read into a class's DEFAULT_CSS rather than named in CSS_PATH: a CSS_PATH stylesheet is the
app's and outranks every widget's defaults, so the form's rules would start winning over the
app's own (app.tcss) and the themes; as DEFAULT_CSS they rank exactly as the inline blocks did.
"""

from __future__ import annotations

from importlib.resources import files


def default_css(name: str) -> str:
    """The text of `name`, a .tcss file in this package."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")
