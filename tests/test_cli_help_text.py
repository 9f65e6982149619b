"""Every `--help` page of the CLI, walked through the argparse tree: what the user reads is the
text as meant, with no `%%` left over from %-escaping (argparse %-formats arguments' help, but
prints a description or an epilog as written)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from fpconsole import cli
from fpconsole.sandbox import serve


def _parsers(
    parser: argparse.ArgumentParser, words: tuple[str, ...]
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield " ".join(words), parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, (*words, name))


def _all_parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    found = list(_parsers(cli.build_parser(), ("fpconsole",)))
    # `sandbox serve` hands its words to a parser of its own.
    found.append(("fpconsole sandbox serve (own parser)", serve.build_parser()))
    return found


def test_the_walk_reaches_the_nested_subcommands() -> None:
    names = {name for name, _ in _all_parsers()}
    assert {"fpconsole", "fpconsole sandbox faults set", "fpconsole sandbox clock advance"} <= names


@pytest.mark.parametrize(("words", "parser"), _all_parsers(), ids=[words for words, _ in _all_parsers()])
def test_no_help_page_shows_a_doubled_percent_sign(words: str, parser: argparse.ArgumentParser) -> None:
    text = parser.format_help()
    assert "%%" not in text, f"{words} --help shows '%%':\n{text}"


def test_faults_set_help_shows_rates_with_one_percent_sign(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["sandbox", "faults", "set", "--help"])
    assert stopped.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "0%-100%" in out
    assert "--error-rate 10% --method card.block" in out
