"""The resume state: one SQLite file in the state folder, rows keyed by profile, file and line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fpconsole.bulk.state import BatchRecord, FileBusy, RowRecord, default_path, open_file_state

FP = "a" * 64


def test_it_lives_in_the_state_folder_in_wal_mode(isolated_home: Path) -> None:
    with open_file_state("sandbox", FP) as state:
        state.save(RowRecord(2, client_request_id="r-1"))
    assert default_path() == isolated_home / "state" / "bulk.sqlite3"
    conn = sqlite3.connect(default_path())
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (default_path().parent.stat().st_mode & 0o777) == 0o700


def test_records_round_trip_and_upsert() -> None:
    record = RowRecord(
        7,
        client_request_id="c-1",
        client_id="CL-1",
        card_via="bulk",
        card_request_id="b-1",
        batch_slot=3,
        card_id="7001",
        link_request_id="l-1",
        linked=True,
        masked_pan="440043******1234",
        status="done",
    )
    with open_file_state("sandbox", FP) as state:
        state.save(RowRecord(7, client_request_id="c-1"), RowRecord(8))
        state.save(record)
    with open_file_state("sandbox", FP) as state:
        assert state.rows() == {7: record, 8: RowRecord(8)}


def test_profiles_and_files_do_not_see_each_other() -> None:
    with open_file_state("sandbox", FP) as state:
        state.save(RowRecord(2, client_id="CL-1"))
    with open_file_state("test", FP) as state:
        assert state.rows() == {}
    with open_file_state("sandbox", "b" * 64) as state:
        assert state.rows() == {}


def test_batches_are_stored_with_their_rows() -> None:
    batch = BatchRecord("b-1", 2000, 2)
    with open_file_state("sandbox", FP) as state:
        state.save_batch(batch, [RowRecord(2, card_via="bulk", card_request_id="b-1", batch_slot=0)])
        assert state.batches() == {"b-1": batch}
        assert state.rows()[2].batch_slot == 0
        state.forget()
        assert state.rows() == {} and state.batches() == {}


def test_a_second_run_of_the_same_file_is_refused() -> None:
    with open_file_state("sandbox", FP):
        with pytest.raises(FileBusy, match="in progress"):
            open_file_state("sandbox", FP)
        open_file_state("sandbox", "b" * 64).close()  # another file is fine
    open_file_state("sandbox", FP).close()  # released on close


def test_a_newer_schema_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "bulk.sqlite3"
    sqlite3.connect(path).execute("PRAGMA user_version = 99")
    with pytest.raises(RuntimeError, match="newer fpconsole"):
        open_file_state("sandbox", FP, path)


def test_has_card() -> None:
    assert RowRecord(2, card_via="issue", card_id="1").has_card
    assert not RowRecord(2, card_via="bulk", card_id="1").has_card
    assert RowRecord(2, card_via="bulk", card_id="1", linked=True).has_card
