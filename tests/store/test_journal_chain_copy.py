"""The team's append-only copy of the audit trail (config `[audit]`): a JSON-lines file opened
O_APPEND and/or the local syslog socket; never a secret, and a failing target never costs the
journal an entry."""

from __future__ import annotations

import json
import os
import socket
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_events import Clock, answered, sent

from fpconsole.api.names import MethodName
from fpconsole.config import ConfigError, load_config
from fpconsole.store.audit_copy import AuditCopies, AuditCopyWarning
from fpconsole.store.journal import Journal

PAN = "4400430000000007"
CVV = "737"
PIN = "4821"
SECRET = "partner-secret-Zq9x"


def _block(journal: Journal, clock: Clock, rid: str = "b1", reason: str = "stolen") -> None:
    body = {
        "request_id": rid,
        "card_id": "7",
        "description": reason,
        "pan": PAN,
        "cvv": CVV,
        "pin": PIN,
        "secret": SECRET,
    }
    journal.record(sent(MethodName.CARD_BLOCK, rid, body, clock()))
    journal.record(answered(MethodName.CARD_BLOCK, rid, {"card": {"pan": PAN, "cvv": CVV}}, clock()))


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_entry_is_copied_when_recorded_and_when_it_ends(tmp_path: Path, clock: Clock) -> None:
    copy = tmp_path / "team" / "audit.jsonl"
    copy.parent.mkdir()
    with Journal.open(tmp_path / "j.sqlite3", profile="qa", copies=AuditCopies(copy_to=copy)) as journal:
        _block(journal, clock)
        entry = journal.get("b1")
    lines = _lines(copy)
    assert [line["event"] for line in lines] == ["recorded", "ended"]
    recorded, ended = lines
    assert recorded["operator"] == "qa@jumphost" and recorded["profile"] == "qa"
    assert recorded["method"] == "card.block" and recorded["reason"] == "stolen"
    assert recorded["target_ids"] == {"card_id": "7"} and recorded["outcome"] == "sent"
    assert entry is not None and ended["outcome"] == "success"
    assert ended["hash"] == recorded["hash"] == entry.hash and ended["state_hash"] == entry.state_hash
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # created private


def test_the_copy_never_holds_a_secret_or_a_body(tmp_path: Path, clock: Clock) -> None:
    copy = tmp_path / "audit.jsonl"
    with Journal.open(tmp_path / "j.sqlite3", profile="qa", copies=AuditCopies(copy_to=copy)) as journal:
        _block(journal, clock, reason=f"card {PAN} lost")
    text = copy.read_text()
    for secret in (PAN, SECRET, f'"{CVV}"', f'"{PIN}"'):
        assert secret not in text
    assert "440043******0007" in text  # the reason kept, its card number masked
    assert all("request" not in line and "response" not in line for line in _lines(copy))


def test_the_copy_is_appended_to_not_rewritten(tmp_path: Path, clock: Clock) -> None:
    copy = tmp_path / "audit.jsonl"
    copy.write_text('{"event":"from another host"}\n')
    os.chmod(copy, 0o660)  # a team's file keeps the mode its owner gave it
    for n in range(2):
        with Journal.open(tmp_path / "j.sqlite3", profile="qa", copies=AuditCopies(copy_to=copy)) as journal:
            _block(journal, clock, rid=f"b{n}")
    lines = _lines(copy)
    assert lines[0] == {"event": "from another host"} and len(lines) == 5
    assert stat.S_IMODE(copy.stat().st_mode) == 0o660


def test_a_failing_copy_is_a_warning_and_the_journal_keeps_the_entry(tmp_path: Path, clock: Clock) -> None:
    copy = tmp_path / "no-such-folder" / "audit.jsonl"
    with (
        Journal.open(tmp_path / "j.sqlite3", profile="qa", copies=AuditCopies(copy_to=copy)) as journal,
        pytest.warns(AuditCopyWarning, match="no-such-folder.*journal still has every entry"),
    ):
        _block(journal, clock)
    with Journal.open(tmp_path / "j.sqlite3", profile="qa") as journal:
        assert journal.count() == 1 and journal.verify().intact


@pytest.fixture
def syslog_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    # A short path: a unix socket's address has a ~100 byte limit.
    address = f"/tmp/fpc-{os.getpid()}-{tmp_path.name[-12:]}.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.settimeout(30)
    try:
        yield server, address
    finally:
        server.close()
        os.unlink(address)


def test_syslog_gets_one_message_per_line(
    syslog_socket: tuple[socket.socket, str], tmp_path: Path, clock: Clock
) -> None:
    server, address = syslog_socket
    copies = AuditCopies(syslog=True, syslog_address=address)
    with Journal.open(tmp_path / "j.sqlite3", profile="qa", copies=copies) as journal:
        _block(journal, clock, reason=f"card {PAN}")
    messages = [server.recv(65536).decode() for _ in range(2)]
    assert all(m.startswith("<14>fpconsole-audit: {") for m in messages)  # user.info
    recorded = json.loads(messages[0].split(": ", 1)[1].rstrip("\x00"))
    assert recorded["event"] == "recorded" and recorded["reason"] == "card 440043******0007"
    assert not any(PAN in m or SECRET in m for m in messages)


def test_no_syslog_socket_is_a_warning(tmp_path: Path, clock: Clock) -> None:
    copies = AuditCopies(syslog=True, syslog_address=str(tmp_path / "nothing-listens"))
    with (
        Journal.open(tmp_path / "j.sqlite3", profile="qa", copies=copies) as journal,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        _block(journal, clock)
        assert journal.count() == 1
    assert any(issubclass(w.category, AuditCopyWarning) and "syslog" in str(w.message) for w in caught)


def test_config_audit_table(isolated_home: Path, tmp_path: Path, clock: Clock) -> None:
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir()
    copy = tmp_path / "audit.jsonl"
    config.write_text(f'[audit]\ncopy_to = "{copy}"\nsyslog = false\n')
    settings = load_config().audit
    assert settings.copy_to == copy and settings.syslog is False
    # A journal opened as the console and `call` open it reads [audit] at its first write.
    with Journal.open(tmp_path / "j.sqlite3", profile="qa") as journal:
        _block(journal, clock)
    assert [line["event"] for line in _lines(copy)] == ["recorded", "ended"]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('copy_to = "audit.jsonl"', 'audit.copy_to = "audit.jsonl" must be an absolute path'),
        ('syslog = "yes"', 'audit.syslog = "yes" must be true or false (no quotes) — use syslog = true'),
        ('copy_too = "/x"', "audit.copy_too is not a known key — did you mean copy_to?"),
    ],
)
def test_config_audit_mistakes_name_the_line_and_the_fix(
    isolated_home: Path, table: str, expected: str
) -> None:
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir()
    config.write_text(f"[audit]\n{table}\n")
    with pytest.raises(ConfigError) as raised:
        load_config()
    assert f"line 2: {expected}" in str(raised.value)
