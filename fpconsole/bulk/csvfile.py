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
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
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
        yield parse_row(line, dict(zip(columns, cells, strict=False)), base_dir)
