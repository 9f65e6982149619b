"""The cache follows the client's events: reads teach entities, successful mutations change them."""

from __future__ import annotations

from store_events import Clock, answered, failed, sent, status_changed

from fpconsole.store.cache import CachedCard, CachedClient, CachedTransaction, EntityCache


def card(cache: EntityCache, card_id: str) -> CachedCard:
    found = cache.get("cards", card_id)
    assert isinstance(found, CachedCard), card_id
    return found


def client(cache: EntityCache, client_id: str) -> CachedClient:
    found = cache.get("clients", client_id)
    assert isinstance(found, CachedClient), client_id
    return found


def transaction(cache: EntityCache, transaction_id: str) -> CachedTransaction:
    found = cache.get("transactions", transaction_id)
    assert isinstance(found, CachedTransaction), transaction_id
    return found


def test_card_info_and_client_cards(cache: EntityCache, clock: Clock) -> None:
    cache.ingest(
        sent("card.info", "r1", {"request_id": "r1", "card_id": "7001"}, clock(), changes_state=False)
    )
    cache.ingest(
        answered(
            "card.info",
            "r1",
            {
                "card": {
                    "card_id": "7001",
                    "card_mask": "440043******1234",
                    "status": "active",
                    "client_id": "1001",
                    "product_id": 2000,
                    "expiry": "12/28",
                    "iban": "KZ00",
                }
            },
            clock(),
        )
    )
    got = card(cache, "7001")
    assert (got.card_mask, got.last4, got.status, got.client_id, got.product_id) == (
        "440043******1234",
        "1234",
        "active",
        "1001",
        2000,
    )
    assert (got.expiry_month, got.expiry_year) == (12, 2028)

    cache.ingest(
        sent("client.cards", "r2", {"request_id": "r2", "client_id": "1001"}, clock(), changes_state=False)
    )
    cache.ingest(
        answered(
            "client.cards",
            "r2",
            {
                "cards": [
                    {"card_id": "7001", "card_mask": "440043******1234", "status": "blocked"},
                    {"card_id": "7002", "card_mask": "440043******5678", "status": "active"},
                ]
            },
            clock(),
        )
    )
    assert card(cache, "7001").status == "blocked"
    assert card(cache, "7002").client_id == "1001"
    assert [c.key for c in cache.search("cards", client_id="1001")] == ["7002", "7001"]


def test_client_add_through_polling(cache: EntityCache, clock: Clock) -> None:
    body = {
        "request_id": "r1",
        "product_id": 2000,
        "client": {
            "first_name": "ALIYA",
            "last_name": "NURLANOVA",
            "phone": "77013334455",
            "type": "1",
            "email": "a@example.com",
            "person_id": "900101300123",
            "document": "<document: 1024 bytes>",
        },
    }
    cache.ingest(sent("client.add", "r1", body, clock()))
    cache.ingest(answered("client.add", "r1", {}, clock(), request_status="process"))
    assert cache.count("clients") == 0  # nothing is known until it succeeds
    cache.ingest(status_changed("r1", "success", {"client_id": "1001"}, clock(), method="client.add"))
    got = client(cache, "1001")
    assert (got.first_name, got.last_name, got.phone, got.product_id, got.type) == (
        "ALIYA",
        "NURLANOVA",
        "77013334455",
        2000,
        "1",
    )
    assert got.extra == {"email": "a@example.com"}  # no national id, no document


def test_client_update_changes_phone(cache: EntityCache, clock: Clock) -> None:
    cache.upsert_client("1001", first_name="A", phone="77010000000")
    body = {"request_id": "r9", "client_id": "1001", "product_id": 2000, "client": {"phone": "77019999999"}}
    cache.ingest(sent("client.update", "r9", body, clock()))
    cache.ingest(answered("client.update", "r9", {}, clock(), request_status="success"))
    assert client(cache, "1001").phone == "77019999999"


def test_issue_bulk_issue_link(cache: EntityCache, clock: Clock) -> None:
    cache.ingest(
        sent("card.issue", "r1", {"request_id": "r1", "client_id": "1001", "product_id": 3000}, clock())
    )
    cache.ingest(answered("card.issue", "r1", {}, clock(), request_status="process"))
    cache.ingest(
        status_changed("r1", "success", {"cards": [{"card_id": "7005"}]}, clock(), method="card.issue")
    )
    issued = card(cache, "7005")
    assert (issued.client_id, issued.product_id) == ("1001", 3000)

    cache.ingest(sent("card.bulk_issue", "r2", {"request_id": "r2", "product_id": 2000, "count": 2}, clock()))
    # The tracker may not know the method after a restart: the remembered request says it.
    cache.ingest(status_changed("r2", "success", {"cards": [{"card_id": "8001"}, "8002"]}, clock()))
    assert card(cache, "8001").client_id is None and card(cache, "8002").product_id == 2000

    cache.ingest(
        sent("card.link", "r3", {"request_id": "r3", "client_id": "1002", "card_id": "8001"}, clock())
    )
    cache.ingest(answered("card.link", "r3", {}, clock()))
    assert card(cache, "8001").client_id == "1002"


def test_lifecycle_statuses(cache: EntityCache, clock: Clock) -> None:
    cache.upsert_card("7001", card_mask="440043******1234", status="inactive")
    for n, (method, expected) in enumerate(
        [
            ("card.activate", "active"),
            ("card.block", "blocked"),
            ("card.unblock", "active"),
            ("card.close", "closed"),
        ]
    ):
        rid = f"r{n}"
        cache.ingest(sent(method, rid, {"request_id": rid, "card_id": "7001", "description": "x"}, clock()))
        cache.ingest(answered(method, rid, {}, clock(), request_status="process"))
        assert card(cache, "7001").status != expected
        cache.ingest(status_changed(rid, "success", {}, clock(), method=method))
        assert card(cache, "7001").status == expected


def test_errors_and_failures_change_nothing(cache: EntityCache, clock: Clock) -> None:
    cache.upsert_card("7001", status="active")
    cache.ingest(sent("card.block", "r1", {"request_id": "r1", "card_id": "7001"}, clock()))
    cache.ingest(
        answered(
            "card.block", "r1", {}, clock(), status="error", request_status=None, error_code="invalid_state"
        )
    )
    cache.ingest(sent("card.block", "r2", {"request_id": "r2", "card_id": "7001"}, clock()))
    cache.ingest(answered("card.block", "r2", {}, clock(), request_status="process"))
    cache.ingest(status_changed("r2", "error", {}, clock(), method="card.block"))
    cache.ingest(sent("card.close", "r3", {"request_id": "r3", "card_id": "7001"}, clock()))
    cache.ingest(failed("card.close", "r3", clock()))
    assert card(cache, "7001").status == "active"
    cache.ingest(sent("limits.set", "r4", {"request_id": "r4"}, clock()))
    cache.ingest(answered("limits.set", "r4", {}, clock()))  # unknown to the cache: ignored
    assert cache.count("cards") == 1 and cache.count("clients") == 0


def test_transactions(cache: EntityCache, clock: Clock) -> None:
    body = {
        "request_id": "r1",
        "order_id": "ORD-1",
        "card_id": "7001",
        "amount": "3500.50",
        "currency": "KZT",
    }
    cache.ingest(sent("transaction.create", "r1", body, clock()))
    cache.ingest(
        answered("transaction.create", "r1", {"transaction_id": "tx-1"}, clock(), request_status="process")
    )
    created = transaction(cache, "tx-1")
    assert (created.card_id, created.order_id, created.amount, created.currency) == (
        "7001",
        "ORD-1",
        "3500.50",
        "KZT",
    )
    first_seen = created.created_at
    cache.ingest(
        status_changed("r1", "success", {"transaction_id": "tx-1"}, clock(), method="transaction.create")
    )
    assert transaction(cache, "tx-1").created_at == first_seen

    cache.ingest(sent("transaction.clearing", "r2", {"request_id": "r2", "transaction_id": "tx-1"}, clock()))
    cache.ingest(answered("transaction.clearing", "r2", {}, clock(), request_status="process"))
    cache.ingest(status_changed("r2", "success", {}, clock(), method="transaction.clearing"))
    assert transaction(cache, "tx-1").status == "cleared"

    cache.ingest(sent("transaction.refund", "r3", {"request_id": "r3", "transaction_id": "tx-1"}, clock()))
    cache.ingest(answered("transaction.refund", "r3", {}, clock()))
    assert transaction(cache, "tx-1").status == "refunded"

    cache.ingest(
        sent(
            "transaction.info",
            "r4",
            {"request_id": "r4", "transaction_id": "tx-1"},
            clock(),
            changes_state=False,
        )
    )
    cache.ingest(answered("transaction.info", "r4", {"transaction": {"status": "success"}}, clock()))
    assert transaction(cache, "tx-1").status == "success"


def test_a_manual_status_poll_settles_the_original(cache: EntityCache, clock: Clock) -> None:
    cache.upsert_card("7001", status="active")
    cache.ingest(sent("card.block", "r1", {"request_id": "r1", "card_id": "7001"}, clock()))
    cache.ingest(answered("card.block", "r1", {}, clock(), request_status="process"))
    cache.ingest(sent("request.status", "r1", {"request_id": "r1"}, clock(), changes_state=False))
    cache.ingest(answered("request.status", "r1", {}, clock(), request_status="success"))
    assert card(cache, "7001").status == "blocked"


def test_a_failed_status_poll_does_not_forget_the_original(cache: EntityCache, clock: Clock) -> None:
    # request/status answered with its own error (an injected fault): the block is still pending,
    # and a later poll that succeeds must still apply it.
    cache.upsert_card("7001", status="active")
    cache.ingest(sent("card.block", "r1", {"request_id": "r1", "card_id": "7001"}, clock()))
    cache.ingest(failed("card.block", "r1", clock()))
    cache.ingest(sent("request.status", "r1", {"request_id": "r1"}, clock(), changes_state=False))
    cache.ingest(
        answered(
            "request.status",
            "r1",
            {},
            clock(),
            status="error",
            request_status="error",
            error_code="injected_error",
        )
    )
    assert card(cache, "7001").status == "active"
    cache.ingest(sent("request.status", "r1", {"request_id": "r1"}, clock(), changes_state=False))
    cache.ingest(answered("request.status", "r1", {}, clock(), request_status="success"))
    assert card(cache, "7001").status == "blocked"


def test_a_full_pan_in_an_event_is_masked(cache: EntityCache, clock: Clock) -> None:
    cache.ingest(
        sent("card.info", "r1", {"request_id": "r1", "card_id": "7001"}, clock(), changes_state=False)
    )
    cache.ingest(
        answered("card.info", "r1", {"card": {"card_id": "7001", "card_mask": "4400431234567891"}}, clock())
    )
    assert card(cache, "7001").card_mask == "440043******7891"


def test_reads_refresh_a_known_entity_without_moving_it_up_the_list(cache: EntityCache, clock: Clock) -> None:
    # Browsing (each highlighted card is read with card.info) must not reorder the list under
    # the cursor; a change (block) and a first sighting do move an entity up.
    for card_id in ("7001", "7002", "7003"):
        cache.upsert_card(card_id, card_mask="440043******1234", status="active", seen_at=clock())
    assert [c.key for c in cache.search("cards")] == ["7003", "7002", "7001"]

    cache.ingest(
        sent("card.info", "r1", {"request_id": "r1", "card_id": "7001"}, clock(), changes_state=False)
    )
    cache.ingest(answered("card.info", "r1", {"card": {"card_id": "7001", "status": "blocked"}}, clock()))
    assert card(cache, "7001").status == "blocked"  # the answer's news is kept
    assert [c.key for c in cache.search("cards")] == ["7003", "7002", "7001"]  # the order is not

    cache.ingest(
        sent("card.info", "r2", {"request_id": "r2", "card_id": "7009"}, clock(), changes_state=False)
    )
    cache.ingest(answered("card.info", "r2", {"card": {"card_id": "7009", "status": "active"}}, clock()))
    assert cache.search("cards")[0].key == "7009"  # first seen: on top

    cache.ingest(
        sent("card.block", "r3", {"request_id": "r3", "card_id": "7002", "description": "x"}, clock())
    )
    cache.ingest(status_changed("r3", "success", {}, clock(), method="card.block"))
    assert cache.search("cards")[0].key == "7002"  # changed: on top
