"""`fpconsole bulk` on inputs an operator gets wrong: a cell over csv's field limit, a --result
that cannot be written (checked before anything is sent), a damaged resume state, a FIFO given
as the file. Each one is a clear message naming the thing and the fix, exit 2, nothing sent."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from fpconsole.bulk.csvfile import CsvFormatError, read_bulk_file
from fpconsole.bulk.state import StateUnusable, default_path, open_file_state
from fpconsole.cli import main

HEADER = "product_id,phone,type,resident,first_name,last_name"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["bulk", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of every request the bulk command sends."""
    from fpconsole.api.events import RequestSent
    from fpconsole.session import open_session

    paths: list[str] = []
    real_open = open_session

    def watched(**kwargs: Any) -> Any:
        session = real_open(**kwargs)
        session.client.subscribe(lambda event: isinstance(event, RequestSent) and paths.append(event.path))
        return session

    monkeypatch.setattr("fpconsole.session.open_session", watched)
    return paths


def long_cell_csv(folder: Path) -> Path:
    path = folder / "long.csv"
    path.write_text(f"{HEADER}\n2000,77011234567,1,1,{'A' * 200_000},B\n", encoding="utf-8")
    return path


# --- 1: a cell over csv's field limit ------------------------------------------------------


def test_a_cell_over_the_field_limit_names_the_line_and_the_limit(tmp_path: Path) -> None:
    path = long_cell_csv(tmp_path)
    with pytest.raises(CsvFormatError) as caught:
        read_bulk_file(path)
    limit = csv.field_size_limit()
    assert str(caught.value).startswith(f"{path} line 2: a cell is longer than {limit:,} characters")


def test_cli_on_a_too_long_cell_exits_2_without_a_traceback(
    tmp_path: Path, capsys: Any, sent: list[str]
) -> None:
    code, out, err = run(capsys, str(long_cell_csv(tmp_path)))
    assert code == 2, err
    assert "line 2: a cell is longer than" in err and "Traceback" not in err
    assert sent == [] and out == ""


# --- 2 and 10: --result checked before anything is sent ----------------------------------


@pytest.mark.parametrize("case", ["folder", "missing-folder", "same-as-input", "unwritable"])
def test_an_unusable_result_path_stops_before_anything_is_sent(
    case: str, tmp_path: Path, capsys: Any, bulk_csv: Any, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bulk_csv(3, bad=False)
    original = path.read_bytes()
    if case == "folder":
        result, words = tmp_path, "is a folder"
    elif case == "missing-folder":
        result, words = tmp_path / "nowhere" / "out.csv", "does not exist"
    elif case == "same-as-input":
        result, words = path, "is the input file"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        if os.geteuid() == 0:  # root writes anywhere: the check itself is what is tested here
            monkeypatch.setattr("fpconsole.bulk.results._folder_writable", lambda folder: folder != locked)
        result, words = locked / "out.csv", "cannot write"
    code, out, err = run(capsys, str(path), "--result", str(result))
    assert code == 2, err
    assert err.startswith(f"fpconsole bulk: --result {result}") and words in err, err
    assert sent == [] and out == ""
    assert path.read_bytes() == original
    assert not list(Path("/").glob(f".{result.name}.*.tmp"))


def test_the_result_temp_file_is_made_next_to_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from fpconsole.bulk.results import write_results

    folders: list[str] = []
    real = tempfile.NamedTemporaryFile

    def spy(*args: Any, **kwargs: Any) -> Any:
        folders.append(str(kwargs.get("dir")))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", spy)
    monkeypatch.chdir(tmp_path)
    write_results("relative.csv", [])
    write_results(tmp_path / "sub.csv", [])
    assert [Path(f).resolve() for f in folders] == [tmp_path, tmp_path]
    with pytest.raises(IsADirectoryError):
        write_results(tmp_path, [])
    assert not list(Path("/").glob(f".{tmp_path.name}.*.tmp"))


# --- 5: a damaged resume state -------------------------------------------------------------


def damage_state() -> Path:
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not an SQLite database, it is a damaged file" * 100)
    return path


def test_a_damaged_state_file_is_refused_naming_the_file_and_the_fix() -> None:
    path = damage_state()
    with pytest.raises(StateUnusable) as caught:
        open_file_state("sandbox", "f" * 64)
    text = str(caught.value)
    assert str(path) in text and "damaged" in text and "move it aside" in text
    assert "sent again" in text  # what moving it aside costs
    assert path.exists()  # kept: it may be the only record of what earlier runs sent


def test_cli_on_a_damaged_state_file_exits_2(capsys: Any, bulk_csv: Any, sent: list[str]) -> None:
    path = damage_state()
    code, _out, err = run(capsys, str(bulk_csv(3, bad=False)))
    assert code == 2, err
    assert str(path) in err and "Traceback" not in err
    assert sent == []


# --- 7: a FIFO (or anything else that is not a regular file) -----------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            read_bulk_file(fifo)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)
        else:
            outcome.append(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    if reader.is_alive():  # unblock the reader so the test process can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("read_bulk_file blocked on a FIFO")
    assert isinstance(outcome[0], CsvFormatError)
    assert str(fifo) in str(outcome[0]) and "not a regular file" in str(outcome[0])


def test_cli_on_a_fifo_exits_2(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    env = {**os.environ, "FPCONSOLE_HOME": str(tmp_path / "home")}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fpconsole", "bulk", str(fifo)],
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("fpconsole bulk blocked on a FIFO")
    assert done.returncode == 2, done.stderr
    assert str(fifo) in done.stderr and "not a regular file" in done.stderr
