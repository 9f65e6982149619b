"""`fpconsole scenario run` on the embedded sandbox: references, assertions, the report with each
step's request_id, exit codes as `call`'s, sandbox-only steps refused elsewhere, secrets asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenario_helpers import SCENARIOS, run

from fpconsole.store.journal import Journal

TEST_PROFILE = """\
[profiles.qa]
kind = "test"
base_url = "http://127.0.0.1:9"
auth_id = "42"
secret_env = "FP_QA_SECRET"
"""

CARD = """\
name = "a card"

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

[[step]]
name = "info"
method = "card.info"
fields = { card_id = "${issue.cards.0.card_id}" }
expect.fields = { "card.status" = "inactive", "card.client_id" = "${client.client_id}" }
"""


def write(tmp_path: Path, text: str, name: str = "flow.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_lifecycle_passes_with_a_line_per_step_and_its_request_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "run", str(SCENARIOS / "lifecycle.toml"))
    assert code == 0, out + err
    lines = [line for line in out.splitlines() if line.startswith("  ")]
    assert [line.split()[:3] for line in lines][:3] == [
        ["ok", "client", "client.add"],
        ["ok", "issue", "card.issue"],
        ["ok", "issued", "card.info"],
    ]
    assert out.splitlines()[-1].endswith("PASSED: 10 passed")
    # Each request_id shown is the journal's: a failure can be followed there.
    ids = [line.rsplit("request_id ", 1)[1] for line in lines if "request_id" in line]
    assert len(ids) == 10
    with Journal.open(profile="sandbox", prune=False) as journal:
        assert journal.get(ids[1]) is not None and journal.get(ids[1]).method == "card.issue"  # type: ignore[union-attr]


def test_a_field_that_differs_fails_naming_the_step_field_expected_and_got(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = write(
        tmp_path,
        CARD.replace('"card.status" = "inactive"', '"card.status" = "active"')
        + (
            '\n[[step]]\nname = "after"\nmethod = "card.info"\n'
            'fields = { card_id = "${issue.cards.0.card_id}" }\n'
        ),
    )
    code, out, _err = run(capsys, "run", str(flow))
    assert code == 1
    assert 'info: field card.status: expected "active", got "inactive"' in out
    assert "  skip after" in out
    assert "FAILED: 2 passed, 1 failed, 1 skipped" in out


def test_an_expected_refusal_passes_and_a_different_error_code_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused = CARD + (
        '\n[[step]]\nname = "close"\nmethod = "card.close"\n'
        'fields = { card_id = "${issue.cards.0.card_id}", description = "test" }\n'
        '\n[[step]]\nname = "again"\nmethod = "card.activate"\n'
        'fields = { card_id = "${issue.cards.0.card_id}" }\n'
        'expect = { error_code = "card_closed" }\n'
    )
    code, out, _ = run(capsys, "run", str(write(tmp_path, refused)))
    assert code == 0, out
    code, out, _ = run(
        capsys, "run", str(write(tmp_path, refused.replace('"card_closed"', '"card_blocked"')))
    )
    assert code == 1
    assert 'again: error_code: expected "card_blocked", got "card_closed"' in out


def test_a_step_answered_with_an_unexpected_error_says_the_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = write(
        tmp_path,
        'name = "x"\n[[step]]\nname = "info"\nmethod = "card.info"\nfields = { card_id = "7999999" }\n',
    )
    code, out, _ = run(capsys, "run", str(flow))
    assert code == 1
    assert 'info: status: expected "success", got "error" (not_found' in out


def test_a_reference_to_a_missing_part_of_an_answer_is_said_and_nothing_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = write(tmp_path, CARD.replace("${issue.cards.0.card_id}", "${issue.cards.5.card_id}"))
    code, out, _ = run(capsys, "run", str(flow))
    assert code == 2
    assert "info: ${issue.cards.5.card_id}: issue's cards has 1 item(s); '5' is not one of them" in out


def test_sandbox_steps_are_refused_on_a_test_profile_before_anything_is_sent(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_home / "config").mkdir(exist_ok=True)
    (isolated_home / "config" / "config.toml").write_text(TEST_PROFILE)
    monkeypatch.setenv("FP_QA_SECRET", "s3cret")
    code, _out, err = run(capsys, "run", "--profile", "qa", str(SCENARIOS / "lifecycle.toml"))
    assert code == 2
    assert (
        "lifecycle.toml:34: step 'fund' is sandbox-only (sandbox = 'top_up') "
        "and profile 'qa' is a test profile" in err
    )
    assert "nothing was sent" in err
    with Journal.open(profile="qa", prune=False) as journal:
        assert journal.entries() == []


def test_secrets_come_from_the_environment_and_are_asked_for_when_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = write(
        tmp_path,
        (SCENARIOS / "pin.toml").read_text().replace('"q3Jx0v9mW0b8k3YtZx3z1Q=="', '"${secret.pin}"'),
    )
    code, _out, err = run(capsys, "run", str(flow))
    assert code == 2
    assert "${secret.pin} is needed and never written in a scenario file" in err
    assert "export FPCONSOLE_SCENARIO_PIN=" in err
    monkeypatch.setenv("FPCONSOLE_SCENARIO_PIN", "q3Jx0v9mW0b8k3YtZx3z1Q==")
    code, out, err = run(capsys, "run", str(flow))
    assert code == 0, out + err
    with Journal.open(profile="sandbox", prune=False) as journal:
        assert "q3Jx0v9mW0b8k3YtZx3z1Q==" not in json.dumps([e.to_json() for e in journal.entries()])


def test_json_is_one_document_with_every_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "run", "--json", str(write(tmp_path, CARD)))
    assert code == 0
    found = json.loads(out)
    assert found["passed"] is True and found["exit_code"] == 0
    (scenario,) = found["scenarios"]
    assert [step["step"] for step in scenario["steps"]] == ["client", "issue", "info"]
    assert all(step["request_id"] and step["result"] == "pass" for step in scenario["steps"])


def test_a_timing_assertion_fails_with_what_it_took(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = write(tmp_path, CARD.replace("expect.fields = {", "expect.min_ms = 3600000\nexpect.fields = {"))
    code, out, _ = run(capsys, "run", str(flow))
    assert code == 1
    assert 'info: time: expected "≥ 3.6e+06 ms"' in out or 'info: time: expected "≥ 3600000 ms"' in out


def test_an_unreachable_host_is_exit_3(
    isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_home / "config").mkdir(exist_ok=True)
    (isolated_home / "config" / "config.toml").write_text(TEST_PROFILE)
    monkeypatch.setenv("FP_QA_SECRET", "s3cret")
    flow = write(
        tmp_path,
        'name = "x"\n[[step]]\nname = "info"\nmethod = "card.info"\nfields = { card_id = "7001000" }\n',
    )
    code, out, _ = run(capsys, "run", "--profile", "qa", str(flow))
    assert code == 3
    assert "ERR  info" in out


def test_state_changes_are_refused_on_production_and_read_only_profiles() -> None:
    from fpconsole.scenario.parse import load
    from fpconsole.scenario.runner import refusals

    scenario = load(SCENARIOS / "block_unblock_close.toml")
    on_production = refusals(scenario, kind="production", profile="live", read_only=False)
    assert on_production[0].endswith(
        "step 'client' changes state (client.add) and profile 'live' is production: scenarios run on a "
        "sandbox or test profile only"
    )
    read_only = refusals(scenario, kind="test", profile="qa", read_only=True)
    assert any(
        "step 'block' changes state (card.block) and profile 'qa' is read-only" in p for p in read_only
    )
    # Reads alone are fine anywhere.
    assert not [p for p in read_only if "'blocked'" in p]
    assert refusals(scenario, kind="test", profile="qa", read_only=False) == []
