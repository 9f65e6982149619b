"""The bulk CSV (QA 11g): a short row gives its cell count as a long row does, and a quote that
is never closed is named by its line, its cell and its text, instead of the rest of the file
silently becoming one cell."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fpconsole.bulk.csvfile import CsvFormatError, parse_bulk_bytes, unclosed_quote

HEADER = "product_id,phone,type,resident,first_name,last_name"
GOOD = "2000,77011234567,1,1,ALIYA,SERIKOVA"
PATH = Path("/data/clients.csv")


def parse(text: str) -> list[str]:
    rows = parse_bulk_bytes(text.encode(), PATH).rows
    return [str(error) for row in rows for error in row.errors]


def test_a_short_row_gives_its_cell_count() -> None:
    assert parse(f"{HEADER}\n{GOOD}\n2000,77011234567,1,1,ALIYA\n") == [
        "line 3: has 5 cells but the header has 6 columns: no cell for last_name"
    ]


def test_a_short_row_from_a_missing_comma_mid_row_names_the_count_first() -> None:
    problems = parse(f"{HEADER}\n2000,77011234567,1,ALIYA,SERIKOVA\n")
    assert problems[0] == "line 2: has 5 cells but the header has 6 columns: no cell for last_name"
    assert any("client.resident" in problem for problem in problems[1:])


def test_a_short_row_missing_only_optional_cells_is_still_good() -> None:
    # Spreadsheets drop trailing empty cells: absent, as before.
    rows = parse_bulk_bytes(f"{HEADER},middle_name,email\n{GOOD}\n".encode(), PATH).rows
    assert [row.valid for row in rows] == [True]


def test_an_unclosed_quote_names_its_line_cell_and_text() -> None:
    text = f'{HEADER}\n{GOOD}\n2000,77011234568,1,1,"ALIYA,SERIKOVA\n{GOOD}\n{GOOD}\n'
    with pytest.raises(CsvFormatError) as caught:
        parse_bulk_bytes(text.encode(), PATH)
    assert str(caught.value) == (
        f'{PATH} line 3: the quote that opens cell 5 (first_name), "ALIYA,SERIKOVA, is never '
        "closed, so lines 3–5 read as one cell; close the quote or remove it"
    )


def test_a_closed_quote_spanning_lines_and_stray_quotes_are_fine() -> None:
    text = (
        f'{HEADER},address1_street\n{GOOD},"Abay ave\nbuilding ""2"""\n{GOOD},Abay "ave"\n{GOOD},"Abay" ave\n'
    )
    assert unclosed_quote(text, ",") is None
    assert [row.line for row in parse_bulk_bytes(text.encode(), PATH).rows] == [2, 4, 5]


def test_an_unclosed_quote_in_a_semicolon_file() -> None:
    text = HEADER.replace(",", ";") + '\n2000;77011234567;1;1;ALIYA;"SERIKOVA\n'
    with pytest.raises(CsvFormatError, match=r"line 2: the quote that opens cell 6 \(last_name\)"):
        parse_bulk_bytes(text.encode(), PATH)


_CELL = st.text(alphabet=st.sampled_from('ab,"\n\r ;'), max_size=8)


@given(st.lists(st.lists(_CELL, min_size=1, max_size=4), max_size=5), st.sampled_from([",", ";"]))
def test_the_scan_agrees_with_csv_on_what_csv_writes(rows: list[list[str]], delimiter: str) -> None:
    """csv.writer quotes whatever needs it: such text never has an unclosed quote."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    assert unclosed_quote(out.getvalue(), delimiter) is None


@given(st.text(alphabet=st.sampled_from('ab,"\n\r'), max_size=40))
def test_the_scan_finds_a_quote_exactly_when_strict_csv_runs_out_of_data(text: str) -> None:
    try:
        list(csv.reader(io.StringIO(text, newline=""), strict=True))
        ran_out = False
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return  # strict mode stops at a stray quote first: nothing to compare
        ran_out = True
    assert (unclosed_quote(text, ",") is not None) == ran_out
