"""--junit output read back by junitparser (a test-only extra): the parser Jenkins-style tools
and many CI plugins are built on, so what it reads is what a CI server shows. Pass, failure,
error and skipped each land where it expects them, with the request_id in system-out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from scenario_helpers import run

FLOW = """\
name = "junit demo"

[[step]]
name = "client"
method = "client.add"
[step.fields]
product_id = 2000
client = { phone = 77011234567, type = 1, resident = 1, first_name = "A", last_name = "B" }

[[step]]
name = "wrong"
method = "client.cards"
fields = { client_id = "${client.client_id}" }
expect.fields = { "cards.0.card_id" = "7000000" }

[[step]]
name = "never"
method = "card.info"
fields = { card_id = "7000000" }
"""


def test_junit_loads_in_junitparser_with_each_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = tmp_path / "demo.toml"
    flow.write_text(FLOW)
    report = tmp_path / "out.xml"
    code, _out, _err = run(capsys, "run", str(flow), "--junit", str(report))
    assert code == 1
    xml = JUnitXml.fromfile(str(report))
    (suite,) = list(xml)
    assert (suite.name, suite.tests, suite.failures, suite.errors, suite.skipped) == (
        "junit demo",
        3,
        1,
        0,
        1,
    )
    cases = {case.name: case for case in suite}
    assert cases["client"].is_passed
    assert cases["client"].classname == "demo"
    assert "request_id: " in (cases["client"].system_out or "")
    (failure,) = cases["wrong"].result
    assert isinstance(failure, Failure)
    assert failure.message is not None and "wrong: field cards.0.card_id" in failure.message
    assert 'expected "7000000"' in failure.message
    (skipped,) = cases["never"].result
    assert isinstance(skipped, Skipped)


def test_a_step_that_could_not_run_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    flow = tmp_path / "demo.toml"
    flow.write_text(FLOW.replace('"${client.client_id}"', '"${client.cards.9.card_id}"'))
    report = tmp_path / "out.xml"
    code, _out, _err = run(capsys, "run", str(flow), "--junit", str(report))
    assert code == 2
    (suite,) = list(JUnitXml.fromfile(str(report)))
    (error,) = {case.name: case for case in suite}["wrong"].result
    assert isinstance(error, Error)
    assert error.message is not None and "${client.cards.9.card_id}" in error.message


def test_an_unwritable_junit_path_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow = tmp_path / "demo.toml"
    flow.write_text(FLOW.split('[[step]]\nname = "wrong"')[0])
    code, _out, err = run(capsys, "run", str(flow), "--junit", str(tmp_path / "no" / "such" / "out.xml"))
    assert code == 2
    assert "--junit" in err and "does not exist" in err


@pytest.mark.parametrize("where", ["folder", "missing", "file_as_folder", "read_only"])
def test_a_junit_path_that_cannot_be_written_is_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_home: Path, where: str
) -> None:
    flow = tmp_path / "demo.toml"
    flow.write_text(FLOW.split('[[step]]\nname = "wrong"')[0])
    (tmp_path / "plain").write_text("")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    target = {
        "folder": tmp_path,
        "missing": tmp_path / "no" / "such" / "out.xml",
        "file_as_folder": tmp_path / "plain" / "out.xml",
        "read_only": locked / "out.xml",
    }[where]
    if where == "read_only" and os.access(locked, os.W_OK):
        pytest.skip("running as root: every folder is writable")
    code, out, err = run(capsys, "run", str(flow), "--junit", str(target))
    assert code == 2
    assert out == "", "no step may run when the report cannot be written"
    assert f"--junit {target}:" in err


def test_a_junit_report_that_fails_at_the_end_is_not_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpconsole.scenario import junit

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(junit, "write", disk_full)
    flow = tmp_path / "demo.toml"
    flow.write_text(FLOW.split('[[step]]\nname = "wrong"')[0])
    code, _out, err = run(capsys, "run", str(flow), "--junit", str(tmp_path / "out.xml"))
    assert code == 2
    assert "--junit" in err and "No space left on device" in err


def test_a_refused_run_still_writes_a_report_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = tmp_path / "bad.toml"
    flow.write_text('name = "x"\n[[step]]\nname = "a"\nmethod = "card.isue"\n')
    report = tmp_path / "out.xml"
    code, _out, _err = run(capsys, "run", str(flow), "--junit", str(report))
    assert code == 2
    (suite,) = list(JUnitXml.fromfile(str(report)))
    assert (suite.tests, suite.errors) == (1, 1)
    (case,) = list(suite)
    (error,) = case.result
    assert isinstance(error, Error)
    assert error.message is not None and "bad.toml:4: step 'a': unknown method 'card.isue'" in error.message
