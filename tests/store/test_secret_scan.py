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
    from fpconsole.api.client import PollPolicy
    from fpconsole.config import BUILTIN_SANDBOX_SECRET
    from fpconsole.session import open_session

    config = config_dir() / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[profiles.sandbox]\nsecret_env = "FP_SANDBOX_SECRET"\n')
    monkeypatch.setenv("FP_SANDBOX_SECRET", BUILTIN_SANDBOX_SECRET)
    # The emulator's own database holds full (fake) card data by design; keep it in memory so
    # the scan covers only what the console stores.
    session = open_session(profile_name="sandbox", sandbox_db=":memory:", sandbox_delay=0)
    client = session.client
    # The sandbox settles at once; polling from the default half second would only add time.
    client.options.poll = PollPolicy(first_delay=0.01, max_delay=0.05, total=10.0)
    try:
        snapshot = await client.post_control("/sandbox/snapshot", {"limit": 50})
        with EntityCache.open(profile="sandbox") as cache:
            cache.prime(snapshot["clients"], snapshot["cards"], snapshot["transactions"])
        # A new client's whole life: onboarding, a card issued and activated (each through
        # `process` and request/status polling), its secrets read, a PIN set, a purchase tried.
        added = await client.wait(await client.call("client.add", NEW_CLIENT))
        client_id = str(added.model_dump()["client_id"])
        issued = await client.wait(
            await client.call("card.issue", {"client_id": client_id, "product_id": 2000})
        )
        card_id = str(issued.model_dump()["cards"][0]["card_id"])
        await client.wait(await client.call("card.activate", {"card_id": card_id}))
        secret = await client.call("card.secret_data", {"card_id": card_id})
        pan, cvv = secret.raw["data"]["pan"], secret.raw["data"]["cvv"]
        assert len(pan) == 16 and len(cvv) == 3  # the sandbox really answered with secrets
        await client.call("card.info", {"card_id": card_id})
        await client.wait(await client.call("card.set_pin", {"card_id": card_id, "pin": "PINBLOCK-8421"}))
        purchase = {"card_id": card_id, "order_id": "ORD-1", "amount": 10, "currency": "KZT"}
        await client.wait(await client.call("transaction.create", purchase))
    finally:
        await session.aclose()
    with DraftStore.open() as drafts:
        drafts.save("card.set_pin", {"card_id": card_id, "pin": "PINBLOCK-8421", "card_number": pan})
        drafts.save("note", {"description": f"customer read out {pan} and {cvv}"})
    with Journal.open(profile="sandbox") as journal:
        methods = [e.method for e in journal.entries()]
        assert methods[::-1] == [
            "client.add",
            "card.issue",
            "card.activate",
            "card.secret_data",
            "card.info",
            "card.set_pin",
            "transaction.create",
        ]
        outcomes = {e.method: e.outcome for e in journal.entries()}
        # A new card holds no money: the purchase ends in an error, also journalled.
        assert outcomes.pop("transaction.create") == "error" and set(outcomes.values()) == {"success"}
        assert journal.pending() == []
    with EntityCache.open(profile="sandbox") as cache:
        card = cache.get("cards", card_id)
        assert card is not None and card.status == "active"  # type: ignore[union-attr]
        assert cache.get("clients", client_id) is not None
    scan([BUILTIN_SANDBOX_SECRET.encode(), pan.encode(), f'"{cvv}"'.encode(), b"PINBLOCK-8421"])


NEW_CLIENT = {
    "product_id": 2000,
    "client": {
        "phone": 77015550101,
        "type": 1,
        "resident": 1,
        "first_name": "SCAN",
        "last_name": "LIFECYCLE",
        "birthdate": "1990-01-02",
        "country": "KAZ",
    },
}
