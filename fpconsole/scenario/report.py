"""What a run prints: one line per step as it ends (with its request_id, to look it up in the
journal), what went wrong under a failed step, a summary per file; or one JSON document."""

from __future__ import annotations

from typing import Any, Final

from fpconsole.scenario.runner import ScenarioRun, State, StepResult

MARKS: Final = {
    "pass": "ok  ",
    "fail": "FAIL",
    "error": "ERR ",
    "skip": "skip",
    "running": "... ",
    "pending": "    ",
}


def step_line(result: StepResult, *, compact: bool = False) -> str:
    """`compact`: the console's narrower columns (80 wide), the request_id shortened."""
    step = result.step
    name, kind = (14, 22) if compact else (16, 26)
    parts = [f"  {MARKS[result.state]} {step.name:<{name}} {step.kind:<{kind}}"]
    if result.state != "skip":
        parts.append(f" {result.status or '-':<8}")
        if result.elapsed_ms is not None:
            parts.append(f" {result.elapsed_ms:>7.0f} ms")
        if result.request_id:
            # The console shows it as its Requests list does (0f86df70-…), which / finds.
            parts.append(f"  {result.request_id[:9]}…" if compact else f"  request_id {result.request_id}")
    return "".join(parts).rstrip()


def details(result: StepResult) -> list[str]:
    """The lines under a step that did not pass."""
    if result.state in ("pass", "skip", "running", "pending"):
        return []
    return [f"         {line}" for line in result.explanation()]


def header(run: ScenarioRun) -> str:
    return (
        f"{run.scenario.shown}: {run.scenario.name} ({len(run.scenario.steps)} steps, profile {run.profile})"
    )


def summary(run: ScenarioRun) -> str:
    counts = [f"{run.count('pass')} passed"]
    states: tuple[tuple[State, str], ...] = (
        ("fail", "failed"),
        ("error", "could not run"),
        ("skip", "skipped"),
    )
    for state, word in states:
        if run.count(state):
            counts.append(f"{run.count(state)} {word}")
    verdict = "PASSED" if run.exit_code == 0 else "FAILED"
    return f"{run.scenario.shown}: {verdict}: {', '.join(counts)}"


def to_json(runs: list[ScenarioRun], exit_code: int) -> dict[str, Any]:
    return {
        "passed": exit_code == 0,
        "exit_code": exit_code,
        "scenarios": [
            {
                "file": run.scenario.shown,
                "name": run.scenario.name,
                "profile": run.profile,
                "passed": run.exit_code == 0,
                "exit_code": run.exit_code,
                "steps": [result.to_json() for result in run.results],
            }
            for run in runs
        ],
    }
