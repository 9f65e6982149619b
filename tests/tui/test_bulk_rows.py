"""How the console's Bulk table and closing line show each row status (pure, no app)."""

from __future__ import annotations

from pathlib import Path

from fpconsole.bulk.runner import RowResult
from fpconsole.tui.screens.bulk import finish_text, result_row

UNKNOWN = RowResult(
    7,
    "CL-100041",
    None,
    None,
    "unknown",
    "card.issue: outcome unknown, request_id 3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10 (timed out); "
    "a rerun asks request/status again",
)


def test_an_unknown_row_is_in_the_warning_colour_and_says_it_is_polled_on_rerun() -> None:
    row = result_row(UNKNOWN)
    # The Requests list shows an unknown outcome in the warning colour too.
    assert row.style == "warning"
    status, text = row.cells[4], row.cells[5]
    assert status == "unknown"
    # First, so a narrow Error column still shows it.
    assert text.startswith("polled on rerun, never resent · card.issue: outcome unknown"), text


def test_failed_and_done_rows_keep_their_look() -> None:
    assert result_row(RowResult(3, None, None, None, "failed", "client.phone: bad")).style == "error"
    done = result_row(RowResult(4, "CL-1", "7001001", "440043******0015", "done", None))
    assert done.style == "" and done.cells[5] == ""


def test_the_closing_line_says_what_a_rerun_does_with_unknown_rows() -> None:
    done = RowResult(4, "CL-1", "7001001", "440043******0015", "done", None)
    text = finish_text([done, UNKNOWN], "clients.result.csv", None)
    assert text.startswith("Finished: 1 done, 1 not done (1 unknown: ")
    assert "run the same file again to ask request/status about them; nothing is sent twice" in text
    assert text.endswith("Result CSV: clients.result.csv")
    assert finish_text([done], Path("r.csv").name, "server unreachable") == (
        "Finished: 1 done, 0 not done. Result CSV: r.csv (server unreachable)"
    )
