"""A small fault drill (bench/fault_drill.py) as a test: `fpconsole bulk` of 40 rows against a
served sandbox failing 10% of calls, the server SIGKILLed and restarted, bulk SIGTERMed and
resumed. Nothing may be duplicated or lost. (The longest silence on stderr is a timing figure:
printed here, held to its bound by the bench, not asserted on a loaded machine.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DRILL = Path(__file__).resolve().parents[2] / "bench" / "fault_drill.py"


@pytest.mark.slow
def test_a_small_fault_drill_duplicates_nothing_and_loses_nothing() -> None:
    argv = [sys.executable, str(DRILL), "--rows", "40", "--delay", "0.05", "--down", "1", "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.stdout.strip(), done.stderr
    figures = json.loads(done.stdout)
    print(
        f"drill: {len(figures['runs'])} runs, longest silence {figures['longest_silence_s']:.1f} s, "
        f"server down {figures['server_down_s']:.1f} s"
    )
    assert figures["rows_done"] == 40, figures
    assert figures["duplicated"] == 0 and figures["lost"] == 0, figures
    assert figures["sandbox_clients"] == 40 and figures["sandbox_cards"] == 40
    runs = figures["runs"]
    assert any(run["server_killed"] for run in runs)
    termed = [run for run in runs if run["sigterm"]]
    assert len(termed) == 1 and termed[0]["exit_code"] == 143, runs  # SIGTERM: saved, summary, 128+15
    assert "results in" in termed[0]["summary"]
    assert runs[-1]["exit_code"] == 0
    assert all(run["lines"] > 0 for run in runs)
