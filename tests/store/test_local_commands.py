"""`fpconsole locate`, `profiles` and `journal` as the CLI calls them."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_events import answered, sent

from fpconsole.local_commands import parse_since, run_journal, run_locate, run_profiles
from fpconsole.store.journal import Journal

CONFIG = """\
[profiles.qa]
kind = "test"
base_url = "https://test-api.freedompay.kz"
auth_id = "123456"
secret_env = "FP_QA_SECRET"

[profiles.prod]
kind = "production"
base_url = "https://api.freedompay.kz"
auth_id = "654321"
secret_file = "~/prod.secret"

[settings]
default_profile = "qa"
"""


def write_config(home: Path, text: str) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_locate(isolated_home: Path) -> None:
    out = io.StringIO()
    assert run_locate(None, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"config  {isolated_home / 'config'}")
    assert lines[1].startswith(f"cache   {isolated_home / 'cache'}")
    assert lines[2].startswith(f"state   {isolated_home / 'state'}")
    assert lines[3].startswith(f"sandbox {isolated_home / 'sandbox'}") and "fake cards" in lines[3]
    out = io.StringIO()
    assert run_locate("state", out) == 0 and out.getvalue() == f"{isolated_home / 'state'}\n"
    assert run_locate("nowhere", io.StringIO()) == 2


def test_profiles_table(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FP_QA_SECRET", "never-printed-secret")
    write_config(isolated_home, CONFIG)
    out = io.StringIO()
    assert run_profiles(None, out) == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "HOST", "AUTH_ID", "ACCESS", "SECRET", "FROM"]
    assert lines[1].split() == [
        "*",
        "qa",
        "test",
        "test-api.freedompay.kz",
        "123456",
        "read-write",
        "env",
        "FP_QA_SECRET",
    ]
    assert lines[2].split()[:6] == ["prod", "production", "api.freedompay.kz", "654321", "read-only", "file"]
    assert lines[3].split()[:4] == ["sandbox", "sandbox", "embedded", "sandbox"]
    assert "never-printed-secret" not in text and "sandbox-secret" not in text


def test_profiles_reports_config_errors(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(isolated_home, '[profiles.qa]\nkind = "prod"\n')
    assert run_profiles(None, io.StringIO()) == 2
    assert f"{path}, line 2: profiles.qa.kind" in capsys.readouterr().err
    assert run_journal("qa", None, False, io.StringIO()) == 2


def test_parse_since() -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert parse_since("2h", now) == now - timedelta(hours=2)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("2025-02-01T10:00:00+00:00") == datetime(2025, 2, 1, 10, tzinfo=UTC)
    assert parse_since("2025-02-01").date().isoformat() == "2025-02-01"
    assert parse_since("2025-02-01 10:00Z") == datetime(2025, 2, 1, 10, tzinfo=UTC)
    assert parse_since("1.5H", now) == now - timedelta(minutes=90)
    for bad in ("yesterday", "", "10", "1y"):
        with pytest.raises(ValueError, match=r"use e\.g\. 2h, 7d"):
            parse_since(bad)
    with pytest.raises(ValueError, match="reaches too far back"):
        parse_since("99999999d", now)  # before year 1: an OverflowError, never a traceback


def test_journal_text_and_json(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    with Journal.open(profile="sandbox") as journal:
        journal.record(
            sent("card.block", "old", {"request_id": "old", "card_id": "7001"}, now - timedelta(days=3))
        )
        journal.record(
            sent("card.block", "r1", {"request_id": "r1", "card_id": "7001"}, now - timedelta(hours=1))
        )
        journal.record(answered("card.block", "r1", {}, now - timedelta(hours=1), request_status="process"))
        journal.record(answered("card.block", "r1", {}, now - timedelta(minutes=59)))
        journal.record(
            sent("card.info", "r2", {"request_id": "r2", "card_id": "7002"}, now, changes_state=False)
        )
    out = io.StringIO()
    assert run_journal("sandbox", "2h", False, out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 5  # oldest first, the 3-day-old one left out; then the pending note
    assert "card.block" in lines[0] and "success" in lines[0] and "r1" in lines[0]
    assert "card_id=7001" in lines[0] and "[sent → process → success]" in lines[0]
    assert "card.info" in lines[1] and "sent" in lines[1]
    # The 3-day-old block never got an answer: outside --since, but still worth settling.
    assert lines[3].startswith("1 request without a final answer") and lines[4].endswith("request_id=old")

    out = io.StringIO()
    assert run_journal("sandbox", None, True, out) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["request_id"] for r in rows] == ["old", "r1", "r2"]
    assert rows[1]["outcome"] == "success" and [c["status"] for c in rows[1]["changes"]] == [
        "process",
        "success",
    ]

    assert run_journal("sandbox", "last week", False, io.StringIO()) == 2
    assert "is not a date or a duration" in capsys.readouterr().err
    assert run_journal("sandbox", "", False, io.StringIO()) == 2  # an unset shell variable
    assert run_journal("sandbox", "99999999d", True, io.StringIO()) == 2
    assert "reaches too far back" in capsys.readouterr().err


def test_journal_says_how_to_settle_pending_requests(isolated_home: Path) -> None:
    now = datetime.now(UTC)
    with Journal.open(profile="sandbox") as journal:
        journal.record(sent("card.block", "r-proc", {"request_id": "r-proc", "card_id": "7001"}, now))
        journal.record(answered("card.block", "r-proc", {}, now, request_status="process"))
    out = io.StringIO()
    assert run_journal("sandbox", None, False, out) == 0
    lines = out.getvalue().splitlines()
    assert "card.block" in lines[0] and "process" in lines[0] and "[sent → process]" in lines[0]
    assert lines[2].startswith("1 request without a final answer yet (sent, process or unknown)")
    assert lines[3] == "  fpconsole --profile sandbox call request.status request_id=r-proc"
    out = io.StringIO()
    assert run_journal("sandbox", None, True, out) == 0  # JSON lines stay pure
    assert [json.loads(line)["outcome"] for line in out.getvalue().splitlines()] == ["process"]


def test_journal_unknown_profile_and_empty(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert run_journal("sandbox", None, False, out) == 0
    assert out.getvalue() == "no requests recorded for profile sandbox yet\n"
    assert run_journal("qa", None, False, io.StringIO()) == 2
    assert "unknown profile 'qa'" in capsys.readouterr().err
    # A profile removed from config.toml keeps a readable journal.
    with Journal.open(profile="gone") as journal:
        journal.record(sent("card.info", "r", {}, datetime.now(UTC), changes_state=False))
    out = io.StringIO()
    assert run_journal("gone", None, True, out) == 0 and json.loads(out.getvalue())["request_id"] == "r"


# --- through the CLI: --profile anywhere, unknown names refused, damaged files on one line ----

SAMPLE_CSV = Path(__file__).resolve().parents[2] / "samples" / "clients.csv"


@pytest.mark.parametrize(
    "argv",
    [
        ["journal", "--profile", "nope"],
        ["--profile", "nope", "journal"],
        ["bulk", str(SAMPLE_CSV), "--profile", "nope"],
        ["--profile", "nope", "bulk", str(SAMPLE_CSV)],
        ["profiles", "--profile", "nope"],
        ["--profile", "nope", "profiles"],
        ["locate", "--profile", "nope"],
        ["--profile", "nope", "locate", "state"],
        ["methods", "--profile", "nope"],
    ],
)
def test_profile_is_accepted_before_or_after_every_command_and_checked(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    from fpconsole import cli

    write_config(isolated_home, CONFIG)
    assert cli.main(argv) == 2  # not argparse's "unrecognized arguments", not ignored
    captured = capsys.readouterr()
    assert "unknown profile 'nope'" in captured.err and "known profiles: prod, qa, sandbox" in captured.err
    assert captured.out == ""


def test_profile_after_the_command_selects_it(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpconsole import cli

    write_config(isolated_home, CONFIG)  # default_profile = "qa"
    with Journal.open(profile="prod") as journal:
        journal.record(sent("card.info", "r-prod", {}, datetime.now(UTC), changes_state=False))
    assert cli.main(["journal", "--profile", "prod", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["request_id"] == "r-prod"
    assert cli.main(["--profile", "prod", "journal", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["request_id"] == "r-prod"
    # After the command wins over before it, as with `call`.
    assert cli.main(["--profile", "qa", "journal", "--profile", "prod", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["request_id"] == "r-prod"
    # A known profile changes nothing for the commands that do not depend on it.
    assert cli.main(["--profile", "prod", "locate", "state"]) == 0
    assert capsys.readouterr().out == f"{isolated_home / 'state'}\n"
    assert cli.main(["profiles", "--profile", "prod"]) == 0
    assert "prod" in capsys.readouterr().out
    # bulk gets the profile too: it goes as far as fetching prod's secret (a missing file here).
    assert cli.main(["bulk", str(SAMPLE_CSV), "--profile", "prod"]) == 2
    assert "profiles.prod.secret_file" in capsys.readouterr().err


def test_locate_without_profile_works_on_a_broken_config(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # locate is how you find the file to fix it; only a --profile needs the file to be readable.
    from fpconsole import cli

    write_config(isolated_home, '[profiles.qa]\nkind = "prod"\n')
    assert cli.main(["locate", "config"]) == 0
    assert capsys.readouterr().out == f"{isolated_home / 'config'}\n"


def test_a_damaged_journal_is_one_plain_warning_line(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fpconsole import cli
    from fpconsole.locations import journal_db

    path = journal_db()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    assert cli.main(["journal"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("fpconsole: warning: the request journal ") and "was unusable" in err[0]
    assert "LocalStateWarning" not in err[0] and "warnings.warn" not in err[0]


def test_other_warnings_keep_their_usual_treatment() -> None:
    import warnings

    from fpconsole import cli

    with cli._plain_local_state_warnings(), pytest.warns(UserWarning, match="not ours"):
        warnings.warn("not ours", UserWarning, stacklevel=1)
