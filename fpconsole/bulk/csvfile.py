"""Reading a bulk CSV file: header check, line numbers, fingerprint.

A problem with the file as a whole (no header, unknown or missing columns, not UTF-8) raises
CsvFormatError and nothing is sent; a problem with one row is kept on that row and the rest go on.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from fpconsole.bulk.columns import COLUMNS, REQUIRED_COLUMNS
from fpconsole.bulk.rows import BulkRow, RowError, parse_row

if TYPE_CHECKING:
    from _csv import Reader


class CsvFormatError(Exception):
    """The file cannot be used at all; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class BulkFile:
    path: Path
    fingerprint: str  # sha256 of the file's bytes: the key of its resume state
    columns: tuple[str, ...]
    rows: tuple[BulkRow, ...]

    @property
    def valid_rows(self) -> list[BulkRow]:
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self) -> list[BulkRow]:
        return [row for row in self.rows if not row.valid]


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bulk_file(path: Path | str) -> BulkFile:
    path = Path(path)
    try:
        data = _read_regular_file(path)
    except OSError as exc:
        raise CsvFormatError(f"{path}: cannot read the file: {exc.strerror}") from None
    return parse_bulk_bytes(data, path)


def _read_regular_file(path: Path) -> bytes:
    """Only a regular file is read: a FIFO or a device would block the reader (the console's
    whole loop, in the worst case) until something writes to it. Checked before opening, and
    again on the opened file (opened non-blocking, so even a swapped-in FIFO cannot hold it)."""
    _require_regular(path, os.stat(path).st_mode)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        _require_regular(path, os.fstat(handle.fileno()).st_mode)
        return handle.read()


def _require_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    what = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
    raise CsvFormatError(f"{path}: not a regular file ({what}); give the path of a saved CSV file")


def parse_bulk_bytes(data: bytes, path: Path) -> BulkFile:
    try:
        text = data.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvFormatError(f"{path}: line {line} is not UTF-8; save the file as 'CSV UTF-8'") from None
    dialect = _dialect(text)
    opened = unclosed_quote(text, dialect.delimiter)
    if opened is not None:
        # Read on, csv would make every line after the quote one cell, and those rows would
        # silently not exist (or, past csv's field limit, be blamed on a long cell).
        raise CsvFormatError(_unclosed_quote_problem(path, text, dialect.delimiter, opened))
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        columns = _header(reader, path)
        rows = tuple(_rows(reader, columns, path.parent))
    except csv.Error as exc:
        raise CsvFormatError(_csv_problem(path, reader.line_num, exc)) from None
    return BulkFile(path=path, fingerprint=fingerprint(data), columns=columns, rows=rows)


def _csv_problem(path: Path, line: int, exc: csv.Error) -> str:
    if "field limit" in str(exc):
        # An unclosed quote makes the rest of the file one cell: the likelier cause than a real
        # 128 KB name, so the fix says so.
        return (
            f"{path} line {line}: a cell is longer than {csv.field_size_limit():,} characters; "
            "check that quotes are closed on that line (or before it), or shorten the cell"
        )
    return f"{path} line {line}: not readable as CSV ({exc}); fix that line and try again"


@dataclass(frozen=True, slots=True)
class OpenQuote:
    """A quote that opens a cell and is never closed."""

    line: int  # where the quote is (the header is line 1)
    cell: int  # which cell of its row, from 1
    offset: int  # its index in the text


# Possessive: a `""` pair is never split to close the cell at its first quote.
_QUOTED_CELL: Final = re.compile(r'"[^"]*+(?:""[^"]*+)*+"')
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")


def unclosed_quote(text: str, delimiter: str) -> OpenQuote | None:
    """The quote opening a cell that is never closed, read as csv's excel dialect reads (a
    quote counts only at the start of a cell; `""` inside one is a quote), or None.

    From quote to quote, each quoted cell skipped whole by one regular expression: a file
    without quotes costs one search."""
    cell_starts = (delimiter, "\n", "\r")
    position = text.find('"')
    while position != -1:
        if position == 0 or text[position - 1] in cell_starts:
            closed = _QUOTED_CELL.match(text, position)
            if closed is None:
                return _open_quote_at(text, delimiter, position)
            position = closed.end()
        else:  # inside an unquoted cell (or after a closing quote): csv keeps it as it is
            position += 1
        position = text.find('"', position)
    return None


def _open_quote_at(text: str, delimiter: str, quote: int) -> OpenQuote:
    """Its line and cell: the record's cells counted from the record's start (delimiters
    inside quoted cells do not count)."""
    line, cell, position, record_start = 1, 1, 0, 0
    unquoted = re.compile(f"[^{re.escape(delimiter)}\r\n]*")
    while position < quote:
        if text[position] == '"' and (position == record_start or text[position - 1] == delimiter):
            closed = _QUOTED_CELL.match(text, position)
            assert closed is not None, "only the quote at `quote` is unclosed"
            line += len(_LINE_BREAK.findall(text, position, closed.end()))
            position = closed.end()
            continue
        found = unquoted.match(text, position)
        position = found.end() if found else position
        if position >= quote:
            break
        if text[position] == delimiter:
            cell += 1
        else:  # \n, \r or \r\n: the next record
            position += 1 if text.startswith("\r\n", position) else 0
            line, cell, record_start = line + 1, 1, position + 1
        position += 1
    return OpenQuote(line, cell, quote)


def _unclosed_quote_problem(path: Path, text: str, delimiter: str, opened: OpenQuote) -> str:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    column = header[opened.cell - 1].strip() if opened.line > 1 and opened.cell <= len(header) else ""
    named = f" ({column})" if column else ""
    start = text[opened.offset : opened.offset + 24].split("\n", 1)[0]
    last = text.count("\n", 0, len(text.rstrip("\r\n"))) + 1
    spread = f"lines {opened.line}–{last} read" if last > opened.line else f"line {opened.line} reads"
    return (
        f"{path} line {opened.line}: the quote that opens cell {opened.cell}{named}, {start}, is never "
        f"closed, so {spread} as one cell; close the quote or remove it"
    )


def _dialect(text: str) -> type[csv.Dialect]:
    # Spreadsheets in many locales save with ';'. Only the header decides, so a comma inside a
    # quoted address cell cannot fool it.
    header = text.split("\n", 1)[0]
    if header.count(";") > header.count(","):

        class Semicolon(csv.excel):
            delimiter = ";"

        return Semicolon
    return csv.excel


def _header(reader: Reader, path: Path) -> tuple[str, ...]:
    first = next((cells for cells in reader if any(c.strip() for c in cells)), None)
    if first is None:
        raise CsvFormatError(f"{path}: the file is empty; the first line must be the header")
    columns = tuple(cell.strip().lower() for cell in first)
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, COLUMNS, n=1)
            hints.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
        raise CsvFormatError(
            f"{path}: unknown column(s) in the header: {', '.join(hints)}. "
            f"Known columns: {', '.join(COLUMNS)}"
        )
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if duplicated:
        raise CsvFormatError(
            f"{path}: column(s) appear more than once in the header: {', '.join(duplicated)}"
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise CsvFormatError(f"{path}: the header lacks required column(s): {', '.join(missing)}")
    return columns


def _rows(reader: Reader, columns: tuple[str, ...], base_dir: Path) -> Iterator[BulkRow]:
    previous_end = reader.line_num
    for cells in reader:
        # A quoted cell may span lines: the row starts right after the previous record.
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            yield BulkRow(
                line,
                errors=(
                    RowError(line, "", f"has {len(cells)} cells but the header has {len(columns)} columns"),
                ),
            )
            continue
        # Fewer cells than columns: spreadsheets drop trailing empty cells; they are absent.
        row = parse_row(line, dict(zip(columns, cells, strict=False)), base_dir)
        if len(cells) < len(columns) and not row.valid:
            row = _short_row(row, len(cells), columns)
        yield row


def _short_row(row: BulkRow, cells: int, columns: tuple[str, ...]) -> BulkRow:
    """A short row that is wrong because of the cells it lacks: its cell count first, as a long
    row's, so a missing comma is found, not "is required" for a cell that is there."""
    lacking = {COLUMNS[column]: column for column in columns[cells:]}
    needed = [lacking[error.field] for error in row.errors if error.field in lacking]
    if not needed:
        return row  # the absent cells were optional: the problem is elsewhere
    count = RowError(
        row.line,
        "",
        f"has {cells} cells but the header has {len(columns)} columns: no cell for {', '.join(needed)}",
    )
    others = tuple(error for error in row.errors if error.field not in lacking)
    return replace(row, errors=(count, *others))
