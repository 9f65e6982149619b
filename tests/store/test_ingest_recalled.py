"""A request sent before a restart and settled after it: the cache of the next run is handed its
journaled body (recall_request) and applies its success as the run that sent it would have."""

from __future__ import annotations

from pathlib import Path

from store_events import Clock, answered, sent, status_changed

from fpconsole.store.cache import CachedCard, CachedClient, EntityCache
from fpconsole.store.journal import Journal

NEW_CLIENT = {
    "request_id": "add-1",
    "product_id": 2000,
    "client": {"phone": 77011234567, "first_name": "DANA", "last_name": "KIM"},
}


def test_a_recalled_body_fills_what_a_success_after_the_restart_applies(tmp_path: Path, clock: Clock) -> None:
    with Journal.open(tmp_path / "journal.sqlite3", profile="qa") as journal:
        # The first run: both requests go out and answer `process`; the console closes.
        for method, request_id, body in (
            ("client.add", "add-1", NEW_CLIENT),
            ("card.block", "block-1", {"request_id": "block-1", "card_id": "7001", "description": "lost"}),
        ):
            journal.record(sent(method, request_id, body, clock()))
            journal.record(answered(method, request_id, {}, clock(), request_status="process"))
        with EntityCache.open(tmp_path / "cache.sqlite3", profile="qa") as cache:
            cache.upsert_card("7001", status="active")
            # The next run: a fresh cache object, which never saw the requests go out.
            for entry in journal.pending():
                assert entry.request_id and entry.request is not None
                assert not cache.knows_request(entry.request_id)
                cache.recall_request(entry.request_id, entry.method, entry.request)
                assert cache.knows_request(entry.request_id)
            cache.ingest(
                status_changed("add-1", "success", {"client_id": "CL-1"}, clock(), method="client.add")
            )
            cache.ingest(status_changed("block-1", "success", {}, clock(), method="card.block"))
            client = cache.get("clients", "CL-1")
            assert isinstance(client, CachedClient)
            assert (client.first_name, client.last_name, client.product_id) == ("DANA", "KIM", 2000)
            card = cache.get("cards", "7001")
            assert isinstance(card, CachedCard) and card.status == "blocked"
            assert not cache.knows_request("add-1")  # applied once, then let go
