"""Exports: lists, statements and request/response exchanges as CSV and JSON, and the "copy for
ticket" Markdown. Whatever goes in, no full card number, CVV or PIN comes out."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fpconsole import exports
from fpconsole.api.redaction import luhn_ok
from fpconsole.store.cache import EntityCache
from fpconsole.store.journal import JournalEntry, StatusChange

PAN = "4400430000000015"  # passes Luhn: a real-looking card number
CVV = "737"
PIN = "9182"
T0 = datetime(2026, 5, 14, 4, 30, tzinfo=UTC)


def test_the_pan_used_here_looks_real() -> None:
    assert luhn_ok(PAN)  # else masking would rightly leave it alone and the tests prove nothing


def leaks(text: str) -> list[str]:
    """Full card numbers, the CVV or the PIN anywhere in an export."""
    found = [run for run in re.findall(r"(?<!\d)\d{13,19}(?!\d)", text) if luhn_ok(run)]
    for secret in (CVV, PIN):
        found += re.findall(rf"(?<!\d){secret}(?!\d)", text)
    return found


def entry(**changes: Any) -> JournalEntry:
    base: dict[str, Any] = {
        "id": 7,
        "profile": "sandbox",
        "request_id": "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10",
        "method": "card.secret_data",
        "path": "/v5/card-api/card/secret_data",
        "target_ids": {"card_id": "7001001"},
        "request": {"card_id": "7001001", "note": f"customer read {PAN} aloud", "pin": PIN},
        "response": {"status": "ok", "data": {"pan": PAN, "cvv": CVV, "expiry": "12/28"}},
        "changes_state": False,
        "outcome": "success",
        "error_code": None,
        "error_description": None,
        "latency_ms": 12.0,
        "sent_at": T0,
        "updated_at": T0,
        "changes": [StatusChange("process", T0), StatusChange("success", T0)],
    }
    base.update(changes)
    return JournalEntry(**base)


@pytest.fixture
def cache(tmp_path: Path) -> EntityCache:
    found = EntityCache.open(tmp_path / "cache.db", profile="sandbox")
    found.upsert_client("CL-100001", first_name="ALIYA", last_name=f"SADYKOVA {PAN}", phone="77011234567")
    found.upsert_card("7001001", card_mask=PAN, status="active", client_id="CL-100001")
    found.upsert_transaction(
        "019ab688-bef2-72c4-6a29-d0e08be76d95",
        card_id="7001001",
        order_id='=HYPERLINK("http://x")',
        amount="3000",
        currency="KZT",
        status="cleared",
        held="1800",
        cleared="1200",
        refunded="0",
        created_at="2026-05-14T09:30:00+05:00",
    )
    return found


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("kind", ["clients", "cards", "transactions"])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_lists_export_every_column_and_mask_card_numbers(cache: EntityCache, kind: Any, fmt: Any) -> None:
    text = exports.list_export(kind, cache.search(kind), fmt, query="q")
    assert not leaks(text)
    if fmt == "csv":
        rows = rows_of(text)
        assert len(rows) == 1
        assert list(rows[0]) == list(exports.LIST_COLUMNS[kind])
    else:
        document = json.loads(text)
        assert document["kind"] == kind and document["count"] == 1 and document["filter"] == "q"


def test_list_csv_values(cache: EntityCache) -> None:
    (card,) = rows_of(exports.list_export("cards", cache.search("cards"), "csv"))
    assert card["card_mask"] == "440043******0015"
    (client,) = rows_of(exports.list_export("clients", cache.search("clients"), "csv"))
    assert client["last_name"] == "SADYKOVA 440043******0015"
    (transaction,) = rows_of(exports.list_export("transactions", cache.search("transactions"), "csv"))
    assert (transaction["amount"], transaction["held"], transaction["cleared"]) == ("3000", "1800", "1200")
    # A cell a spreadsheet would run as a formula is quoted; a negative number is not.
    assert transaction["order_id"].startswith("'=HYPERLINK")
    assert exports._cell("-1500.50") == "-1500.50"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_exchange_is_exported_redacted(fmt: Any) -> None:
    text = exports.exchange_export(entry(), fmt)
    assert not leaks(text), leaks(text)
    assert "440043******0015" in text
    if fmt == "json":
        document = json.loads(text)
        assert document["response"]["data"]["cvv"] == "[redacted]"
        assert document["request"]["pin"] == "[redacted]"
        assert document["request_id"] == "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
    else:
        (row,) = rows_of(text)
        assert row["method"] == "card.secret_data"
        assert row["timeline"] == "sent 04:30:00 → process 04:30:00 → success 04:30:00"


def test_an_exchange_from_the_requests_screen_dict_and_a_pan_as_a_number() -> None:
    # The Requests screen holds entries as dicts of the dataclass's fields; a PAN may come as a number.
    as_dict = {name: getattr(entry(), name) for name in JournalEntry.__dataclass_fields__}
    as_dict["response"] = {"status": "ok", "card_number": int(PAN), "other": int(PAN)}
    for fmt in ("csv", "json"):
        assert not leaks(exports.exchange_export(as_dict, fmt))  # type: ignore[arg-type]
    assert not leaks(exports.exchanges_export([entry(), as_dict], "csv"))


def test_ticket_markdown_has_what_support_needs_and_no_secrets() -> None:
    text = exports.ticket_markdown(
        entry(outcome="error", error_code="invalid_state", error_description=f"card {PAN} is inactive"),
        profile="sandbox",
        user_host="qa@jumphost",
    )
    assert not leaks(text), leaks(text)
    assert text.startswith("**card.secret_data** — error")
    for expected in (
        "- request_id: `3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10`",
        "- sent: 2026-05-14 04:30:00 UTC",
        "- status: sent 04:30:00 → process 04:30:00 → success 04:30:00",
        "- target: card_id `7001001`",
        "- error: invalid_state: card 440043******0015 is inactive",
        "Request (redacted):",
        "Response (redacted):",
        "_fpconsole · profile sandbox · qa@jumphost_",
    ):
        assert expected in text
    body = text.split("Response (redacted):\n```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(body)["data"]["cvv"] == "[redacted]"


def test_statement_export() -> None:
    statement = {
        "card_id": "7001001",
        "operations": [
            {"datetime": "2026-05-14T09:30:00+05:00", "type": "pay", "amount": "1200", "rrn": "613409000001"},
            {"datetime": "2026-05-14T09:31:00+05:00", "type": "refund", "amount": "500", "rrn": PAN},
        ],
        "accounts": [{"iban": "KZ739990000007001001", "balance": "9300"}],
    }
    rows = rows_of(exports.statement_export(statement, "csv"))
    assert [r["type"] for r in rows] == ["pay", "refund"]
    assert list(rows[0]) == list(exports.OPERATION_COLUMNS)
    document = json.loads(exports.statement_export(statement, "json"))
    assert document["accounts"][0]["balance"] == "9300"
    assert not leaks(exports.statement_export(statement, "json"))


def test_write_export_names_files_by_time_never_overwrites_and_is_private(tmp_path: Path) -> None:
    first = exports.write_export("a,b\n", "transactions", "csv", folder=tmp_path / "exports", now=T0)
    second = exports.write_export(f"x {PAN}\n", "transactions", "csv", folder=tmp_path / "exports", now=T0)
    assert first.name == "transactions-20260514-043000.csv"
    assert second.name == "transactions-20260514-043000-2.csv"
    assert first.read_text() == "a,b\n"
    assert second.read_text() == "x 440043******0015\n"  # a last scrub on the way to disk
    if os.name == "posix":
        assert stat.S_IMODE(first.stat().st_mode) == 0o600
        assert stat.S_IMODE(first.parent.stat().st_mode) == 0o700
    odd = exports.write_export("", "request/../../x", "json", folder=tmp_path / "exports", now=T0)
    assert odd.parent == tmp_path / "exports"


def test_exports_folder_is_in_the_state_folder(isolated_home: Path) -> None:
    assert exports.exports_folder() == isolated_home / "state" / "exports"


def test_exports_module_does_not_import_textual() -> None:
    import subprocess
    import sys

    code = "import fpconsole.exports, sys; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
