"""The result CSV: one line per row, masked PANs only."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from fpconsole.bulk.pan import full_pans, safe_mask, safe_text
from fpconsole.bulk.results import RESULT_COLUMNS, default_result_path, write_results
from fpconsole.bulk.runner import RowResult


def test_default_path_sits_next_to_the_input() -> None:
    def anywhere(folder: Path) -> bool:
        return True

    assert default_result_path(Path("/data/clients.csv"), writable=anywhere) == Path(
        "/data/clients.result.csv"
    )
    assert default_result_path(Path("clients.CSV"), writable=anywhere) == Path("clients.result.csv")
    assert default_result_path(Path("batch-7"), writable=anywhere) == Path("batch-7.result.csv")


def test_a_result_for_an_input_in_a_folder_we_cannot_write_goes_to_the_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FPCONSOLE_HOME", str(tmp_path / "home"))
    found = default_result_path(Path("/srv/shared/clients.csv"), writable=lambda folder: False)
    assert found.name == "clients.result.csv"
    assert found.parent.is_dir() and found.parent.name == "bulk-results"
    assert str(found).startswith(str(tmp_path / "home"))
    # A folder that can be written keeps the result next to the input, as documented.
    (tmp_path / "in").mkdir()
    beside = default_result_path(tmp_path / "in" / "clients.csv")
    assert beside == tmp_path / "in" / "clients.result.csv"


def test_a_full_pan_never_reaches_the_file(tmp_path: Path) -> None:
    """Even if a server put one in card_mask or an error text."""
    path = write_results(
        tmp_path / "out.csv",
        [
            RowResult(2, "CL-1", "7001", "4400430000000007", "done", None),
            RowResult(3, None, None, None, "failed", "card 4400430000000007 refused"),
        ],
    )
    text = path.read_text()
    assert not full_pans(text)
    assert "440043******0007" in text
    assert next(csv.reader(text.splitlines())) == list(RESULT_COLUMNS)


def test_pan_helpers() -> None:
    assert safe_mask("440043******1234") == "440043******1234"
    assert safe_mask("4400430000000001") == "440043******0001"  # masked even when not Luhn-valid
    assert safe_mask(None) is None
    assert safe_text("phone 77011234567 is fine") == "phone 77011234567 is fine"
    assert full_pans("4400430000000007 and 4400430000000001") == ["4400430000000007"]


async def test_result_csv_of_a_run(harness: Any, bulk_csv: Any, tmp_path: Path, kit: Any) -> None:
    results, _ = await harness.run(bulk_csv(200))
    path = write_results(tmp_path / "clients.result.csv", results)
    text = path.read_text(encoding="utf-8")
    assert not full_pans(text), "no 16-digit Luhn-valid number in the result"
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == 200 and list(rows[0]) == list(RESULT_COLUMNS)
    assert [int(r["row"]) for r in rows] == list(range(2, 202))
    done = [r for r in rows if r["status"] == "done"]
    assert len(done) == 195
    for row in done:
        assert row["client_id"].startswith("CL-") and row["card_id"] and not row["error"]
        assert len(row["masked_pan"]) == 16 and row["masked_pan"][6:12] == "******"
    failed = {int(r["row"]): r for r in rows if r["status"] == "failed"}
    assert set(failed) == set(kit.BAD_ROWS)
    for line, field in kit.BAD_ROWS.items():
        assert field in failed[line]["error"] and not failed[line]["client_id"]


def test_writing_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old\n" * 100)
    write_results(path, [RowResult(2, None, None, None, "pending", "not finished")])
    assert path.read_text().splitlines() == [",".join(RESULT_COLUMNS), "2,,,,pending,not finished"]
    assert not list(tmp_path.glob(".out.csv.*"))  # no temporary left behind
