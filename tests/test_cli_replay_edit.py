"""`fpconsole call --from-journal REQUEST_ID [FIELD=VALUE ...]` (a past request sent again: a new
request_id, secrets asked for again, the production guard as for any call) and `call METHOD
--edit` (the body written in $EDITOR: a template, `_help` dropped, empty or unchanged sends
nothing, bad JSON kept for a second try, the file 0600 and deleted after)."""

from __future__ import annotations

import io
import json
import stat
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_cli_call import AUTH_ID, BASE_URL, SECRET, SECRET_ENV, Backend, _client_factory, ok

from fpconsole import cli

RID = "0b7e2c1a-5d4f-4e3a-9c2b-1a2b3c4d5e6f"
LIVE_CONFIG = f"""\
[profiles.live]
kind = "production"
base_url = "https://card-api.test"
auth_id = "{AUTH_ID}"
secret_env = "{SECRET_ENV}"
read_only = false
"""


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Backend:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    fake = Backend()
    monkeypatch.setattr(
        "fpconsole.session.CardApiClient", _client_factory(fake, httpx.MockTransport(fake.handler))
    )
    return fake


def call(capsys: pytest.CaptureFixture[str], *args: str, live: bool = False) -> tuple[int, str, str]:
    where = (
        ["--profile", "live"]
        if live
        else ["--base-url", BASE_URL, "--auth-id", AUTH_ID, "--secret-env", SECRET_ENV]
    )
    code = cli.main(["call", *args, *where])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def bodies(api: Backend) -> list[dict[str, Any]]:
    return [body for _path, body, _alg in api.seen]


# --- --from-journal ------------------------------------------------------------------------------


def test_a_journalled_request_is_sent_again_with_a_new_request_id_and_overrides(
    api: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    api.on("card/block", ok())
    code, _out, err = call(capsys, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}")
    assert code == 0, err
    code, _out, err = call(capsys, "--from-journal", RID, "card_id=7001235")
    assert code == 0, err
    assert f"replaying card.block {RID} with a new request_id" in err
    first, again = bodies(api)
    assert again["card_id"] == "7001235" and again["description"] == "lost"
    assert again["request_id"] and again["request_id"] != first["request_id"] == RID


def test_last_replays_the_newest_request(api: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    api.on("card/info", ok(card={"card_id": "7001234", "status": "active"}))
    assert call(capsys, "card.info", "card_id=7001234")[0] == 0
    code, _out, err = call(capsys, "--from-journal", "last")
    assert code == 0, err
    assert [body["card_id"] for body in bodies(api)] == ["7001234", "7001234"]


def test_a_secret_of_the_original_is_asked_for_again_not_left_out(
    api: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    api.on("card/set_pin", ok())
    assert call(capsys, "card.set_pin", "card_id=7001234", "pin=4921", f"request_id={RID}")[0] == 0
    code, _out, err = call(capsys, "--from-journal", RID)
    assert code == 2
    assert "pin of the original request is never kept in the journal; give it again: pin=…" in err
    assert len(api.seen) == 1  # nothing sent without it
    code, _out, err = call(capsys, "--from-journal", RID, "pin=5832")
    assert code == 0, err
    assert bodies(api)[1]["pin"] == "5832" and bodies(api)[1]["request_id"] != RID


def test_an_unknown_request_id_is_named(api: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = call(capsys, "--from-journal", "no-such-id")
    assert code == 2 and out == ""
    assert "--from-journal: no request no-such-id in the journal of profile adhoc:" in err
    assert api.seen == []


def test_a_method_with_from_journal_is_refused(api: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = call(capsys, "card.info", "--from-journal", RID)
    assert code == 2 and "leave METHOD out" in err


def test_a_replay_on_production_asks_as_any_call(
    api: Backend, capsys: pytest.CaptureFixture[str], isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(LIVE_CONFIG)
    api.on("card/block", ok())
    code, _out, err = call(
        capsys, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}", "--yes", live=True
    )
    assert code == 0, err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script: no terminal to ask on
    code, _out, err = call(capsys, "--from-journal", RID, live=True)
    assert code == 2
    assert "profile live is production (card-api.test) and card.block changes state" in err
    assert len(api.seen) == 1


# --- --edit --------------------------------------------------------------------------------------


def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writes: str | None) -> Path:
    """EDITOR set to a script that records the file it got (its text and mode) in `seen.json`,
    then writes `writes` into it (None: leaves it as it is)."""
    script = tmp_path / "editor.py"
    seen = tmp_path / "seen.json"
    script.write_text(
        "import json, os, stat, sys\n"
        "path = sys.argv[1]\n"
        f"seen = {str(seen)!r}\n"
        "record = {'path': path, 'mode': stat.S_IMODE(os.stat(path).st_mode), 'text': open(path).read()}\n"
        "json.dump(record, open(seen, 'w'))\n"
        f"writes = {writes!r}\n"
        "if writes is not None:\n"
        "    open(path, 'w').write(writes)\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    # The script needs no terminal; the refusal without one is tested in
    # test_cli_call_edit_needs_terminal.py.
    monkeypatch.setattr("fpconsole.call_command.editor_without_terminal", lambda _stdin, _out: None)
    return seen


def test_edit_opens_a_template_and_sends_what_was_written(
    api: Backend, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = json.dumps({"_help": "dropped", "card_id": "7001234", "pin": "4921", "unused": ""})
    seen = editor(tmp_path, monkeypatch, written)
    api.on("card/set_pin", ok())
    code, _out, err = call(capsys, "card.set_pin", "--edit")
    assert code == 0, err
    record = json.loads(seen.read_text())
    template = json.loads(record["text"])
    assert template["_help"]["required"] == ["card_id"]
    assert "secret" in template["_help"]["fields"]["pin"]
    assert set(template) >= {"card_id", "pin"} and "request_id" not in template
    assert record["mode"] == 0o600
    assert not Path(record["path"]).exists()  # it held a PIN: deleted after
    (sent,) = bodies(api)
    assert (
        sent["card_id"] == "7001234"
        and sent["pin"] == "4921"
        and "_help" not in sent
        and "unused" not in sent
    )


@pytest.mark.parametrize("writes", [None, "", "  \n"], ids=["unchanged", "emptied", "blank"])
def test_an_unchanged_or_empty_file_sends_nothing(
    api: Backend,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    writes: str | None,
) -> None:
    seen = editor(tmp_path, monkeypatch, writes)
    code, out, err = call(capsys, "card.block", "--edit")
    assert code == 0 and out == ""
    assert "left empty or unchanged; nothing sent" in err
    assert api.seen == []
    assert not Path(json.loads(seen.read_text())["path"]).exists()


def test_bad_json_is_kept_with_its_line_and_column_for_a_second_try(
    api: Backend, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = editor(tmp_path, monkeypatch, '{\n  "card_id": "7001234"\n  "description": "lost"\n}\n')
    code, _out, err = call(capsys, "card.block", "--edit")
    assert code == 2
    assert "not valid JSON at line 3, column 3" in err
    kept = Path(json.loads(seen.read_text())["path"])
    assert kept.exists() and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert f"fpconsole call card.block --edit --json {kept}" in err
    assert api.seen == []

    # The second try opens the kept text (not a new template) and sends once it is valid.
    editor(tmp_path, monkeypatch, '{"card_id": "7001234", "description": "lost"}')
    api.on("card/block", ok())
    code, _out, err = call(capsys, "card.block", "--edit", "--json", str(kept))
    assert code == 0, err
    assert json.loads(seen.read_text())["text"].startswith('{\n  "card_id": "7001234"\n  "description"')
    assert not kept.exists()
    assert bodies(api)[0]["description"] == "lost"


def test_edit_from_stdin_is_refused(api: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = call(capsys, "card.block", "--edit", "--json", "-")
    assert code == 2 and "--edit reads the body from the editor" in err
