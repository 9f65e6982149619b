"""`fpconsole bulk`: exit codes, what goes to stderr and stdout, the result file, Ctrl+C."""

from __future__ import annotations

import asyncio
import csv
import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from fpconsole.bulk.command import ProgressPrinter
from fpconsole.bulk.pan import full_pans
from fpconsole.bulk.progress import ProgressCounter
from fpconsole.bulk.runner import RowResult
from fpconsole.bulk.watch import ServerWatch
from fpconsole.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def sandbox_counts() -> tuple[int, int]:
    """Clients and cards in the embedded sandbox (seeded with demo data on first use), asked
    through its snapshot route, as the console does."""
    from fpconsole.session import open_session

    async def ask() -> dict[str, Any]:
        session = open_session(journal=False)
        try:
            return await session.client.post_control("/sandbox/snapshot", {})
        finally:
            await session.aclose()

    snap = asyncio.run(ask())
    return len(snap["clients"]), len(snap["cards"])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["bulk", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def result_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def test_a_good_file_exits_0(tmp_path: Path, capsys: Any, bulk_csv: Any) -> None:
    path = bulk_csv(30, bad=False)
    code, out, err = run(capsys, str(path))
    assert code == 0, err
    assert out.strip() == f"30 done · 0 failed; results in {tmp_path / 'clients.result.csv'}"
    assert err.splitlines()[-1].startswith("30/30 done · 0 failed · 0 in flight · ")
    rows = result_rows(tmp_path / "clients.result.csv")
    assert [r["status"] for r in rows] == ["done"] * 30
    assert not full_pans((tmp_path / "clients.result.csv").read_text())
    seeded = sandbox_counts()
    code, out, _ = run(capsys, str(path))
    assert code == 0 and "30 done (30 by an earlier run)" in out
    assert sandbox_counts() == seeded


def test_bad_rows_are_listed_by_line_and_field_and_exit_1(
    tmp_path: Path, capsys: Any, bulk_csv: Any, kit: Any
) -> None:
    path = bulk_csv(60)  # lines 7 and 40 are bad
    bad = {line: field for line, field in kit.BAD_ROWS.items() if line <= 61}
    result = tmp_path / "out" / "result.csv"
    result.parent.mkdir()
    code, out, err = run(capsys, str(path), "--result", str(result), "--in-flight", "16")
    assert code == 1
    assert "58 done · 2 failed" in out
    lines = err.splitlines()
    for line, field in bad.items():
        assert any(text.startswith(f"line {line}: {field}") for text in lines), (line, field)
    assert "line 7: client.phone: must be digits only" in err
    assert "line 40: client.first_name: must be in Latin script" in err
    failed = {int(r["row"]) for r in result_rows(result) if r["status"] == "failed"}
    assert failed == set(bad)


def test_progress_lines_are_throttled() -> None:
    clock = [0.0]
    printed: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            printed.append(text)

        def flush(self) -> None:
            pass

    printer = ProgressPrinter(Sink(), quiet_lines={7}, interval=0.5, monotonic=lambda: clock[0])  # type: ignore[arg-type]
    counter = ProgressCounter(200, lambda: clock[0])
    for step in range(20):
        clock[0] = step * 0.1
        counter.done = counter.worked = step * 5
        printer.progress(counter.snapshot())
    assert len(printed) == 4  # at 0.0, 0.5, 1.0, 1.5 s
    assert printed[1] == "25/200 done · 0 failed · 0 in flight · 50.0 rows/s · ETA 4s\n"
    printer.row(RowResult(7, None, None, None, "failed", "listed before the run"))
    printer.row(RowResult(9, "CL-1", None, None, "failed", "card.issue: injected_error: boom"))
    printer.row(RowResult(10, "CL-2", "7001", "440043******1234", "done", None))
    assert printed[4:] == ["line 9: card.issue: injected_error: boom\n"]


def test_a_waiting_run_is_never_silent_for_long() -> None:
    """Rows in process for minutes, a server being retried: a line at least every HEARTBEAT_S."""
    clock = [0.0]
    printed: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            printed.append(text)

        def flush(self) -> None:
            pass

    printer = ProgressPrinter(Sink(), quiet_lines=set(), monotonic=lambda: clock[0])  # type: ignore[arg-type]
    counter = ProgressCounter(10, lambda: clock[0])
    counter.in_flight = 8
    printer.progress(counter.snapshot())
    for step in range(1, 41):  # 10 s of nothing changing, ticking every 0.25 s
        clock[0] = step * 0.25
        if step == 20:
            counter.note = "server unreachable, retrying 2/3"
        printer.heartbeat(counter.snapshot(), every=2.0)
    assert len(printed) == 1 + 5  # at 0 s, then at 2, 4, 6, 8 and 10 s
    assert (
        printed[3] == "0/10 done · 0 failed · 8 in flight · 0.0 rows/s · server unreachable, retrying 2/3\n"
    )


def test_a_reader_that_went_away_does_not_stop_the_run() -> None:
    """A hung-up terminal (SIGHUP over SSH) or a closed pipe: the lines are lost, nothing else."""
    from fpconsole.bulk.command import say

    class Gone:
        def write(self, text: str) -> None:
            raise OSError(5, "Input/output error")

        def flush(self) -> None:
            raise BrokenPipeError

    say(Gone(), "120/200 done")  # type: ignore[arg-type]
    printer = ProgressPrinter(Gone(), quiet_lines=set())  # type: ignore[arg-type]
    printer.progress(ProgressCounter(3).snapshot())
    printer.row(RowResult(2, None, None, None, "failed", "x"))


def test_bulk_cards_mode(tmp_path: Path, capsys: Any, bulk_csv: Any) -> None:
    code, _, err = run(capsys, str(bulk_csv(20, bad=False)), "--cards", "bulk")
    assert code == 0, err
    assert [r["status"] for r in result_rows(tmp_path / "clients.result.csv")] == ["done"] * 20


def test_the_kyc_sample(tmp_path: Path, capsys: Any) -> None:
    code, _, err = run(capsys, str(SAMPLES / "clients-product1000.csv"), "--result", str(tmp_path / "r.csv"))
    assert code == 1
    assert "line 5: client.document [document_path]: is required for product_id 1000" in err
    assert [r["status"] for r in result_rows(tmp_path / "r.csv")] == ["done", "done", "done", "failed"]


@pytest.mark.parametrize(
    ("content", "argv", "message"),
    [
        (
            "product_id,phone,type,resident,first_name,last_name,shoe\n",
            (),
            "unknown column(s) in the header: 'shoe'",
        ),
        ("product_id,phone\n", (), "lacks required column(s): type, resident, first_name, last_name"),
        ("product_id,phone,type,resident,first_name,last_name\n", (), "has a header but no data rows"),
        ("", (), "the file is empty"),
        ("x\n", ("--in-flight", "0"), "--in-flight: must be a whole number from 1 to 64, e.g. 8"),
    ],
)
def test_bad_files_and_options_exit_2(
    tmp_path: Path, capsys: Any, content: str, argv: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "clients.csv"
    path.write_text(content)
    code, out, err = run(capsys, str(path), *argv)
    assert code == 2 and out == ""
    assert message in err
    assert not (tmp_path / "clients.result.csv").exists()


def test_a_missing_file_exits_2(tmp_path: Path, capsys: Any) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.csv"))
    assert code == 2 and "cannot read the file" in err


def test_a_file_already_running_exits_2(capsys: Any, bulk_csv: Any) -> None:
    from fpconsole.bulk.csvfile import read_bulk_file
    from fpconsole.bulk.state import open_file_state

    path = bulk_csv(3, bad=False)
    with open_file_state("sandbox", read_bulk_file(path).fingerprint):
        code, _, err = run(capsys, str(path))
    assert code == 2 and "another run of this file" in err


def test_an_unreachable_server_exits_3(
    tmp_path: Path, capsys: Any, bulk_csv: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpconsole.api.client import CardApiClient, ClientOptions
    from fpconsole.config import Profile, ResolvedProfile
    from fpconsole.session import Session

    def dead_session(**_: Any) -> Session:
        client = CardApiClient(
            base_url="http://127.0.0.1:9",  # discard port: nothing listens on loopback
            auth_id="100500",
            secret="sandbox-secret",
            options=ClientOptions(read_retries=0, retry_backoff=0.001),
        )
        dead = Profile(
            name="dead",
            kind="test",
            base_url="http://127.0.0.1:9",
            auth_id="100500",
            secret_env="FP_DEAD_SECRET",
        )
        return Session(client, ResolvedProfile(dead, host=dead.host, embedded=False))

    monkeypatch.setattr("fpconsole.session.open_session", dead_session)
    quick = functools.partial(ServerWatch, probe_delays=(0.01, 0.01, 0.01))
    monkeypatch.setattr("fpconsole.bulk.runner.ServerWatch", quick)
    code, out, err = run(capsys, str(bulk_csv(40, bad=False)), "--in-flight", "4")
    assert code == 3
    assert "server unreachable" in err
    assert "fpconsole bulk: the server cannot be reached (cannot connect to http://127.0.0.1:9" in err
    assert "fpconsole bulk: run the same command again to continue" in err
    assert "40 not finished (run again to continue)" in out
    rows = result_rows(tmp_path / "clients.result.csv")
    assert {r["status"] for r in rows} == {"pending"}


# Rows enough for a signal to land mid-run (0.2 s a call, 4 in flight: ≥ 4 s of run): 80 made the
# rerun, with no delay, take seconds more on CI.
ROWS = 40


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [(signal.SIGINT, 130, "Ctrl+C: cancelling"), (signal.SIGTERM, 143, "SIGTERM: cancelling")],
)
def test_a_stop_signal_cancels_cleanly_and_a_rerun_resumes(
    tmp_path: Path, bulk_csv: Any, signum: signal.Signals, code: int, said: str
) -> None:
    """Ctrl+C, and SIGTERM the same way (kill, systemd, a CI timeout): the state saved, the
    result file written, the summary and the resume hint printed."""
    path = bulk_csv(ROWS, bad=False)
    env = {**os.environ, "FPCONSOLE_SANDBOX_DELAY": "0.2", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "fpconsole", "bulk", str(path), "--in-flight", "4"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # wait until some rows are done, then Ctrl+C
        line = process.stderr.readline()
        if not line:
            break
        if line[0].isdigit() and not line.startswith("0/"):
            break
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    assert said in err and "no new rows, polling stopped" in err
    assert "fpconsole bulk: run the same command again to continue" in err
    first = result_rows(tmp_path / "clients.result.csv")
    done_first = sum(r["status"] == "done" for r in first)
    assert 0 < done_first < ROWS and {r["status"] for r in first} <= {"done", "pending", "unknown"}
    assert "not finished (run again to continue)" in out

    env["FPCONSOLE_SANDBOX_DELAY"] = "0"
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{ROWS} done ({done_first} by an earlier run)" in rerun.stdout
    rows = result_rows(tmp_path / "clients.result.csv")
    assert [r["status"] for r in rows] == ["done"] * ROWS
    from fpconsole.session import EMBEDDED_SEED_CLIENTS as seeded_clients  # the demo data

    clients, _ = sandbox_counts()
    assert clients - seeded_clients == ROWS, "no row created twice"
    assert len({r["client_id"] for r in rows}) == ROWS and len({r["card_id"] for r in rows}) == ROWS


def test_rows_carried_over_from_an_earlier_file_are_counted_in_english() -> None:
    from fpconsole.bulk.command import adopted_line

    assert "1 row is unchanged" in adopted_line(1) and "; it continued from" in adopted_line(1)
    assert "3 rows are unchanged" in adopted_line(3) and "; they continued from" in adopted_line(3)
