"""Sandbox controls in the journal: an operator's session that funded a card with
`fpconsole sandbox topup` is recorded with the top-up as its sandbox step (the card a reference)
and replays green on a fresh sandbox; the journaled top-up holds no secret, keeps the chain
intact, and `call --from-journal` points to `fpconsole sandbox` instead of sending it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenario_helpers import run

from fpconsole import cli
from fpconsole.config import BUILTIN_SANDBOX_SECRET
from fpconsole.scenario.parse import load
from fpconsole.store.journal import Journal

SETUP = """
name = "An operator's first three calls"

[[step]]
name = "client"
method = "client.add"
[step.fields]
product_id = 2000
client = { phone = 77011234567, type = 1, resident = 1, first_name = "ALIYA", last_name = "SERIKOVA" }

[[step]]
name = "issue"
method = "card.issue"
[step.fields]
product_id = 2000
client_id = "${client.client_id}"

[[step]]
name = "activate"
method = "card.activate"
fields = { card_id = "${issue.cards.0.card_id}" }
"""


def cli_run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def issued_card() -> str:
    with Journal.open(profile="sandbox", prune=False) as journal:
        (issue,) = journal.entries(method="card.issue")
    assert issue.response is not None
    return str(issue.response["cards"][0]["card_id"])


def funded_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """create client → issue → activate (journaled calls), top up from the CLI, pay."""
    setup = tmp_path / "setup.toml"
    setup.write_text(SETUP)
    code, out, _ = run(capsys, "run", str(setup))
    assert code == 0, out
    card = issued_card()
    code, _out, err = cli_run(capsys, "sandbox", "topup", card, "10000")
    assert code == 0, err
    code, out, err = cli_run(
        capsys,
        "call",
        "transaction.create",
        "order_id=ORD-rec-1",
        f"card_id={card}",
        "amount=3500",
        "currency=KZT",
        "--wait",
    )
    assert code == 0, out + err
    return card


def test_a_session_that_funded_a_card_replays_green_on_a_fresh_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    card = funded_session(tmp_path, capsys)
    recorded = tmp_path / "session.toml"
    code, _out, err = run(capsys, "record", "--output", str(recorded))
    assert code == 0, err
    text = recorded.read_text()
    steps = load(recorded).steps
    assert [step.kind for step in steps] == [
        "client.add",
        "card.issue",
        "card.activate",
        "sandbox.top_up",
        "transaction.create",
    ]
    fund = steps[3]
    assert fund.fields == {
        "card_id": "${card_issue.cards.0.card_id}",
        "amount": 10000,
        "currency": "KZT",
    }
    assert card not in text.split('sandbox = "top_up"')[1].split("[[step]]")[0]

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    monkeypatch.setenv("FPCONSOLE_HOME", str(fresh))
    code, out, _ = run(capsys, "run", str(recorded))
    assert code == 0, out
    assert "PASSED: 5 passed" in out


def test_a_journaled_top_up_holds_no_secret_and_the_chain_stays_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = funded_session(tmp_path, capsys)
    with Journal.open(profile="sandbox", prune=False) as journal:
        (top_up,) = journal.entries(method="sandbox.top_up")
        assert journal.verify().intact
    assert top_up.outcome == "success" and top_up.changes_state
    assert top_up.operator and top_up.path == "/sandbox/credit"
    assert top_up.target_ids == {"card_id": card}
    assert top_up.request == {
        "request_id": top_up.request_id,
        "card_id": card,
        "amount": 10000,
        "currency": "KZT",
    }
    assert top_up.response is not None and top_up.response.get("card_id") == card
    stored = json.dumps(top_up.to_json())
    # The built-in sandbox profile's partner secret signs the call and is never kept.
    assert BUILTIN_SANDBOX_SECRET not in stored
    assert BUILTIN_SANDBOX_SECRET not in Path(journal.path).read_bytes().decode("utf-8", "replace")

    code, out, _err = cli_run(capsys, "journal", "verify")
    assert code == 0, out
    code, out, _err = cli_run(capsys, "journal")
    assert "sandbox.top_up" in out

    code, _out, err = cli_run(capsys, "call", "--from-journal", str(top_up.request_id))
    assert code == 2
    assert "is a sandbox control (sandbox.top_up), not a Card API request" in err
    assert "fpconsole sandbox" in err


def test_reads_are_not_journaled_and_a_refused_top_up_is(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, _err = cli_run(capsys, "sandbox", "clock", "show")
    assert code == 0
    code, _out, _err = cli_run(capsys, "sandbox", "topup", "9999999999", "10")
    assert code != 0
    with Journal.open(profile="sandbox", prune=False) as journal:
        entries = journal.entries()
        assert journal.pending() == []  # a control is never polled with request/status
    assert [(e.method, e.outcome) for e in entries] == [("sandbox.top_up", "error")]
    assert entries[0].error_code == "not_found"
