"""`fpconsole sandbox serve`: every flag refuses what it cannot use with exit 2 and a message
naming the flag and the fix, never a traceback (issue 12, item 17), and the database file it
keeps full fake PANs/CVVs in is private to the user (item 13)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from fpconsole.sandbox import serve
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.sandbox.faults import FaultSpecError, fault_spec_from_json, parse_fault_spec
from fpconsole.sandbox.serve import main, parse_options
from fpconsole.sandbox.settings import SandboxSettings


@pytest.fixture(autouse=True)
def _never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """A flag accepted by mistake must fail the test, not start a server that never returns."""

    def served(*_args: object) -> int:
        raise AssertionError("the flags were accepted and the server started")

    monkeypatch.setattr(serve, "run", served)


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["--port", "0", *argv]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == "", captured
    return captured.err


# --- --db ----------------------------------------------------------------------------------


def test_a_text_file_as_db_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    err = _refused(["--db", str(notes)], capsys)
    assert "--db" in err and "not a SQLite database" in err and str(notes) in err
    assert notes.read_text() == "my notes\n"
    assert not Path(f"{notes}-wal").exists()


def test_a_folder_as_db_is_refused_with_a_file_name_to_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(["--db", str(tmp_path)], capsys)
    assert "--db" in err and "is a folder" in err and str(tmp_path / "sandbox.sqlite3") in err


def test_a_db_in_a_missing_folder_is_refused_with_mkdir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope" / "deeper"
    err = _refused(["--db", str(missing / "x.sqlite3")], capsys)
    assert "--db" in err and "does not exist" in err and f"mkdir -p {missing}" in err
    assert not missing.exists()


def test_a_db_that_is_not_a_regular_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    err = _refused(["--db", str(fifo)], capsys)
    assert "--db" in err and "not a regular file" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_db_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked.sqlite3"
    SandboxEngine(locked, delay=0).close()
    locked.chmod(0)
    try:
        err = _refused(["--db", str(locked)], capsys)
    finally:
        locked.chmod(0o600)
    assert "--db" in err and "cannot" in err


def test_a_sqlite_file_of_another_program_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE meta (something INTEGER)")
    conn.close()
    err = _refused(["--db", str(other)], capsys)
    assert "--db" in err and "not a sandbox database" in err


def test_db_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    old = os.umask(0o022)
    try:
        engine = SandboxEngine(db, delay=0)
        engine.seed(1, partner="100500")  # writes through the WAL
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.glob("sandbox.sqlite3*")}
        engine.close()
    finally:
        os.umask(old)
    assert {"sandbox.sqlite3", "sandbox.sqlite3-wal", "sandbox.sqlite3-shm"} <= set(modes), modes
    assert set(modes.values()) == {0o600}, modes


def test_an_existing_loose_db_is_made_private_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sandbox.sqlite3"
    SandboxEngine(db, delay=0).close()
    db.chmod(0o644)
    engine = serve._open(parse_options(["--db", str(db)]).settings)
    engine.close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert f"made {db} private (0600)" in capsys.readouterr().err
    # The engine itself tightens a file it is given, whoever opens it.
    db.chmod(0o640)
    SandboxEngine(db, delay=0).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "flag", "hint"),
    [
        (["--delay", "nan"], "--delay", "0–86400"),
        (["--delay", "inf"], "--delay", "0–86400"),
        (["--delay=-inf"], "--delay", "0–86400"),
        (["--delay", "1e12"], "--delay", "0–86400"),
        (["--delay", "١"], "--delay", "number of seconds"),
        (["--port", "٨٠"], "--port", "0–65535"),
        (["--port", "1e3"], "--port", "0–65535"),
        (["--seed", "1e2"], "--seed", "0–1000"),
        (["--rng-seed", "-1"], "--rng-seed", "0–"),
        (["--rng-seed", "9" * 30], "--rng-seed", "0–"),
        (["--rng-seed", "9" * 5000], "--rng-seed", "0–"),
        (["--auth-error-status", "4e2"], "--auth-error-status", "100–599"),
        (["--faults", "latency=nan"], "--faults", "latency"),
        (["--faults", "latency=inf"], "--faults", "latency"),
        (["--faults", "latency=-5"], "--faults", "latency"),
        (["--faults", "latency=٣٠٠ms"], "--faults", "latency"),
        (["--faults", "error_rate=nan"], "--faults", "error_rate"),
        (["--faults", "error_rate=inf%"], "--faults", "error_rate"),
        (["--faults", "error_rate=-0.1"], "--faults", "error_rate"),
        (["--faults", "error_rate=٠.٥"], "--faults", "error_rate"),
        (["--faults", "hold=inf"], "--faults", "hold"),
        (["--faults", "hold=0"], "--faults", "hold"),
        (["--faults", "seed=-1"], "--faults", "seed"),
        (["--faults", "seed=" + "9" * 30], "--faults", "seed"),
        (["--faults", "seed=nan"], "--faults", "seed"),
    ],
)
def test_numbers_out_of_range_exit_2_naming_the_flag(
    argv: list[str], flag: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(argv, capsys)
    assert f"argument {flag}" in err and hint in err, err
    assert len(err) < 400, err  # a 5000-digit value is not echoed back whole


@pytest.mark.parametrize(("text", "seconds"), [("0", 0.0), (".5", 0.5), ("1e-05", 1e-05), ("86400", 86400.0)])
def test_delays_as_people_and_programs_write_them(text: str, seconds: float) -> None:
    assert parse_options(["--delay", text], environ={}).settings.delay == seconds


def test_the_largest_accepted_values_serve(tmp_path: Path) -> None:
    options = parse_options(
        ["--delay", "86400", "--rng-seed", str(2**63 - 1), "--faults", f"seed={2**63 - 1},hold=600s"]
    )
    assert options.settings.delay == 86400 and options.settings.rng_seed == 2**63 - 1
    SandboxEngine(
        tmp_path / "x.sqlite3", delay=options.settings.delay, rng_seed=options.settings.rng_seed
    ).close()


@pytest.mark.parametrize("delay", [float("nan"), float("inf"), -1.0, 1e12])
def test_settings_and_engine_refuse_a_delay_they_cannot_use(delay: float) -> None:
    with pytest.raises(ValueError, match="delay"):
        SandboxSettings.default(delay=delay)
    with pytest.raises(ValueError, match="delay"):
        SandboxEngine(delay=delay)


@pytest.mark.parametrize(
    "body",
    [
        {"seed": -1},
        {"seed": 10**30},
        {"hold_s": 1e400},
        {"latency_ms": -1},
        {"error_rate": 1e400},
    ],
)
def test_the_json_fault_form_has_the_same_bounds(body: dict[str, object]) -> None:
    with pytest.raises(FaultSpecError):
        fault_spec_from_json(body)


def test_fault_seed_bounds_are_inclusive() -> None:
    assert parse_fault_spec("seed=0").seed == 0
    assert fault_spec_from_json({"seed": 2**63 - 1}).seed == 2**63 - 1


# --- where to listen -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "flag", "hint"),
    [
        ("nonexistent.invalid", "--host", "cannot resolve"),
        ("192.0.2.1", "--host", "not an address of this machine"),
    ],
)
def test_a_host_it_cannot_listen_on_is_named(host: str, flag: str, hint: str) -> None:
    with pytest.raises(serve.UsageError) as caught:
        serve._bind(host, 0)
    assert f"argument {flag}" in str(caught.value) and hint in str(caught.value)


def test_a_port_in_use_is_named_with_the_way_out() -> None:
    taken = serve._bind("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        # SO_REUSEADDR does not let two sockets listen on one port.
        with pytest.raises(serve.UsageError) as caught:
            serve._bind("127.0.0.1", port)
    finally:
        taken.close()
    assert "argument --port" in str(caught.value) and "--port 0" in str(caught.value)


def test_answers_are_never_invalid_json() -> None:
    # /sandbox/health once answered "delay": Infinity; the encoder now refuses rather than send it.
    from fpconsole.sandbox.app import encode

    for value in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            encode({"delay": value})


def _own_database(kind: str, path: Path) -> None:
    if kind == "journal":
        from fpconsole.store.journal import Journal

        Journal.open(path, profile="sandbox").close()
    elif kind == "cache":
        from fpconsole.store.cache import EntityCache

        EntityCache.open(path, profile="sandbox").close()
    elif kind == "drafts":
        from fpconsole.store.drafts import DraftStore

        DraftStore.open(path).close()
    else:
        from fpconsole.bulk.state import open_file_state

        open_file_state("sandbox", "0" * 64, path).close()


@pytest.mark.parametrize("kind", ["journal", "cache", "drafts", "bulk"])
def test_a_database_of_fpconsoles_own_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    own = tmp_path / f"{kind}.sqlite3"
    _own_database(kind, own)
    before = own.read_bytes()
    err = _refused(["--db", str(own)], capsys)
    assert "--db" in err and str(own) in err and "not a sandbox database" in err
    assert own.read_bytes() == before


def test_a_sandbox_database_made_earlier_is_accepted(tmp_path: Path) -> None:
    from fpconsole.sandbox.engine import store

    made = tmp_path / "sandbox.sqlite3"
    SandboxEngine(made, delay=0).close()
    assert store.check_file(made) is None
