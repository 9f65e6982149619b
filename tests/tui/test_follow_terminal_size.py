"""Exported LINES and COLUMNS are dropped when the console runs in a terminal: Textual reads its
size from them first on every resize, so the console kept painting the size it started at."""

from __future__ import annotations

import io
import os
import sys

import pytest

from fpconsole.tui.launch import follow_terminal_size


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_terminal_lines_and_columns_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINES", "30")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(sys, "__stdout__", Terminal())
    follow_terminal_size()
    assert "LINES" not in os.environ and "COLUMNS" not in os.environ


def test_without_a_terminal_they_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINES", "30")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(sys, "__stdout__", io.StringIO())
    follow_terminal_size()
    assert os.environ["LINES"] == "30" and os.environ["COLUMNS"] == "100"
