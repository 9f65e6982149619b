"""The resume state: one SQLite file in the state folder, rows keyed by profile, file and line."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from fpconsole.bulk.state import (
    BatchRecord,
    FileBusy,
    RowRecord,
    StateUnusable,
    default_path,
    open_file_state,
)

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
    with pytest.raises(StateUnusable, match="newer fpconsole"):
        open_file_state("sandbox", FP, path)


def test_has_card() -> None:
    assert RowRecord(2, card_via="issue", card_id="1").has_card
    assert not RowRecord(2, card_via="bulk", card_id="1").has_card
    assert RowRecord(2, card_via="bulk", card_id="1", linked=True).has_card


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_database_and_its_wal_and_shm_are_private(isolated_home: Path) -> None:
    """It holds client and card ids and masked PANs: 0600, whatever the umask (here 022)."""
    old = os.umask(0o022)
    try:
        with open_file_state("sandbox", FP) as state:
            state.save(RowRecord(2, client_request_id="r-1"))
            db = default_path()
            files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
            assert all(path.exists() for path in files)
            assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
            locks = list(db.parent.glob("bulk-*.lock"))
            assert locks and all(_mode(lock) == 0o600 for lock in locks)
        assert _mode(db.parent) == 0o700
    finally:
        os.umask(old)


def test_files_an_older_version_left_readable_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "bulk.sqlite3"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    with open_file_state("sandbox", FP, path) as state:
        state.save(RowRecord(2))
        wal = tmp_path / "bulk.sqlite3-wal"
        assert (_mode(path), _mode(wal)) == (0o600, 0o600)


def test_a_version_1_database_keeps_its_rows_and_takes_unknown(tmp_path: Path) -> None:
    """Schema 1 refused the status 'unknown' (CHECK): its rows move to the new table intact."""
    path = tmp_path / "bulk.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE bulk_rows (
            profile TEXT NOT NULL, fingerprint TEXT NOT NULL, line INTEGER NOT NULL, row_digest TEXT,
            client_request_id TEXT, client_id TEXT,
            card_via TEXT CHECK (card_via IN ('issue', 'bulk')), card_request_id TEXT,
            batch_slot INTEGER, card_id TEXT, link_request_id TEXT,
            linked INTEGER NOT NULL DEFAULT 0, masked_pan TEXT,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
            error TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (profile, fingerprint, line)
        );
        CREATE INDEX bulk_rows_by_digest ON bulk_rows (profile, row_digest);
        CREATE TABLE bulk_batches (
            profile TEXT NOT NULL, fingerprint TEXT NOT NULL, request_id TEXT NOT NULL,
            product_id INTEGER NOT NULL, count INTEGER NOT NULL, created_at TEXT NOT NULL,
            PRIMARY KEY (profile, fingerprint, request_id)
        );
        PRAGMA user_version = 1;
        """
    )
    conn.execute(
        "INSERT INTO bulk_rows (profile, fingerprint, line, row_digest, client_request_id, client_id, "
        "status, updated_at) VALUES ('sandbox', ?, 2, 'd-2', 'r-2', 'CL-2', 'done', 'then')",
        (FP,),
    )
    conn.commit()
    conn.close()
    with open_file_state("sandbox", FP, path) as state:
        assert state.rows() == {
            2: RowRecord(2, digest="d-2", client_request_id="r-2", client_id="CL-2", status="done")
        }
        state.save(RowRecord(3, client_request_id="r-3", status="unknown", error="outcome unknown"))
        assert state.rows()[3].status == "unknown"
    with open_file_state("sandbox", "b" * 64, path) as edited:  # the digest still finds the row
        assert edited.adopt({5: "d-2"})[5].client_id == "CL-2"
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2
