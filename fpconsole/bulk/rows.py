"""One CSV row → a validated `client.add` body, or the reasons it cannot be sent.

Rows are validated with the same model the client sends with, before anything goes out, so a
bad row costs no request and its problems name the line and the field.

The identity document is read for validation and then dropped: the row keeps only its path and
reads the file again when it is sent, so a thousand rows with 2 MB scans do not sit in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from fpconsole.api.fields import MAX_DOCUMENT_BYTES
from fpconsole.api.models import ClientAddRequest
from fpconsole.api.validation import describe_errors
from fpconsole.bulk.columns import COLUMNS, DOCUMENT_COLUMN, describe_field

# Validation needs some request_id; the real one is generated (and stored) just before sending.
_PLACEHOLDER_REQUEST_ID: Final = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str  # dotted body path (client.phone) or a column name; "" for the whole row
    message: str

    def __str__(self) -> str:
        where = f"{describe_field(self.field)}: " if self.field else ""
        return f"line {self.line}: {where}{self.message}"


@dataclass(frozen=True, slots=True)
class BulkRow:
    """A data row of the file. `body` is None exactly when `errors` is not empty."""

    line: int  # the row's first physical line in the file (the header is line 1)
    body: Mapping[str, Any] | None = None  # client.add without request_id and document
    document: Path | None = None
    errors: tuple[RowError, ...] = field(default=())
    # sha256 of the row's non-empty cells: recognises the same row in an edited copy of the file
    digest: str = ""

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def product_id(self) -> int:
        assert self.body is not None, "an invalid row has no product"
        return int(self.body["product_id"])

    def reason(self) -> str:
        """All problems of an invalid row on one line (without the line number)."""
        return "; ".join(str(e).removeprefix(f"line {self.line}: ") for e in self.errors)

    def client_add_body(self, request_id: str) -> dict[str, Any]:
        """The body to send, with its stored request_id and the document read now."""
        assert self.body is not None, "an invalid row is never sent"
        body = _deep_copy(self.body)
        body["request_id"] = request_id
        if self.document is not None:
            body["client"]["document"] = _encode_document(self.document)
        return body


def _deep_copy(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in body.items()}


def _encode_document(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _put(body: dict[str, Any], path: str, value: str) -> None:
    *parents, last = path.split(".")
    target = body
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def _document_problem(path: Path) -> str | None:
    """Checked before reading, so a wrong path or a huge file gives a clear message and is
    never loaded."""
    if not path.exists():
        return f"file not found: {path}"
    if not path.is_file():
        return f"not a file: {path}"
    if path.stat().st_size > MAX_DOCUMENT_BYTES:
        return f"{path.name} is larger than 2 MB; scan it at a lower resolution"
    return None


def parse_row(line: int, cells: Mapping[str, str], base_dir: Path) -> BulkRow:
    """Build and validate one row. `cells` maps known column names to raw cell text; empty
    (or blank) cells mean "absent"."""
    body: dict[str, Any] = {}
    document: Path | None = None
    digest = row_digest(cells)
    for column, raw in cells.items():
        value = raw.strip()
        if not value:
            continue
        if column == DOCUMENT_COLUMN:
            candidate = Path(value).expanduser()
            document = candidate if candidate.is_absolute() else base_dir / candidate
            problem = _document_problem(document)
            if problem is not None:
                return BulkRow(line, errors=(RowError(line, COLUMNS[column], problem),), digest=digest)
            continue
        _put(body, COLUMNS[column], value)
    body.setdefault("client", {})
    errors = _validate(line, body, document)
    if errors:
        return BulkRow(line, errors=errors, digest=digest)
    return BulkRow(line, body=body, document=document, digest=digest)


def row_digest(cells: Mapping[str, str]) -> str:
    """The row's identity by content: column order, blank cells and surrounding spaces do not
    count; the document counts by the path as written."""
    present = {column: raw.strip() for column, raw in cells.items() if raw.strip()}
    canonical = json.dumps(present, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _validate(line: int, body: dict[str, Any], document: Path | None) -> tuple[RowError, ...]:
    candidate = _deep_copy(body)
    candidate["request_id"] = _PLACEHOLDER_REQUEST_ID
    if document is not None:
        try:
            candidate["client"]["document"] = _encode_document(document)
        except OSError as exc:
            return (RowError(line, COLUMNS[DOCUMENT_COLUMN], f"cannot read {document}: {exc.strerror}"),)
    try:
        ClientAddRequest.model_validate(candidate)
    except ValidationError as exc:
        return tuple(RowError(line, problem.field, problem.message) for problem in describe_errors(exc))
    return ()
