"""JUnit XML, as CI servers read it (the Ant/Jenkins schema): <testsuites> of one <testsuite> per
scenario file, one <testcase> per step; a failed assertion is <failure>, a step that could not
run (transport, invalid request) is <error>, a step after a failure is <skipped>. The request_id
goes to <system-out>, so the failure can be followed in the journal."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from fpconsole.scenario.runner import ScenarioRun


def _seconds(ms: float | None) -> str:
    return f"{(ms or 0.0) / 1000:.3f}"


def build(runs: list[ScenarioRun]) -> ET.Element:
    root = ET.Element("testsuites", name="fpconsole scenarios")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    for index, run in enumerate(runs):
        counts = {
            "tests": len(run.results),
            "failures": run.count("fail"),
            "errors": run.count("error"),
            "skipped": run.count("skip"),
        }
        attributes = {
            "name": run.scenario.name,
            "id": str(index),
            "file": run.scenario.shown,
            "timestamp": stamp,
            "hostname": run.profile or "fpconsole",
            "time": _seconds(run.elapsed_ms),
            **{key: str(value) for key, value in counts.items()},
        }
        suite = ET.SubElement(root, "testsuite", attributes)
        for key, value in counts.items():
            totals[key] += value
        classname = Path(run.scenario.shown).stem
        for result in run.results:
            case = ET.SubElement(
                suite,
                "testcase",
                name=result.step.name,
                classname=classname,
                time=_seconds(result.elapsed_ms),
            )
            explained = "\n".join(result.explanation())
            first = explained.splitlines()[0] if explained else ""
            if result.state == "fail":
                ET.SubElement(case, "failure", message=first, type="assertion").text = explained
            elif result.state == "error":
                ET.SubElement(case, "error", message=first, type=f"exit {result.exit_code}").text = explained
            elif result.state == "skip":
                ET.SubElement(case, "skipped", message=result.message)
            out = [f"{result.step.kind} (line {result.step.line})"]
            if result.request_id:
                out.append(f"request_id: {result.request_id}")
            if result.status:
                out.append(
                    f"status: {result.status}" + (f" {result.error_code}" if result.error_code else "")
                )
            ET.SubElement(case, "system-out").text = "\n".join(out)
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("skipped", str(totals["skipped"]))
    return root


def target_problem(target: Path) -> str | None:
    """Why the report cannot be written at `target`, said before any step is sent (a run that
    finds out at its end has sent every step for nothing); None when it can."""
    if target.is_dir():
        return f"is a folder; give a file name in it, e.g. --junit {target / 'scenarios.xml'}"
    if target.exists() and not target.is_file():
        return "is not a regular file; give the path of an .xml file to write"
    if target.exists() and not os.access(target, os.W_OK):
        return "cannot write it (permission denied); give another path"
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        return f"the folder {folder} does not exist; create it (mkdir -p {folder}) or give another path"
    if not folder.is_dir():
        return f"{folder} is not a folder; give another path"
    if not target.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot create a file in {folder} (permission denied); give another path"
    return None


def write(runs: list[ScenarioRun], target: Path) -> None:
    tree = ET.ElementTree(build(runs))
    ET.indent(tree)
    tree.write(target, encoding="utf-8", xml_declaration=True)


def write_refusal(problems: list[str], target: Path) -> None:
    """The report of a run refused before anything was sent: one suite, one errored case."""
    root = ET.Element(
        "testsuites", name="fpconsole scenarios", tests="1", failures="0", errors="1", skipped="0"
    )
    suite = ET.SubElement(
        root, "testsuite", name="scenario files", tests="1", failures="0", errors="1", skipped="0", time="0"
    )
    case = ET.SubElement(suite, "testcase", name="read and check the files", classname="scenario", time="0")
    first = problems[0] if problems else "refused"
    ET.SubElement(case, "error", message=first, type="exit 2").text = "\n".join(problems)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(target, encoding="utf-8", xml_declaration=True)
