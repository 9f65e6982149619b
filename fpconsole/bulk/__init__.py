"""Bulk onboarding from a CSV file: parse and validate rows, create a client and a card for
each, resumable without duplicates. `fpconsole bulk` (command.py) and the console's Bulk
screen drive the same BulkRunner. See docs/bulk.md.

    bulk_file = read_bulk_file("clients.csv")
    with open_file_state(profile, bulk_file.fingerprint) as state:
        runner = BulkRunner(client, bulk_file.rows, store=state, on_progress=show)
        results = await runner.run()      # pause() / resume() / cancel() meanwhile
    write_results(default_result_path(bulk_file.path), results)
"""

from fpconsole.bulk.calls import RetryPolicy
from fpconsole.bulk.csvfile import BulkFile, CsvFormatError, read_bulk_file
from fpconsole.bulk.progress import Progress, format_progress
from fpconsole.bulk.results import default_result_path, write_results
from fpconsole.bulk.rows import BulkRow, RowError
from fpconsole.bulk.runner import BulkRunner, CardsMode, RowResult
from fpconsole.bulk.state import FileBusy, FileState, open_file_state

__all__ = [
    "BulkFile",
    "BulkRow",
    "BulkRunner",
    "CardsMode",
    "CsvFormatError",
    "FileBusy",
    "FileState",
    "Progress",
    "RetryPolicy",
    "RowError",
    "RowResult",
    "default_result_path",
    "format_progress",
    "open_file_state",
    "read_bulk_file",
    "write_results",
]
