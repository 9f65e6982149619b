"""`fpconsole scenario record`: a session from the journal becomes a scenario that replays green
on a fresh sandbox; with a field changed it fails naming the step, the field, expected and got."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_helpers import SCENARIOS, run

from fpconsole.scenario.parse import load


def fresh_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    home = tmp_path / name
    home.mkdir()
    monkeypatch.setenv("FPCONSOLE_HOME", str(home))


def test_a_recorded_session_replays_green_and_a_changed_field_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The operator's session: the PIN flow (a secret in it) and block/unblock/close.
    for flow in ("pin.toml", "block_unblock_close.toml"):
        code, out, _ = run(capsys, "run", str(SCENARIOS / flow))
        assert code == 0, out
    recorded = tmp_path / "session.toml"
    code, _out, err = run(capsys, "record", "--output", str(recorded))
    assert code == 0, err
    assert f"wrote {recorded} (16 steps)" in err
    text = recorded.read_text()
    assert "q3Jx0v9mW0b8k3YtZx3z1Q==" not in text  # the PIN is a prompt, not a value
    assert 'pin = "${secret.pin}"' in text
    assert 'card_id = "${card_issue.cards.0.card_id}"' in text  # ids became references
    assert load(recorded).steps[0].method == "client.add"

    fresh_sandbox(tmp_path, monkeypatch, "fresh")
    monkeypatch.setenv("FPCONSOLE_SCENARIO_PIN", "q3Jx0v9mW0b8k3YtZx3z1Q==")
    code, out, _ = run(capsys, "run", str(recorded))
    assert code == 0, out
    assert "PASSED: 16 passed" in out

    changed = tmp_path / "changed.toml"
    changed.write_text(text.replace('"card.status" = "blocked"', '"card.status" = "active"', 1))
    fresh_sandbox(tmp_path, monkeypatch, "fresh2")
    monkeypatch.setenv("FPCONSOLE_SCENARIO_PIN", "q3Jx0v9mW0b8k3YtZx3z1Q==")
    code, out, _ = run(capsys, "run", str(changed))
    assert code == 1
    assert 'card_info_2: field card.status: expected "active", got "blocked"' in out


def test_record_refuses_what_it_cannot_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "record")
    assert code == 2 and "no requests in the journal of profile sandbox" in err
    existing = tmp_path / "x.toml"
    existing.write_text("keep me")
    code, _out, err = run(capsys, "record", "--output", str(existing))
    assert code == 2 and "exists; choose another --output, or add --force" in err
    assert existing.read_text() == "keep me"
    code, _out, err = run(capsys, "record", "--since", "yesterday-ish")
    assert code == 2 and "--since" in err
    code, _out, err = run(capsys, "record", "--from", "nope")
    assert code == 2


def test_last_and_from_pick_a_range(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "run", str(SCENARIOS / "bulk.toml"))
    assert code == 0, out
    code, out, _ = run(capsys, "record", "--last", "2")
    assert code == 0
    assert out.count("[[step]]") == 2
    assert 'method = "card.link"' in out and 'method = "client.cards"' in out
    # The card linked came from a step outside the range: it stays a value, not a reference.
    assert "${" not in out.split('method = "card.link"')[1].split("[step.expect]")[0]
