"""Every scenario in scenarios/ passes against the embedded sandbox and against a real
`fpconsole sandbox serve` on a free port (reached with --base-url, as CI would)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fpconsole import cli

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").glob("*.toml"))
IDS = [path.name for path in FILES]


def test_the_repo_has_the_lifecycle_flows() -> None:
    assert {path.stem for path in FILES} >= {
        "lifecycle",
        "block_unblock_close",
        "pin",
        "kyc_product_1000",
        "bulk",
    }


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_scenario_passes_on_the_embedded_sandbox(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["scenario", "run", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "PASSED" in out


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("served-home")
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "FPCONSOLE_HOME": str(home),
        "FPCONSOLE_SANDBOX_PARTNERS": "42:scenario-secret",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "fpconsole", "sandbox", "serve", "--port", "0", "--delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=home,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # blocks until the banner (or the end, on a failure)
    if "listening on" not in first:
        process.kill()
        raise AssertionError(f"serve did not start: {first!r} {process.communicate()[1]}")
    yield first.split("listening on", 1)[1].strip()
    process.terminate()
    process.communicate(timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_scenario_passes_on_a_served_sandbox(
    path: Path, served: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FP_SCENARIO_SECRET", "scenario-secret")
    code = cli.main(
        [
            "scenario",
            "run",
            str(path),
            "--base-url",
            served,
            "--auth-id",
            "42",
            "--secret-env",
            "FP_SCENARIO_SECRET",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "PASSED" in out
