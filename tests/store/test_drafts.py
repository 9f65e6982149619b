"""Drafts: saved whole, listed, discarded; secret fields and card numbers never reach the file."""

from __future__ import annotations

from pathlib import Path

from fpconsole.locations import drafts_db
from fpconsole.store.drafts import DraftStore, safe_fields

PAN = "4400431234567894"


def test_save_load_list_discard(isolated_home: Path) -> None:
    with DraftStore.open() as drafts:
        assert drafts.path == drafts_db() == isolated_home / "state" / "drafts.sqlite3"
        assert drafts.load("client.add") is None
        drafts.save("client.add", {"client.first_name": "ALIYA", "product_id": "2000"})
        drafts.save("card.block", {"card_id": "7001", "description": "lost"})
        drafts.save("client.add", {"client.first_name": "ALIYA", "client.last_name": "N"})
        assert drafts.load("client.add") == {"client.first_name": "ALIYA", "client.last_name": "N"}
        assert [d.form_key for d in drafts.list()] == ["client.add", "card.block"]
        drafts.discard("client.add")
        assert drafts.load("client.add") is None
        drafts.save("card.block", {"card_id": " ", "pin": "1234"})  # nothing worth keeping
        assert drafts.list() == []
    # Survives a restart (a crash is no different: each save is one committed transaction).
    with DraftStore.open() as drafts:
        drafts.save("x", {"a": "1"})
    with DraftStore.open() as drafts:
        assert drafts.load("x") == {"a": "1"}


def test_secret_fields_are_never_saved(tmp_path: Path) -> None:
    fields = {
        "card_id": "7001",
        "pin": "1234",
        "pin_confirm": "1234",
        "new_pin": "4321",
        "cvv": "123",
        "CVC2": "456",
        "secret": "s3cr3t-partner",
        "pan": PAN,
        "card_number": PAN,
        "client.document": "JVBERi0xLjQK" * 10,
        "description": f"customer read out {PAN}",
        "note": "4400 4312 3456 7894",
    }
    kept = safe_fields(fields)
    assert set(kept) == {"card_id", "description", "note"}
    assert kept["description"] == "customer read out 440043******7894"
    assert kept["note"] == "440043******7894"
    path = tmp_path / "drafts.sqlite3"
    with DraftStore.open(path) as drafts:
        drafts.save("card.set_pin", fields)
        assert drafts.load("card.set_pin") == kept
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    # Short digit runs also occur in stored timestamps; values are JSON strings, so look for them
    # quoted (a bare b"456" made this test flaky).
    for secret in (b'"1234"', b'"4321"', b"s3cr3t", PAN.encode(), b"JVBERi0x", b'"123"', b'"456"'):
        assert secret not in raw, secret
