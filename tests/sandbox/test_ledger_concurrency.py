"""Many engines on one database file clearing and refunding one transaction at the same time:
the ledger stays exact (nothing cleared twice, no overdraft, no lost write)."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.sandbox.engine import SandboxEngine

PARTNER = "100500"
NOW = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)
FUNDS = 100_000
AMOUNT = 10_000  # the transaction; 25 clearings of 300–700 ask for more than that on purpose


def call(engine: SandboxEngine, name: str, **body: Any) -> dict[str, Any]:
    method = REGISTRY.resolve(name)
    if "request_id" in method.request.model_fields:
        body.setdefault("request_id", str(uuid.uuid4()))
    return engine.handle(method, method.request.model_validate(body), partner=PARTNER)


def settled(engine: SandboxEngine, name: str, **body: Any) -> dict[str, Any]:
    request_id = body.setdefault("request_id", str(uuid.uuid4()))
    answer = call(engine, name, **body)
    for _ in range(1000):  # another engine may be settling it right now
        outcome = call(engine, "request.status", request_id=request_id)
        if outcome["request_status"] != "process":
            return {**answer, **outcome}
    raise AssertionError(f"{name} never settled")


def prepare(db: Path) -> str:
    """A card with FUNDS and one authorised transaction of AMOUNT; returns its id."""
    with SandboxEngine(db, delay=0, clock=lambda: NOW) as engine:
        client = {
            "phone": 77011234567,
            "type": 1,
            "resident": 1,
            "first_name": "ASEL",
            "last_name": "OMAROVA",
        }
        client_id = settled(engine, "client.add", product_id=2000, client=client)["client_id"]
        card_id = settled(engine, "card.issue", product_id=2000, client_id=client_id)["cards"][0]["card_id"]
        settled(engine, "card.activate", card_id=card_id)
        engine.credit(card_id, Decimal(FUNDS), partner=PARTNER)
        created = settled(engine, "transaction.create", order_id="C", card_id=card_id, amount=str(AMOUNT))
        assert created["request_status"] == "success"
        return str(created["transaction_id"])


def operate(engine: SandboxEngine, transaction_id: str, index: int) -> tuple[str, int, str, str | None]:
    """Even indexes clear, odd ones refund; amounts differ per index."""
    amount = (
        random.Random(index).randint(300, 700) if index % 2 == 0 else random.Random(index).randint(200, 500)
    )
    if index % 2 == 0:
        outcome = settled(engine, "transaction.clearing", transaction_id=transaction_id, amount=str(amount))
    else:
        outcome = settled(
            engine, "transaction.refund", order_id="C", transaction_id=transaction_id, amount=str(amount)
        )
    kind = "clear" if index % 2 == 0 else "refund"
    return kind, amount, outcome["request_status"], outcome.get("error_code")


def check(db: Path, transaction_id: str, results: list[tuple[str, int, str, str | None]]) -> None:
    assert {code for _, _, status, code in results if status == "error"} <= {"amount_exceeded"}
    cleared = sum(amount for kind, amount, status, _ in results if kind == "clear" and status == "success")
    refunded = sum(amount for kind, amount, status, _ in results if kind == "refund" and status == "success")
    assert cleared > 0 and refunded > 0
    with SandboxEngine(db, delay=0, clock=lambda: NOW) as engine:
        tx = call(engine, "transaction.info", transaction_id=transaction_id)["transaction"]
        assert (tx["cleared"], tx["refunded"]) == (cleared, refunded)
        assert refunded <= cleared <= AMOUNT and tx["held"] == AMOUNT - cleared
        [account] = call(engine, "card.balance", card_id=tx["card_id"])["balances"]["accounts"]
        assert account["blocked_amount"] == AMOUNT - cleared
        assert account["amount"] == FUNDS - AMOUNT + refunded  # balance - held
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT type, COUNT(*), SUM(amount) FROM ledger WHERE transaction_id = ? GROUP BY type",
            (transaction_id,),
        ).fetchall()
        by_type = {kind: (count, total) for kind, count, total in rows}
        successes = [r for r in results if r[2] == "success"]
        assert by_type["pay"] == (sum(1 for r in successes if r[0] == "clear"), cleared * 100)
        assert by_type["refund"] == (sum(1 for r in successes if r[0] == "refund"), refunded * 100)
        # every request applied exactly once
        assert conn.execute("SELECT COUNT(*) FROM requests WHERE status = 'process'").fetchone()[0] == 0
        per_request = conn.execute(
            """SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM ledger
               WHERE request_id IS NOT NULL GROUP BY request_id)"""
        ).fetchone()[0]
        assert per_request == 1
    finally:
        conn.close()


def test_fifty_threads_with_their_own_engines_on_one_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    transaction_id = prepare(db)

    def worker(index: int) -> tuple[str, int, str, str | None]:
        with SandboxEngine(db, delay=0, clock=lambda: NOW) as engine:
            return operate(engine, transaction_id, index)

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(worker, range(50)))
    assert len(results) == 50
    check(db, transaction_id, results)


_PROCESS_WORKER = """
import json, sys
from datetime import datetime
from test_ledger_concurrency import NOW, operate
from fpconsole.sandbox.engine import SandboxEngine

db, transaction_id, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with SandboxEngine(db, delay=0, clock=lambda: NOW) as engine:
    print(json.dumps([operate(engine, transaction_id, i) for i in range(first, first + count)]))
"""


@pytest.mark.slow
def test_several_processes_on_one_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    transaction_id = prepare(db)
    here = str(Path(__file__).parent)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS_WORKER, str(db), transaction_id, str(first), "10"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=here,
            env={**os.environ, "PYTHONPATH": here},
        )
        for first in range(0, 40, 10)
    ]
    results: list[tuple[str, int, str, str | None]] = []
    for worker in workers:
        out, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0
        results.extend((str(k), int(a), str(s), c) for k, a, s, c in json.loads(out))
    assert len(results) == 40
    check(db, transaction_id, results)
