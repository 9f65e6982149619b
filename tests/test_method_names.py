"""Method names are spelled once (`fpconsole.api.names.MethodName`): a name written as a string
anywhere else in the package is a second spelling that a rename would miss."""

from __future__ import annotations

import ast
from pathlib import Path

import fpconsole
from fpconsole.api.methods import REGISTRY
from fpconsole.api.names import MethodName

PACKAGE = Path(fpconsole.__file__).parent
NAMES_MODULE = PACKAGE / "api" / "names.py"
NAMES = frozenset(name.value for name in MethodName)


def literals_in(source: str) -> list[tuple[int, str]]:
    """(line, name) of every string constant that is exactly a method name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
            found.append((node.lineno, node.value))
    return sorted(found)


def test_no_method_name_is_written_as_a_string_outside_the_registry() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name!r} (use MethodName.{MethodName(name).name})"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != NAMES_MODULE
        for line, name in literals_in(path.read_text(encoding="utf-8"))
    ]
    assert not found, "method names written as strings:\n" + "\n".join(found)


def test_the_check_finds_a_literal_and_leaves_prose_alone() -> None:
    source = 'a = "card.block"\nb = f"card.block: {x}"\n"""Blocks with card.block."""\nc = "client.phone"\n'
    assert literals_in(source) == [(1, "card.block")]


def test_the_names_are_the_registrys() -> None:
    assert {name for name, _title, _method in REGISTRY.listing()} == NAMES
