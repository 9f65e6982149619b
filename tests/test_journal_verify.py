"""`fpconsole journal verify` (exit 0 intact, 1 broken, naming the first entry where it breaks),
`journal --json` with the chain fields, and the reason given to `call` reaching the journal."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "store"))
from store_events import answered, sent

from fpconsole import cli
from fpconsole.api.names import MethodName
from fpconsole.locations import journal_db
from fpconsole.store.journal import MIGRATIONS, Journal


def _record(count: int, profile: str = "sandbox") -> list[int]:
    start = datetime.now(UTC) - timedelta(minutes=10)
    with Journal.open(journal_db(), profile=profile) as journal:
        for n in range(count):
            rid = f"req-{n}"
            at = start + timedelta(seconds=n)
            body = {"request_id": rid, "card_id": "7000001", "description": f"reason {n}"}
            journal.record(sent(MethodName.CARD_BLOCK, rid, body, at))
            journal.record(answered(MethodName.CARD_BLOCK, rid, {}, at))
        return [e.id for e in journal.entries(oldest_first=True)]


def test_verify_an_intact_journal(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _record(3)
    assert cli.main(["journal", "verify"]) == 0
    assert capsys.readouterr().out == (
        "journal of profile sandbox: 3 entries: chain intact (3 chained; the chain starts at entry #1)\n"
    )


def test_verify_names_the_first_broken_entry(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _record(4)
    with Journal.open(journal_db(), profile="sandbox") as journal:
        journal.conn.execute("DELETE FROM requests WHERE id = ?", (ids[1],))
        journal.conn.execute("UPDATE requests SET reason = 'nothing' WHERE id = ?", (ids[3],))
    assert cli.main(["journal", "verify"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"journal of profile sandbox: 3 entries: chain BROKEN at entry #{ids[2]}\n")
    assert f"does not follow #{ids[0]}: an entry between them was deleted" in out


def test_verify_json(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _record(2)
    with Journal.open(journal_db(), profile="sandbox") as journal:
        journal.conn.execute("UPDATE requests SET outcome = 'error' WHERE id = ?", (ids[1],))
    assert cli.main(["journal", "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["intact"] is False and report["broken_at"] == ids[1] and report["chain_starts_at"] == ids[0]
    assert "outcome" in report["problem"] and report["chained"] == 1  # intact before the break


def test_verify_says_where_an_old_journals_chain_starts(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fpconsole.store import db

    old, _ = db.open_database(journal_db(), MIGRATIONS[:1], label="request journal")
    old.execute(
        "INSERT INTO requests (profile, request_id, method, outcome, sent_at, sent_ts, updated_at) "
        "VALUES ('sandbox', 'old', 'card.info', 'success', ?, ?, ?)",
        (datetime.now(UTC).isoformat(), datetime.now(UTC).timestamp(), datetime.now(UTC).isoformat()),
    )
    old.close()
    assert cli.main(["journal", "verify"]) == 0
    assert "no audit chain yet (it starts with the next request sent)" in capsys.readouterr().out
    _record(1)
    assert cli.main(["journal", "verify"]) == 0
    assert capsys.readouterr().out == (
        "journal of profile sandbox: 2 entries: chain intact (1 chained; the chain starts at entry #2; "
        "1 older entry was recorded before the audit chain existed)\n"
    )


def test_verify_without_a_journal_and_with_wrong_input(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["journal", "verify"]) == 0
    assert capsys.readouterr().out == "no requests recorded for profile sandbox yet: nothing to verify\n"
    assert cli.main(["journal", "verify", "--since", "2h"]) == 2
    assert "--since does not apply" in capsys.readouterr().err
    assert cli.main(["journal", "verify", "--profile", "nope"]) == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err


def test_journal_json_exports_who_why_and_the_chain(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(2)
    assert cli.main(["journal", "--json"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["operator"] == "qa@jumphost" and first["reason"] == "reason 0"
    assert second["prev_hash"] == first["hash"] and len(second["state_hash"]) == 64
    assert cli.main(["journal"]) == 0
    assert "by qa@jumphost  reason: reason 1" in capsys.readouterr().out


def test_the_reason_given_to_call_is_journalled(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The sandbox has no such card: the request is refused, and still journalled with its reason.
    cli.main(["call", "card.block", "card_id=7999999", "reason=Customer called: card lost"])
    capsys.readouterr()
    with Journal.open(journal_db(), profile="sandbox") as journal:
        entry = journal.entries()[0]
        assert journal.verify().intact
    assert entry.method == "card.block" and entry.reason == "Customer called: card lost"
    assert entry.operator == "qa@jumphost" and entry.profile == "sandbox"
