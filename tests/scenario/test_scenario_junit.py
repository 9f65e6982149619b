"""--junit output read back by junitparser (a test-only extra): the parser Jenkins-style tools
and many CI plugins are built on, so what it reads is what a CI server shows. Pass, failure,
error and skipped each land where it expects them, with the request_id in system-out."""

from __future__ import annotations

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
    assert "--junit" in err and "cannot write it" in err


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
