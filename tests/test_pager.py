"""$PAGER that cannot run is named (the console then shows the text itself)."""

from __future__ import annotations

from fpconsole.pager import unusable_pager


def test_a_pager_that_cannot_run_is_named_and_a_usable_or_unset_one_is_not() -> None:
    assert unusable_pager({}) is None
    assert unusable_pager({"PAGER": "  "}) is None
    assert unusable_pager({"PAGER": "cat"}) is None
    said = unusable_pager({"PAGER": "/nonexistent/pager -R"})
    assert said is not None and "/nonexistent/pager is not a program found on PATH" in said
    unreadable = unusable_pager({"PAGER": "less 'unclosed"})
    assert unreadable is not None and "cannot be read" in unreadable
