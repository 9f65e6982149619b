"""Every command that prints ends quietly when its reader goes away (`fpconsole journal | head -3`),
and `fpconsole --version` prints the one version there is.

Real processes and real pipes: a read end closed before the command writes (so the first write
fails, whatever the size), and shell pipelines into `head` over an output larger than a pipe's
buffer (so a write fails halfway through). "Quietly" means: nothing on stderr but what the command
says anyway, no traceback, no "Exception ignored", and exit status 141, what a shell reports for
`cat big | head -1`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import fpconsole
from fpconsole import cli, exit_codes
from fpconsole.api.events import RequestSent, ResponseReceived
from fpconsole.store.journal import Journal

ROOT = Path(__file__).resolve().parents[1]
FPCONSOLE = [sys.executable, "-m", "fpconsole"]
NOISE = ("Traceback", "BrokenPipeError", "Exception ignored", "Errno 32")
pytestmark = pytest.mark.slow


def fill_journal(entries: int) -> None:
    """`entries` answered card.info requests in the sandbox profile's journal (~200 bytes a line)."""
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    with Journal.open(profile="sandbox") as journal:
        for index in range(entries):
            at = start + timedelta(seconds=index)
            request_id = f"00000000-0000-4000-8000-{index:012d}"
            journal.record(
                RequestSent(
                    method="card.info",
                    path="/v5/card-api/card/info",
                    request_id=request_id,
                    target_ids={"card_id": str(7001001 + index)},
                    request={"card_id": str(7001001 + index)},
                    changes_state=False,
                    at=at,
                )
            )
            journal.record(
                ResponseReceived(
                    method="card.info",
                    request_id=request_id,
                    status="ok",
                    request_status=None,
                    response={"status": "ok"},
                    latency_ms=12.5,
                    at=at,
                )
            )


def run_with_closed_reader(args: list[str], cwd: Path | None = None) -> tuple[int, str]:
    """Run `fpconsole ARGS` with its stdout a pipe whose read end is already closed."""
    process = subprocess.Popen(
        [*FPCONSOLE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd or ROOT
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    process.stdout = None  # communicate() reads stderr only
    try:
        _, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # a server that never noticed
        process.kill()
        _, err = process.communicate()
        return -1, err.decode()
    return process.returncode, err.decode()


@pytest.mark.parametrize(
    "args",
    [
        ["methods"],
        ["methods", "--json"],
        ["locate"],
        ["locate", "state"],
        ["profiles"],
        ["journal"],
        ["journal", "--json"],
        ["call", "card.info", "card_id=7001001"],
        ["call", "card.info", "card_id=7001001", "--curl"],
        ["call", "client.cards", "client_id=CL-100001", "--wait"],
        # Its banner is its only output: with no one to read it, it stops rather than serve blind.
        ["sandbox", "serve", "--port", "0"],
    ],
    ids=lambda args: " ".join(args),
)
def test_a_reader_gone_before_the_first_write_ends_the_command_quietly(args: list[str]) -> None:
    fill_journal(3)
    code, err = run_with_closed_reader(args)
    assert code == exit_codes.EXIT_BROKEN_PIPE == 141, err
    assert not any(noise in err for noise in NOISE), err


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["call", "--help"]])
def test_argparse_output_into_a_closed_pipe_is_quiet(args: list[str]) -> None:
    # argparse swallows the failed write itself; whichever way it goes, nothing is printed.
    code, err = run_with_closed_reader(args)
    assert code in (0, 141)
    assert err == ""


def test_bulk_into_a_closed_pipe_still_writes_its_results(tmp_path: Path) -> None:
    source = tmp_path / "clients.csv"
    shutil.copy(ROOT / "samples" / "clients.csv", source)
    code, err = run_with_closed_reader(["bulk", str(source)], cwd=tmp_path)
    # 141 from the CLI's guard, or bulk's own status (0: every row done) where bulk keeps going
    # past a lost summary line: either way quiet, and the work is saved.
    assert code in (0, 141), err
    assert not any(noise in err for noise in NOISE), err
    # The summary line was lost; the work and its result file were not.
    assert (tmp_path / "clients.result.csv").read_text().count(",done,") == 20


@pytest.mark.skipif(
    shutil.which("bash") is None or shutil.which("head") is None, reason="needs bash and head"
)
@pytest.mark.parametrize(
    ("command", "lines"),
    [
        ("journal | head -3", 3),
        ("journal --json | head -1", 1),
        ("methods --json | head -1", 1),
    ],
)
def test_a_reader_that_leaves_halfway_gets_its_lines_and_no_traceback(command: str, lines: int) -> None:
    # 2,000 entries are ~400 KB, far over a pipe's 64 KB: the writer is still writing when head leaves.
    fill_journal(2000)
    fpconsole_words = " ".join(FPCONSOLE)
    script = f'{fpconsole_words} {command}; echo "status=${{PIPESTATUS[0]}}" >&2'
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, env=os.environ
    )
    assert len(done.stdout.splitlines()) == lines
    assert not any(noise in done.stderr for noise in NOISE), done.stderr
    status = done.stderr.strip().splitlines()[-1]
    # methods --json is small enough to be written whole before head leaves; journal is not.
    assert status in ("status=141", "status=0") if command.startswith("methods") else status == "status=141"


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"fpconsole {fpconsole.__version__}\n"


def test_version_as_a_real_process() -> None:
    done = subprocess.run([*FPCONSOLE, "--version"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"fpconsole {fpconsole.__version__}\n", "")


def test_pyproject_reads_the_version_from_the_package() -> None:
    # One source: a second literal in pyproject.toml would drift from fpconsole/__init__.py again.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "fpconsole.__version__"}


def test_the_installed_metadata_agrees() -> None:
    from importlib.metadata import version

    assert version("fpconsole") == fpconsole.__version__


def test_a_closed_stdout_from_the_start_does_nothing_and_says_so() -> None:
    # `fpconsole ... >&-`: no reader at all; nothing is sent, nothing half-done.
    fpconsole_words = " ".join(FPCONSOLE)
    done = subprocess.run(
        ["bash", "-c", f"{fpconsole_words} call card.info card_id=7001001 >&-"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "fpconsole: standard output is closed; nothing was done (use > /dev/null to discard it)\n"
    )


def test_a_closed_stderr_keeps_the_exit_code() -> None:
    # `2>&-`: the message is lost (the user asked for that), the exit status still tells.
    fpconsole_words = " ".join(FPCONSOLE)
    done = subprocess.run(
        ["bash", "-c", f"{fpconsole_words} call card.blok 2>&-"], capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "")


def test_ctrl_c_outside_a_command_s_own_handling_ends_quietly_with_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # E.g. Ctrl+C while `sandbox serve` opens its database, before its server handles signals:
    # that printed a KeyboardInterrupt traceback.
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    assert cli.main(["sandbox", "serve"]) == exit_codes.EXIT_INTERRUPTED == 130
    assert capsys.readouterr().err == "\nfpconsole: interrupted\n"
