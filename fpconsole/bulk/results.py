"""The result CSV: one line per data row of the input, what became of it.

Written whole to a temporary file and renamed into place, so a reader (or a crash) never sees
half a file; written again after a cancel, with what is known by then.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

from fpconsole.bulk.pan import safe_mask, safe_text
from fpconsole.bulk.runner import RowResult

RESULT_COLUMNS: Final = ("row", "client_id", "card_id", "masked_pan", "status", "error")


def default_result_path(input_path: Path | str, *, writable: Callable[[Path], bool] | None = None) -> Path:
    """clients.csv → clients.result.csv, next to the input where that folder can be written;
    otherwise (a shared or read-only folder of inputs) in the state folder's bulk-results."""
    path = Path(input_path)
    stem = path.stem if path.suffix.lower() == ".csv" else path.name
    beside = path.with_name(f"{stem}.result.csv")
    can_write = writable or _folder_writable
    if can_write(beside.parent if str(beside.parent) else Path(".")):
        return beside
    from fpconsole.locations import ensure_private_dir, state_dir

    return ensure_private_dir(state_dir() / "bulk-results") / beside.name


def result_path_problem(result: Path, input_path: Path) -> str | None:
    """Why the result CSV cannot be written at `result`, said before anything is sent (a run
    that finds out at its end has sent every row for nothing); None when it can."""
    example = f"e.g. {result / default_result_path(input_path).name}"
    if result.is_dir():
        return f"is a folder; give a file name in it, {example}"
    if result.exists() and not result.is_file():
        return "is not a regular file; give the path of a CSV file to write"
    if _same_file(result, input_path):
        return "is the input file: the results would replace it; give another name, e.g. " + str(
            default_result_path(input_path, writable=lambda _: True)
        )
    folder = result.parent if str(result.parent) else Path(".")
    if not folder.exists():
        return f"cannot be written: the folder {folder} does not exist; create it or pick another folder"
    if not folder.is_dir():
        return f"cannot be written: {folder} is not a folder"
    if not _folder_writable(folder):
        return f"cannot be written: cannot write in the folder {folder}; pick a folder you can write to"
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _folder_writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def write_results(path: Path | str, results: Iterable[RowResult]) -> Path:
    path = Path(path)
    if path.is_dir():  # else the temporary file would land in its parent, '/' for '/tmp'
        raise IsADirectoryError(21, "Is a directory", str(path))
    # Next to the target, so the rename is atomic (same file system) and never in '/'.
    folder = path.absolute().parent
    temporary: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            newline="",
            dir=folder,
            prefix=f".{path.name}.",
            suffix=".tmp",
            delete=False,
        ) as handle:
            temporary = Path(handle.name)
            writer = csv.writer(handle)
            writer.writerow(RESULT_COLUMNS)
            for result in results:
                writer.writerow(
                    (
                        result.line,
                        result.client_id or "",
                        result.card_id or "",
                        # Masked again on the way out: this file gets mailed around.
                        safe_mask(result.masked_pan) or "",
                        result.status,
                        safe_text(result.error) or "",
                    )
                )
        os.replace(temporary, path)
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise
    return path
