"""After realistic use, no file under the config, cache or state folder holds the partner secret,
a full card number or a CVV — checked on the raw bytes of every file, WAL files included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from store_events import answered, sent, status_changed

from fpconsole.locations import cache_dir, config_dir, state_dir
from fpconsole.store.cache import EntityCache
from fpconsole.store.drafts import DraftStore
from fpconsole.store.journal import Journal

PARTNER_SECRET = "partner-S3cret-value-9f2c"
PAN = "4400437078993237"  # passes Luhn
CVV = "776"


def scan(needles: list[bytes]) -> None:
    files = [
        p for folder in (config_dir(), cache_dir(), state_dir()) if folder.exists() for p in folder.rglob("*")
    ]
    files = [p for p in files if p.is_file()]
    assert files, "nothing was written"
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"{needle!r} found in {path}"


def test_synthetic_leaks_are_stopped(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Events that (by a bug upstream) still carry secrets: the store's own scrub catches them."""
    config = config_dir() / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '[profiles.qa]\nkind = "test"\nbase_url = "https://test-api.freedompay.kz"\n'
        'auth_id = "123456"\nsecret_env = "FP_QA_SECRET"\n'
    )
    monkeypatch.setenv("FP_QA_SECRET", PARTNER_SECRET)
    now = datetime.now(UTC)
    leaky_request = {
        "request_id": "r1",
        "card_id": "7001",
        "pin": "8421",
        "secret": PARTNER_SECRET,
        "comment": f"card {PAN}",
    }
    leaky_response = {"data": {"pan": PAN, "cvv": CVV, "expiry": "05/29"}, "card_mask": PAN}
    with Journal.open(profile="qa") as journal, EntityCache.open(profile="qa") as cache:
        for subscriber in (journal.record, cache.ingest):
            subscriber(sent("card.secret_data", "r1", leaky_request, now, changes_state=False))
            subscriber(answered("card.secret_data", "r1", leaky_response, now))
            subscriber(
                sent("card.info", "r2", {"request_id": "r2", "card_id": "7001"}, now, changes_state=False)
            )
            subscriber(answered("card.info", "r2", {"card": {"card_id": "7001", "card_mask": PAN}}, now))
            subscriber(
                sent("card.issue", "r3", {"request_id": "r3", "client_id": "1", "product_id": 2000}, now)
            )
            subscriber(
                status_changed("r3", "success", {"cards": [{"card_id": "7009", "card_mask": PAN}]}, now)
            )
        cache.prime(cards=[{"card_id": "7010", "card_mask": PAN, "cvv": CVV, "pan": PAN}])
        assert journal.count() == 3 and cache.count("cards") == 3
    with DraftStore.open() as drafts:
        drafts.save("card.set_pin", {"card_id": "7001", "pin": "8421", "cvv": CVV, "note": PAN})
        drafts.save("settings", {"secret": PARTNER_SECRET})
    scan([PARTNER_SECRET.encode(), PAN.encode(), f'"{CVV}"'.encode(), b'"8421"'])


async def test_real_session_against_the_embedded_sandbox(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole path: profile → client → sandbox → events → journal, cache and drafts."""
    from fpconsole.config import BUILTIN_SANDBOX_SECRET
    from fpconsole.session import open_session

    config = config_dir() / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[profiles.sandbox]\nsecret_env = "FP_SANDBOX_SECRET"\n')
    monkeypatch.setenv("FP_SANDBOX_SECRET", BUILTIN_SANDBOX_SECRET)
    # The emulator's own database holds full (fake) card data by design; keep it in memory so
    # the scan covers only what the console stores.
    session = open_session(profile_name="sandbox", sandbox_db=":memory:", sandbox_delay=0)
    try:
        snapshot = await session.client.post_control("/sandbox/snapshot", {"limit": 50})
        with EntityCache.open(profile="sandbox") as cache:
            cache.prime(snapshot["clients"], snapshot["cards"], snapshot["transactions"])
        card_id = next(c["card_id"] for c in snapshot["cards"] if c["status"] == "active")
        secret = await session.client.call("card.secret_data", {"card_id": card_id})
        pan, cvv = secret.raw["data"]["pan"], secret.raw["data"]["cvv"]
        assert len(pan) == 16 and len(cvv) == 3  # the sandbox really answered with secrets
        await session.client.call("card.info", {"card_id": card_id})
        await session.client.call("card.set_pin", {"card_id": card_id, "pin": "PINBLOCK-8421"})
    finally:
        await session.aclose()
    with DraftStore.open() as drafts:
        drafts.save("card.set_pin", {"card_id": card_id, "pin": "PINBLOCK-8421", "card_number": pan})
    with Journal.open(profile="sandbox") as journal:
        methods = [e.method for e in journal.entries()]
        assert methods == ["card.set_pin", "card.info", "card.secret_data"]
    scan([BUILTIN_SANDBOX_SECRET.encode(), pan.encode(), f'"{cvv}"'.encode(), b"PINBLOCK-8421"])
