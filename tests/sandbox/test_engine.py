"""SandboxEngine driven directly with validated models: the async request model, clients, cards
and their state machine, plastic, PIN, secrets, cardholder validation, snapshot."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.sandbox.engine.ids import iban_valid, luhn_valid
from fpconsole.sandbox.engine.operations import OPERATIONS
from fpconsole.sandbox.engine.reads import READS
from fpconsole.sandbox.errors import SandboxError

PARTNER = "100500"
START = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Api:
    """Calls the engine the way the ASGI app does: a registry method plus a validated model."""

    def __init__(self, engine: SandboxEngine, partner: str = PARTNER) -> None:
        self.engine = engine
        self.partner = partner

    def call(self, name: str, **body: Any) -> dict[str, Any]:
        method = REGISTRY.resolve(name)
        if "request_id" in method.request.model_fields:
            body.setdefault("request_id", str(uuid.uuid4()))
        return self.engine.handle(method, method.request.model_validate(body), partner=self.partner)

    def submit(self, name: str, **body: Any) -> tuple[str, dict[str, Any]]:
        request_id = body.setdefault("request_id", str(uuid.uuid4()))
        answer = self.call(name, **body)
        assert answer["request_status"] == "process", answer
        return request_id, answer

    def status(self, request_id: str) -> dict[str, Any]:
        return self.call("request.status", request_id=request_id)

    def run(self, name: str, **body: Any) -> dict[str, Any]:
        """Submit and take the outcome (delay 0: the first poll sees it)."""
        request_id, _ = self.submit(name, **body)
        outcome = self.status(request_id)
        assert outcome["request_status"] in ("success", "error"), outcome
        return outcome

    def ok(self, name: str, **body: Any) -> dict[str, Any]:
        outcome = self.run(name, **body)
        assert outcome["request_status"] == "success", outcome
        return outcome

    def fails(self, name: str, code: str, **body: Any) -> dict[str, Any]:
        outcome = self.run(name, **body)
        assert (outcome["request_status"], outcome.get("error_code")) == ("error", code), outcome
        assert outcome["status"] == "ok"  # a business refusal is still an accepted call
        assert outcome["error_description"]
        return outcome

    def refused(self, name: str, code: str, **body: Any) -> SandboxError:
        with pytest.raises(SandboxError) as caught:
            self.call(name, **body)
        assert caught.value.code == code
        return caught.value

    # builders ---------------------------------------------------------------------------------

    def client(self, product_id: int = 2000, **fields: Any) -> str:
        data = {
            "phone": 77011234567,
            "type": 1,
            "resident": 1,
            "first_name": "ALIYA",
            "last_name": "SERIKOVA",
        }
        data.update(fields)
        client_id = self.ok("client.add", product_id=product_id, client=data)["client_id"]
        assert isinstance(client_id, str)
        return client_id

    def card(self, status: str = "active", client_id: str | None = None, product_id: int = 2000) -> str:
        holder = client_id or self.client(product_id)
        card_id = self.ok("card.issue", product_id=product_id, client_id=holder)["cards"][0]["card_id"]
        assert isinstance(card_id, str)
        steps = {
            "inactive": [],
            "active": ["card.activate"],
            "blocked": ["card.activate", "card.block"],
            "closed": ["card.close"],
        }[status]
        for step in steps:
            extra = {} if step == "card.activate" else {"description": "test"}
            self.ok(step, card_id=card_id, **extra)
        assert self.card_status(card_id) == status
        return card_id

    def card_status(self, card_id: str) -> str:
        return str(self.call("card.info", card_id=card_id)["card"]["status"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(clock: FakeClock) -> Any:
    with SandboxEngine(delay=0, clock=clock, rng_seed=7) as eng:
        yield eng


@pytest.fixture
def api(engine: SandboxEngine) -> Api:
    return Api(engine)


# --- the registry and the engine agree ------------------------------------------------------------


def test_every_registry_method_is_served_by_exactly_one_side() -> None:
    for method in REGISTRY:
        if method.changes_state:
            assert method.name in OPERATIONS, method.name
            assert OPERATIONS[method.name].model is method.request, method.name
            assert method.name not in READS
        else:
            assert method.name in READS, method.name
    assert len(OPERATIONS) + len(READS) == len(REGISTRY) == 26


def test_every_method_happy_path_matches_its_response_model(api: Api, engine: SandboxEngine) -> None:
    used: set[str] = set()

    def call(name: str, **body: Any) -> dict[str, Any]:
        method = REGISTRY.resolve(name)
        used.add(method.name)  # transaction.request_status is request.status's other name
        answer = api.run(name, **body) if method.changes_state else api.call(name, **body)
        assert answer["status"] == "ok" and answer["request_status"] == "success", (name, answer)
        assert datetime.fromisoformat(answer["dt"]).utcoffset() is not None
        method.response.model_validate(answer)  # the shape the client parses
        return answer

    kyc = {
        "country": "KAZ",
        "person_id": "920417400123",
        "document": base64.b64encode(b"%PDF-1.4 scan").decode(),
        "address1": {
            "country": "KAZ",
            "postal_code": "050000",
            "address_line1": "Almaty",
            "address_line2": "Abay ave",
            "address_line3": "10",
        },
        "address2": {
            "country": "KAZ",
            "postal_code": "050000",
            "address_line1": "Almaty",
            "address_line2": "Abay ave",
            "address_line3": "10",
        },
    }
    client_id = call(
        "client.add",
        product_id=1000,
        client={
            "phone": 77011234567,
            "type": 1,
            "resident": 1,
            "first_name": "ALIYA",
            "last_name": "SERIKOVA",
            **kyc,
        },
    )["client_id"]
    assert re.fullmatch(r"CL-\d{6}", client_id)
    call("client.update", client_id=client_id, product_id=1000, client={"phone": 77017654321})
    bulk = [c["card_id"] for c in call("card.bulk_issue", product_id=1000, count=2)["cards"]]
    assert call("card.link", client_id=client_id, card_id=bulk[0])["cards"] == [{"card_id": bulk[0]}]
    card_id = call("card.issue", product_id=1000, client_id=client_id)["cards"][0]["card_id"]
    call("card.activate", card_id=card_id)
    call("card.issue_plastic", card_id=card_id, branch_id="ALM-01")
    call("card.set_pin", card_id=card_id, pin="0000-encrypted")
    call("card.reset_counter_pin", card_id=card_id)
    call("card.block", card_id=card_id, description="lost")
    call("card.unblock", card_id=card_id, description="found")
    call("limits.set", object={"type": "card", "value": card_id}, limits=[{"transaction_type": "pay"}])
    engine.credit(card_id, Decimal("50000"), partner=PARTNER)
    created = call("transaction.create", order_id="ORD-1", card_id=card_id, amount="5000")
    transaction_id = created["transaction_id"]
    assert call("transaction.request_status", request_id=api.submit("card.activate", card_id=bulk[1])[0])
    call("transaction.clearing", transaction_id=transaction_id, amount="3000")
    call("transaction.refund", order_id="ORD-1", transaction_id=transaction_id, amount="1000")
    info = call("card.info", card_id=card_id)["card"]
    assert (
        info["status"] == "active" and info["client_id"] == client_id and info["plastic_status"] == "ordered"
    )
    assert call("card.balance", card_id=card_id)["balances"]["accounts"][0]["amount"] == 50000 - 5000 + 1000
    assert call("card.secret_data", card_id=card_id)["data"]["pan"].startswith("440043")
    assert len(call("card.statement", card_id=card_id)["operations"]) == 3
    window = {"start_date": "2000-01-01T00:00:00Z", "end_date": "2100-01-01T00:00:00Z"}
    assert call("card.statement_extended", card_id=card_id, **window)["card"]["card_id"] == card_id
    assert {c["card_id"] for c in call("client.cards", client_id=client_id)["cards"]} == {bulk[0], card_id}
    assert call("transaction.info", transaction_id=transaction_id)["transaction"]["status"] == "refunded"
    score = call(
        "external.cardholder_validate",
        user_phone="77017654321",
        first_name="ALIYA",
        last_name="SERIKOVA",
        card_token=info["card_token"],
    )
    assert (score["score"], score["fishy"]) == ("100.00%", 0)
    assert call("limits.list", object={"type": "card", "value": card_id})["limits"] == []
    call("card.close", card_id=bulk[1], description="spoiled")
    used.add("request.status")  # every api.run above polls it
    assert used == {method.name for method in REGISTRY}


# --- the async model ----------------------------------------------------------------------------


def test_a_request_stays_in_process_until_its_delay_has_passed(clock: FakeClock) -> None:
    api = Api(SandboxEngine(delay=1.5, clock=clock))
    request_id, answer = api.submit(
        "client.add",
        product_id=2000,
        client={
            "phone": 77011234567,
            "type": 1,
            "resident": 1,
            "first_name": "ALIYA",
            "last_name": "SERIKOVA",
        },
    )
    assert set(answer) == {"status", "request_status", "dt"}
    first = api.status(request_id)
    assert (first["request_status"], first["client_id"], first["cards"]) == ("process", None, [])
    clock.advance(1.49)
    assert api.status(request_id)["request_status"] == "process"
    clock.advance(0.01)
    done = api.status(request_id)
    assert done["request_status"] == "success" and done["client_id"] == "CL-100001"
    assert api.status(request_id) == done  # a settled request stays as it is


def test_with_delay_zero_the_first_poll_sees_the_outcome(api: Api) -> None:
    request_id, _ = api.submit("card.bulk_issue", product_id=3000, count=3)
    outcome = api.status(request_id)
    assert outcome["request_status"] == "success"
    assert len({card["card_id"] for card in outcome["cards"]}) == 3


def test_due_requests_apply_in_arrival_order(api: Api) -> None:
    card_id = api.card("inactive")
    # Both arrive at the same instant; block only works if activate was applied first.
    first, _ = api.submit("card.activate", card_id=card_id)
    second, _ = api.submit("card.block", card_id=card_id, description="order check")
    assert api.status(first)["request_status"] == "success"
    assert api.status(second)["request_status"] == "success"
    assert api.card_status(card_id) == "blocked"


def test_a_duplicate_request_id_is_refused_and_the_first_request_is_untouched(
    api: Api, engine: SandboxEngine
) -> None:
    card_id = api.card("active")
    engine.credit(card_id, Decimal(10_000), partner=PARTNER)
    request_id, first = api.submit("transaction.create", order_id="A", card_id=card_id, amount="100")
    error = api.refused(
        "transaction.create",
        "duplicate_request_id",
        request_id=request_id,
        order_id="B",
        card_id=card_id,
        amount="999",
    )
    assert error.field == "request_id"
    outcome = api.status(request_id)
    assert outcome["request_status"] == "success" and outcome["transaction_id"] == first["transaction_id"]
    transactions = engine.snapshot(partner=PARTNER)["transactions"]
    assert [(t["order_id"], t["amount"]) for t in transactions] == [("A", 100)]
    # ... also once the first is settled, and for a different method
    api.refused("card.block", "duplicate_request_id", request_id=request_id, card_id=card_id, description="x")
    assert api.card_status(card_id) == "active"


def test_request_ids_are_per_partner(api: Api, engine: SandboxEngine) -> None:
    request_id, _ = api.submit("card.bulk_issue", product_id=2000, count=1)
    other = Api(engine, partner="777")
    other.submit("card.bulk_issue", product_id=2000, count=1, request_id=request_id)
    mine, theirs = api.status(request_id), other.status(request_id)
    assert mine["cards"] != theirs["cards"]
    # and a partner sees only its own things
    other.refused("card.info", "not_found", card_id=mine["cards"][0]["card_id"])


def test_unknown_request_id(api: Api) -> None:
    error = api.refused("request.status", "unknown_request_id", request_id=str(uuid.uuid4()))
    assert error.field == "request_id"
    api.refused("transaction.request_status", "unknown_request_id", request_id=str(uuid.uuid4()))


def test_reads_answer_at_once_and_record_no_request_id(api: Api) -> None:
    card_id = api.card("inactive")
    request_id = str(uuid.uuid4())
    first = api.call("card.info", card_id=card_id, request_id=request_id)
    second = api.call("card.info", card_id=card_id, request_id=request_id)
    assert first == second and first["request_status"] == "success"
    api.refused("request.status", "unknown_request_id", request_id=request_id)


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("card.info", {"card_id": "404"}, "card_id"),
        ("card.balance", {"card_id": "404"}, "card_id"),
        ("card.secret_data", {"card_id": "404"}, "card_id"),
        ("card.statement", {"card_id": "404"}, "card_id"),
        (
            "card.statement_extended",
            {"card_id": "404", "start_date": "2025-01-01T00:00:00Z", "end_date": "2025-02-01T00:00:00Z"},
            "card_id",
        ),
        ("client.cards", {"client_id": "CL-404"}, "client_id"),
        ("transaction.info", {"transaction_id": "404"}, "transaction_id"),
        ("limits.list", {"object": {"type": "client", "value": "CL-404"}}, "object.value"),
        (
            "external.cardholder_validate",
            {
                "user_phone": "77011234567",
                "first_name": "A",
                "last_name": "B",
                "card_token": "2f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10",
            },
            "card_token",
        ),
    ],
)
def test_a_read_about_something_unknown_is_not_found(
    api: Api, name: str, body: dict[str, Any], field: str
) -> None:
    assert api.refused(name, "not_found", **body).field == field


def test_state_changes_about_unknown_things_end_in_not_found(api: Api) -> None:
    api.fails("card.activate", "not_found", card_id="404")
    api.fails(
        "client.update", "not_found", client_id="CL-404", product_id=2000, client={"phone": 77011111111}
    )
    api.fails("card.issue", "not_found", product_id=2000, client_id="CL-404")
    api.fails("transaction.clearing", "not_found", transaction_id="404")
    api.fails(
        "limits.set",
        "not_found",
        object={"type": "account", "value": "KZ00"},
        limits=[{"transaction_type": "pay"}],
    )


def test_the_clock_must_be_timezone_aware() -> None:
    engine = SandboxEngine(delay=0, clock=lambda: datetime(2025, 5, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.snapshot(partner=PARTNER)


# --- clients ------------------------------------------------------------------------------------


def test_client_ids_are_sequential_and_update_changes_the_phone(api: Api, engine: SandboxEngine) -> None:
    first, second = api.client(), api.client(3000, first_name="DANIYAR", last_name="ABENOV")
    assert (first, second) == ("CL-100001", "CL-100002")
    api.ok("client.update", client_id=second, product_id=3000, client={"phone": 77019998877})
    api.fails(
        "client.update", "invalid_state", client_id=second, product_id=2000, client={"phone": 77010000000}
    )
    phones = {c["client_id"]: c["phone"] for c in engine.snapshot(partner=PARTNER)["clients"]}
    assert phones == {first: 77011234567, second: 77019998877}


def test_the_identity_document_and_pin_are_never_stored(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "sandbox.sqlite3"
    api = Api(SandboxEngine(db, delay=0, clock=clock))
    body = base64.b64encode(b"%PDF-1.7 " + b"passport-scan-" * 40).decode()
    address = {
        "country": "KAZ",
        "postal_code": "050000",
        "address_line1": "A",
        "address_line2": "B",
        "address_line3": "C",
    }
    client_id = api.client(
        1000, country="KAZ", person_id="920417400123", document=body, address1=address, address2=address
    )
    card_id = api.card("active", client_id=client_id, product_id=1000)
    api.ok("card.set_pin", card_id=card_id, pin="PIN-BLOCK-4921")
    api.engine.close()
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert body[:40] not in dump and "PIN-BLOCK-4921" not in dump
    size = sqlite3.connect(db).execute("SELECT document_size FROM clients").fetchone()[0]
    assert size == len(base64.b64decode(body))


# --- cards and their state machine --------------------------------------------------------------

MOVES = {
    "card.activate": {"inactive": "active"},
    "card.block": {"active": "blocked"},
    "card.unblock": {"blocked": "active"},
    "card.close": {"inactive": "closed", "active": "closed", "blocked": "closed"},
}


@pytest.mark.parametrize("start", ["inactive", "active", "blocked", "closed"])
@pytest.mark.parametrize("action", sorted(MOVES))
def test_card_state_machine(api: Api, start: str, action: str) -> None:
    card_id = api.card(start)
    extra = {} if action == "card.activate" else {"description": "reason text"}
    target = MOVES[action].get(start)
    if target is not None:
        api.ok(action, card_id=card_id, **extra)
        assert api.card_status(card_id) == target
    else:
        api.fails(action, "card_closed" if start == "closed" else "invalid_state", card_id=card_id, **extra)
        assert api.card_status(card_id) == start


def test_a_closed_card_refuses_every_change_but_can_still_be_read(api: Api, engine: SandboxEngine) -> None:
    card_id = api.card("closed")
    client_id = api.call("card.info", card_id=card_id)["card"]["client_id"]
    refusals: list[tuple[str, dict[str, Any]]] = [
        ("card.activate", {"card_id": card_id}),
        ("card.block", {"card_id": card_id, "description": "x"}),
        ("card.unblock", {"card_id": card_id, "description": "x"}),
        ("card.close", {"card_id": card_id, "description": "x"}),
        ("card.set_pin", {"card_id": card_id}),
        ("card.reset_counter_pin", {"card_id": card_id}),
        ("card.issue_plastic", {"card_id": card_id}),
        (
            "limits.set",
            {"object": {"type": "card", "value": card_id}, "limits": [{"transaction_type": "pay"}]},
        ),
        ("transaction.create", {"order_id": "X", "card_id": card_id, "amount": "1"}),
    ]
    for name, body in refusals:
        api.fails(name, "card_closed", **body)
    with pytest.raises(SandboxError) as caught:
        engine.credit(card_id, Decimal(100), partner=PARTNER)
    assert caught.value.code == "card_closed"
    assert api.call("card.info", card_id=card_id)["card"]["status"] == "closed"
    assert api.call("card.balance", card_id=card_id)["balances"]["accounts"][0]["amount"] == 0
    assert api.call("card.statement", card_id=card_id)["operations"] == []
    assert api.call("client.cards", client_id=client_id)["cards"][0]["status"] == "closed"
    api.refused("card.secret_data", "invalid_state", card_id=card_id)


def test_status_history_keeps_every_change_and_its_reason(api: Api, engine: SandboxEngine) -> None:
    card_id = api.card("blocked")
    api.ok("card.close", card_id=card_id, description="card stolen")
    history = engine.card_history(card_id, partner=PARTNER)
    assert [(h["from_status"], h["to_status"], h["reason"]) for h in history] == [
        (None, "inactive", "issued"),
        ("inactive", "active", None),
        ("active", "blocked", "test"),
        ("blocked", "closed", "card stolen"),
    ]
    assert all(h["request_id"] for h in history)
    assert api.call("card.info", card_id=card_id)["card"]["status_reason"] == "card stolen"


def test_issued_cards_have_valid_numbers_and_a_three_year_expiry(api: Api) -> None:
    card_ids = [c["card_id"] for c in api.ok("card.bulk_issue", product_id=2000, count=20)["cards"]]
    assert [int(c) for c in card_ids] == list(range(int(card_ids[0]), int(card_ids[0]) + 20))
    pans, tokens = set(), set()
    for card_id in card_ids:
        api.ok("card.activate", card_id=card_id)
        secret = api.call("card.secret_data", card_id=card_id)["data"]
        info = api.call("card.info", card_id=card_id)["card"]
        assert re.fullmatch(r"440043\d{10}", secret["pan"]) and luhn_valid(secret["pan"])
        assert re.fullmatch(r"\d{3}", secret["cvv"])
        assert secret["expiry"] == info["expiry"] == "05/28"
        assert info["card_mask"] == secret["pan"][:6] + "******" + secret["pan"][-4:]
        assert info["client_id"] is None and iban_valid(info["iban"]) and info["iban"].startswith("KZ")
        assert len(info["iban"]) == 20 and info["currency"] == "KZT"
        uuid.UUID(info["card_token"])
        pans.add(secret["pan"])
        tokens.add(info["card_token"])
    assert len(pans) == len(tokens) == 20


def test_secret_data_only_for_active_or_blocked_cards(api: Api) -> None:
    api.refused("card.secret_data", "invalid_state", card_id=api.card("inactive"))
    assert api.call("card.secret_data", card_id=api.card("blocked"))["data"]["cvv"]


def test_card_link(api: Api) -> None:
    client_id = api.client(2000)
    bulk = [c["card_id"] for c in api.ok("card.bulk_issue", product_id=2000, count=3)["cards"]]
    linked = api.ok("card.link", client_id=client_id, card_id=bulk[0])
    assert (linked["client_id"], linked["cards"]) == (client_id, [{"card_id": bulk[0]}])
    api.fails("card.link", "already_linked", client_id=client_id, card_id=bulk[0])
    api.ok("card.close", card_id=bulk[1], description="spoiled")
    api.fails("card.link", "card_closed", client_id=client_id, card_id=bulk[1])
    other_product = api.client(3000)
    api.fails("card.link", "invalid_state", client_id=other_product, card_id=bulk[2])
    api.fails("card.link", "not_found", client_id="CL-1", card_id=bulk[2])
    cards = api.call("client.cards", client_id=client_id)["cards"]
    assert cards == [{"card_id": bulk[0], "card_mask": cards[0]["card_mask"], "status": "inactive"}]


def test_card_issue_accepts_the_older_cardholder_shape(api: Api, engine: SandboxEngine) -> None:
    outcome = api.ok(
        "card.issue",
        product_id=3000,
        cardholder={
            "first_name": "ARMAN",
            "last_name": "OMAROV",
            "phone": 77015550011,
            "country": "KAZ",
            "person_id": "880101300123",
        },
    )
    client = next(
        c for c in engine.snapshot(partner=PARTNER)["clients"] if c["client_id"] == outcome["client_id"]
    )
    assert (client["first_name"], client["product_id"], client["type"]) == ("ARMAN", 3000, 1)
    assert (
        api.call("client.cards", client_id=outcome["client_id"])["cards"][0]["card_id"]
        == outcome["cards"][0]["card_id"]
    )


def test_card_issue_refuses_a_client_of_another_product(api: Api) -> None:
    api.fails("card.issue", "invalid_state", product_id=3000, client_id=api.client(2000))


# --- plastic ------------------------------------------------------------------------------------


def test_plastic_card_progresses_with_the_clock(clock: FakeClock) -> None:
    api = Api(SandboxEngine(delay=1.0, clock=clock))
    request_id, _ = api.submit("card.bulk_issue", product_id=2000, count=1)
    clock.advance(1.0)
    card_id = api.status(request_id)["cards"][0]["card_id"]

    def plastic() -> str | None:
        status: str | None = api.call("card.info", card_id=card_id)["card"]["plastic_status"]
        return status

    assert plastic() is None
    request_id, _ = api.submit("card.issue_plastic", card_id=card_id, branch_id="AST-02")
    assert plastic() is None  # not applied before the request is due
    clock.advance(1.0)
    assert plastic() == "ordered"
    clock.advance(2.9)  # a stage is max(3 × delay, 2 s) = 3 s
    assert plastic() == "ordered"
    second, _ = api.submit("card.issue_plastic", card_id=card_id)
    clock.advance(0.1)
    assert plastic() == "produced"
    clock.advance(1.0)
    assert api.status(second)["error_code"] == "invalid_state"  # one order at a time
    clock.advance(2.0)
    assert plastic() == "delivered"
    again, _ = api.submit("card.issue_plastic", card_id=card_id)
    clock.advance(1.0)
    assert api.status(again)["request_status"] == "success" and plastic() == "ordered"


# --- PIN ----------------------------------------------------------------------------------------


def test_three_wrong_pins_lock_until_the_counter_is_reset(api: Api, engine: SandboxEngine) -> None:
    card_id = api.card("active")
    info = api.call("card.info", card_id=card_id)["card"]
    assert (info["pin_set"], info["pin_tries_left"]) == (False, 3)
    with pytest.raises(SandboxError, match="no PIN"):
        engine.verify_pin(card_id, "1234", partner=PARTNER)
    api.ok("card.set_pin", card_id=card_id, pin="enc-1234")
    assert engine.verify_pin(card_id, "enc-1234", partner=PARTNER) is True
    results = [engine.verify_pin(card_id, wrong, partner=PARTNER) for wrong in ("a111", "b222", "c333")]
    assert results == [False, False, False]
    info = api.call("card.info", card_id=card_id)["card"]
    assert (info["pin_set"], info["pin_tries_left"]) == (True, 0)
    with pytest.raises(SandboxError) as caught:
        engine.verify_pin(card_id, "enc-1234", partner=PARTNER)  # even the right PIN
    assert caught.value.code == "pin_locked"
    # The lock is about PIN checks only: a card payment (no PIN in transaction.create) still goes.
    engine.credit(card_id, Decimal(100), partner=PARTNER)
    assert api.ok("transaction.create", order_id="P", card_id=card_id, amount="10")["transaction_id"]
    api.ok("card.reset_counter_pin", card_id=card_id)
    assert api.call("card.info", card_id=card_id)["card"]["pin_tries_left"] == 3
    assert engine.verify_pin(card_id, "enc-1234", partner=PARTNER) is True


def test_a_right_pin_resets_the_count_of_wrong_ones(api: Api, engine: SandboxEngine) -> None:
    card_id = api.card("active")
    api.ok("card.set_pin", card_id=card_id, pin="enc-1234")
    assert not engine.verify_pin(card_id, "nope", partner=PARTNER)
    assert not engine.verify_pin(card_id, "nope", partner=PARTNER)
    assert engine.verify_pin(card_id, "enc-1234", partner=PARTNER)
    assert api.call("card.info", card_id=card_id)["card"]["pin_tries_left"] == 3


def test_set_pin_without_a_pin_or_request_id_generates_both(api: Api, engine: SandboxEngine) -> None:
    card_id = api.card("inactive")
    method = REGISTRY.resolve("card.set_pin")
    answer = engine.handle(method, method.request.model_validate({"card_id": card_id}), partner=PARTNER)
    assert answer["request_status"] == "process"
    uuid.UUID(answer["request_id"])
    assert api.status(answer["request_id"])["request_status"] == "success"
    assert api.call("card.info", card_id=card_id)["card"]["pin_set"] is True


# --- cardholder validation ----------------------------------------------------------------------


def test_cardholder_validation_scores_name_and_phone(api: Api) -> None:
    card_id = api.card("active")
    token = api.call("card.info", card_id=card_id)["card"]["card_token"]

    def validate(phone: str, first: str, last: str) -> tuple[str, int]:
        answer = api.call(
            "external.cardholder_validate",
            user_phone=phone,
            first_name=first,
            last_name=last,
            card_token=token,
        )
        return answer["score"], answer["fishy"]

    assert validate("77011234567", "aliya", "serikova") == ("100.00%", 0)
    score, fishy = validate("77011234567", "ALIA", "SERIKOVA")
    assert 90 < float(score.rstrip("%")) < 100 and fishy == 0
    score, fishy = validate("77019999999", "IVAN", "PETROV")
    assert float(score.rstrip("%")) < 50 and fishy == 1
    unlinked = api.ok("card.bulk_issue", product_id=2000, count=1)["cards"][0]["card_id"]
    token = api.call("card.info", card_id=unlinked)["card"]["card_token"]
    assert validate("77011234567", "ALIYA", "SERIKOVA") == ("0.00%", 1)


# --- snapshot, reset, files ---------------------------------------------------------------------


def test_snapshot_has_masked_pans_only(api: Api, engine: SandboxEngine) -> None:
    engine.seed(5, partner=PARTNER)
    card_id = api.card("active")
    engine.credit(card_id, Decimal(1000), partner=PARTNER)
    api.ok("transaction.create", order_id="S", card_id=card_id, amount="10")
    snapshot = engine.snapshot(partner=PARTNER)
    assert {"clients", "cards", "transactions", "revision", "epoch"} == set(snapshot)
    assert snapshot["clients"] and snapshot["cards"] and snapshot["transactions"]
    text = json.dumps(snapshot)
    assert not re.search(r"(?<!\d)\d{13,19}(?!\d)", text)  # no PAN, not even one
    assert all(re.fullmatch(r"440043\*{6}\d{4}", card["card_mask"]) for card in snapshot["cards"])
    assert set(snapshot["cards"][0]) == {
        "card_id",
        "card_mask",
        "status",
        "client_id",
        "product_id",
        "expiry",
    }
    assert set(snapshot["transactions"][0]) == {
        "transaction_id", "card_id", "order_id", "amount", "currency", "status",
        "held", "cleared", "refunded", "created_at",
    }  # fmt: skip
    limited = engine.snapshot(partner=PARTNER, limit=2)
    assert [c["card_id"] for c in limited["cards"]] == [c["card_id"] for c in snapshot["cards"][-2:]]
    theirs = engine.snapshot(partner="someone-else")
    assert (theirs["clients"], theirs["cards"], theirs["transactions"]) == ([], [], [])


def test_reset_forgets_everything(api: Api, engine: SandboxEngine) -> None:
    card_id = api.card("active")
    request_id, _ = api.submit("card.block", card_id=card_id, description="x")
    engine.reset()
    emptied = engine.snapshot(partner=PARTNER)
    assert (emptied["clients"], emptied["cards"], emptied["transactions"]) == ([], [], [])
    api.refused("request.status", "unknown_request_id", request_id=request_id)
    assert api.client() == "CL-100001"  # sequences start again


def test_engines_on_one_file_share_state_and_settle_each_others_requests(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "shared.sqlite3"
    one, two = Api(SandboxEngine(db, delay=0, clock=clock)), Api(SandboxEngine(db, delay=5, clock=clock))
    card_id = one.card("active")
    request_id, _ = two.submit("card.block", card_id=card_id, description="from two")
    assert one.status(request_id)["request_status"] == "process"
    clock.advance(5)
    assert one.status(request_id)["request_status"] == "success"  # one applied two's request
    assert two.card_status(card_id) == "blocked"
    one.engine.close()
    two.engine.close()
    reopened = Api(SandboxEngine(db, delay=0, clock=clock))
    assert reopened.card_status(card_id) == "blocked"
