"""Helpers for the scenario tests: write a file, run `fpconsole scenario ...` in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from fpconsole import cli

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["scenario", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err
