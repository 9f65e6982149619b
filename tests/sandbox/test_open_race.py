"""Several engines opening one new database file at once (engine threads, `serve --workers`)."""

from __future__ import annotations

import threading
from pathlib import Path

from fpconsole.sandbox.engine import SandboxEngine

ENGINES = 6


def open_together(db: Path) -> list[BaseException]:
    start = threading.Barrier(ENGINES)
    errors: list[BaseException] = []

    def open_one() -> None:
        start.wait()
        try:
            SandboxEngine(db=db, delay=0).close()
        except BaseException as error:  # the test reports every failure
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(ENGINES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_engines_opening_one_new_file_together_all_open(tmp_path: Path) -> None:
    # SQLite refuses the switch to WAL at once ("database is locked") while another connection
    # holds the new file; in .ci/run this failed whole bulk runs with internal_error. It shows
    # in a few tries out of 60.
    for attempt in range(60):
        errors = open_together(tmp_path / f"sandbox-{attempt}.db")
        assert errors == [], f"attempt {attempt}: {errors[0]!r}"
