"""Every mistake in a scenario file is a message with file:line, the step and the fix, before
anything is sent; never a traceback (also for any text at all: hypothesis)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fpconsole import cli
from fpconsole.scenario.parse import ScenarioError, load, parse_text

GOOD = """\
name = "two steps"

[[step]]
name = "client"
method = "client.add"
[step.fields]
product_id = 2000
client = { phone = 77011234567, type = 1, resident = 1, first_name = "A", last_name = "B" }

[[step]]
name = "issue"
method = "card.issue"
fields = { product_id = 2000, client_id = "${client.client_id}" }
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as raised:
        parse_text(text, Path("flow.toml"))
    return raised.value.problems


def test_a_good_file_reads_into_steps() -> None:
    scenario = parse_text(GOOD, Path("flow.toml"))
    assert scenario.name == "two steps"
    assert [(step.name, step.method, step.line) for step in scenario.steps] == [
        ("client", "client.add", 3),
        ("issue", "card.issue", 10),
    ]
    assert scenario.steps[1].fields["client_id"] == "${client.client_id}"
    assert scenario.steps[0].expect.status == "success"


def test_toml_syntax_names_the_line() -> None:
    (found,) = problems(GOOD.replace('method = "card.issue"', "method = card.issue"))
    assert found.startswith("flow.toml:12: invalid TOML")
    assert "double quotes" in found


def test_an_unknown_method_names_the_line_and_a_close_name() -> None:
    (found,) = problems(GOOD.replace('"card.issue"', '"card.isue"'))
    assert found.startswith("flow.toml:12: step 'issue': unknown method 'card.isue'")
    assert "did you mean card.issue" in found


def test_an_unknown_field_names_its_line_and_the_fields_there_are() -> None:
    (found,) = problems(GOOD.replace("product_id = 2000\nclient =", "product = 2000\nclient ="))
    assert found.startswith("flow.toml:7: step 'client': unknown field 'product'")
    assert "did you mean 'product_id'" in found


def test_an_unknown_nested_field_is_found_too() -> None:
    (found,) = problems(GOOD.replace("first_name", "firstname"))
    assert found.startswith("flow.toml:8: step 'client': unknown field 'client.firstname'")
    assert "first_name" in found


def test_a_reference_to_a_later_step_says_to_move_it() -> None:
    text = GOOD.replace(
        'name = "client"\nmethod = "client.add"', 'name = "client"\nmethod = "client.add"\nnote = "x"'
    )
    text = text.replace(
        "[step.fields]\nproduct_id", '[step.fields]\nbranch_id = "${issue.cards.0.card_id}"\nproduct_id', 1
    )
    (found,) = problems(text)
    assert found.startswith(
        "flow.toml:8: step 'client': ${issue.cards.0.card_id} refers to step 'issue', which comes later"
    )
    assert "move that step above" in found


def test_a_reference_to_no_step_lists_the_earlier_ones() -> None:
    (found,) = problems(GOOD.replace("${client.client_id}", "${clinet.client_id}"))
    assert found.startswith("flow.toml:13: step 'issue': ${clinet.client_id}: there is no step 'clinet'")
    assert "did you mean 'client'" in found and "earlier steps: client" in found


def test_a_malformed_reference_says_how_to_write_one() -> None:
    (found,) = problems(GOOD.replace("${client.client_id}", "${client..client_id}"))
    assert "has an empty part" in found and found.startswith("flow.toml:13:")


def test_step_keys_sandbox_actions_and_expectations_are_checked() -> None:
    text = (
        GOOD + '\n[[step]]\nname = "fund"\nsandbox = "topup"\n\n[[step]]\nname = "x"\nmethod = "card.info"\n'
    )
    text += 'fields = { card_id = "1" }\nexpect = { status = "fine", within = 5 }\nretries = 2\n'
    found = problems(text)
    assert any("step 'fund': unknown sandbox step 'topup' (did you mean 'top_up'?)" in p for p in found)
    assert any("step 'x': expect.status is one of success, error, process, not 'fine'" in p for p in found)
    assert any("unknown expect key 'within' (did you mean 'within_ms'?)" in p for p in found)
    assert any("step 'x': unknown key 'retries'" in p for p in found)


def test_a_sandbox_step_needs_its_fields() -> None:
    found = problems(GOOD + '\n[[step]]\nname = "fund"\nsandbox = "top_up"\nfields = { card = "1" }\n')
    assert any(
        "unknown field 'card' for sandbox top_up; it takes card_id, amount, currency" in p for p in found
    )
    assert any("sandbox top_up needs amount" in p for p in found)


def test_names_must_be_unique_and_present() -> None:
    found = problems(GOOD.replace('name = "issue"', 'name = "client"'))
    assert any("the name is already used by the step on line 3" in p for p in found)
    found = problems(GOOD.replace('name = "issue"\n', ""))
    assert any("step 2 needs a name" in p for p in found)


def test_files_that_cannot_be_read_are_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match="is a folder"):
        load(tmp_path)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(ScenarioError, match=r"latin1.toml:1: the file is not UTF-8"):
        load(bad)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_at_once_not_waited_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "flow.toml"
    os.mkfifo(fifo)
    # Opening a FIFO with no writer blocks forever; the check must come before any open.
    code = cli.main(["scenario", "run", str(fifo)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert f"{fifo}: is a named pipe, not a regular file" in err


def test_the_cli_prints_every_problem_and_exits_2_without_sending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = tmp_path / "flow.toml"
    flow.write_text(GOOD.replace('"card.issue"', '"card.isue"').replace("first_name", "firstname"))
    code = cli.main(["scenario", "run", str(flow)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "flow.toml:8: step 'client': unknown field 'client.firstname'" in err
    assert "flow.toml:12: step 'issue': unknown method 'card.isue'" in err
    assert "Traceback" not in err


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_is_a_scenario_or_a_scenario_error(text: str) -> None:
    try:
        parse_text(text, Path("any.toml"))
    except ScenarioError as exc:
        assert all(problem.startswith("any.toml") for problem in exc.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                *GOOD.splitlines(),
                "[[step]]",
                "expect = 3",
                'fields = "x"',
                "wait = 1",
                'name = "${x}"',
                'sandbox = "reset"',
                "[step.expect]",
                'fields = { a = "${client.}" }',
            ]
        ),
        max_size=30,
    )
)
def test_shuffled_lines_of_a_scenario_never_crash_the_reader(lines: list[str]) -> None:
    with contextlib.suppress(ScenarioError):
        parse_text("\n".join(lines), Path("any.toml"))
