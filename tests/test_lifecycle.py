"""The card lifecycle and the ledger rules (`fpconsole.api.lifecycle`) are the one statement of
them: every card action a registry entry names is one of its rules, and the sandbox engine, the
cache ingest and the Cards screen's menu each do what the lifecycle says, status by status."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from fpconsole.api import lifecycle
from fpconsole.api.dictionaries import CARD_STATUSES, TRANSACTION_STATUSES
from fpconsole.api.events import RequestSent, ResponseReceived
from fpconsole.api.methods import REGISTRY, Method
from fpconsole.api.names import MethodName
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.sandbox.errors import SandboxError
from fpconsole.store.cache import CachedCard, CachedTransaction, EntityCache

PARTNER = "100500"
AT = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)
CARD_METHODS = [method for method in REGISTRY if method.card_action is not None]
# How a card reaches each status from a fresh (inactive) one.
PATHS = {
    "inactive": [],
    "active": [MethodName.CARD_ACTIVATE],
    "blocked": [MethodName.CARD_ACTIVATE, MethodName.CARD_BLOCK],
    "closed": [MethodName.CARD_CLOSE],
}


# --- the rules themselves --------------------------------------------------------------------------


def test_every_card_action_on_an_entry_is_a_rule_of_the_lifecycle() -> None:
    assert CARD_METHODS
    for method in CARD_METHODS:
        assert method.card_action in lifecycle.CARD_RULES, method.name
        rule = lifecycle.CARD_RULES[method.card_action]
        assert rule.allowed <= set(CARD_STATUSES), method.name
        assert method.card_status_after == rule.leads_to
    # Every transition of the lifecycle is some method's: none is written for nothing.
    moves = {method.card_action for method in CARD_METHODS if method.card_status_after is not None}
    assert moves == set(lifecycle.TRANSITIONS)
    # Closed is final: no rule starts from it.
    assert all(lifecycle.CLOSED not in rule.allowed for rule in lifecycle.CARD_RULES.values())


def test_the_ledger_moves_on_the_entries() -> None:
    moves = {method.name: method.ledger_move for method in REGISTRY if method.ledger_move}
    assert moves == {
        MethodName.TRANSACTION_CREATE: "hold",
        MethodName.TRANSACTION_CLEARING: "clearing",
        MethodName.TRANSACTION_REFUND: "refund",
    }
    for method in REGISTRY:
        if method.settlement is not None:
            assert method.transaction_status_after in TRANSACTION_STATUSES
            assert method.form_class.endswith(":TransactionGuardForm"), method.name
    assert set(TRANSACTION_STATUSES) == lifecycle.AUTHORISED | lifecycle.NEVER_AUTHORISED
    assert lifecycle.settlement_limit("refund", held=0, cleared=300, refunded=100) == 200
    assert (
        lifecycle.settlement_limit("clearing", held=Decimal(5), cleared=Decimal(1), refunded=Decimal(0)) == 5
    )
    assert [lifecycle.transaction_status(0, 0), lifecycle.transaction_status(1, 0)] == ["success", "cleared"]
    assert lifecycle.transaction_status(1, 1) == "refunded"


# --- the sandbox engine --------------------------------------------------------------------------


class Sandbox:
    def __init__(self, engine: SandboxEngine) -> None:
        self.engine = engine

    def call(self, name: str, **body: Any) -> dict[str, Any]:
        method = REGISTRY.resolve(name)
        if method.has_request_id:
            body.setdefault("request_id", str(uuid.uuid4()))
        return self.engine.handle(method, method.request.model_validate(body), partner=PARTNER)

    def attempt(self, name: str, **body: Any) -> bool:
        """Whether the method succeeds (a refusal now, or once its request is applied, is False)."""
        if REGISTRY.resolve(name).has_request_id:
            body.setdefault("request_id", str(uuid.uuid4()))
        try:
            answer = self.call(name, **body)
        except SandboxError:
            return False
        if answer.get("request_status") == "process":
            answer = self.call(MethodName.REQUEST_STATUS, request_id=body["request_id"])
        assert answer.get("request_status", "success") in ("success", "error"), answer
        return answer.get("request_status", "success") == "success"

    def ok(self, name: str, **body: Any) -> dict[str, Any]:
        body.setdefault("request_id", str(uuid.uuid4()))
        answer = self.call(name, **body)
        if answer.get("request_status") == "process":
            answer = self.call(MethodName.REQUEST_STATUS, request_id=body["request_id"])
        assert answer["request_status"] == "success", answer
        return answer

    def client(self) -> str:
        holder = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "A", "last_name": "B"}
        return str(self.ok(MethodName.CLIENT_ADD, product_id=2000, client=holder)["client_id"])

    def card(self, status: str, *, linked: bool = True) -> str:
        if linked:
            answer = self.ok(MethodName.CARD_ISSUE, product_id=2000, client_id=self.client())
        else:
            answer = self.ok(MethodName.CARD_BULK_ISSUE, product_id=2000, count=1)
        card_id = str(answer["cards"][0]["card_id"])
        self.engine.credit(card_id, Decimal(1000), partner=PARTNER)  # while it is still open
        for step in PATHS[status]:
            self.ok(step, card_id=card_id, **self.reason(step))
        assert self.status(card_id) == status
        return card_id

    def status(self, card_id: str) -> str:
        return str(self.call(MethodName.CARD_INFO, card_id=card_id)["card"]["status"])

    @staticmethod
    def reason(name: str) -> dict[str, Any]:
        return {"description": "test"} if "description" in REGISTRY.resolve(name).request.model_fields else {}


def body_for(method: Method, card_id: str, sandbox: Sandbox) -> dict[str, Any]:
    extra: dict[str, Any] = {
        MethodName.TRANSACTION_CREATE: {"order_id": "ORD-1", "amount": "10"},
        MethodName.LIMITS_SET: {
            "object": {"type": "card", "value": card_id},
            "limits": [{"transaction_type": "pay"}],
        },
        MethodName.CARD_LINK: {"client_id": sandbox.client()},
    }.get(method.name, {})
    if method.name == MethodName.LIMITS_SET:
        return extra
    return {"card_id": card_id, **sandbox.reason(method.name), **extra}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with SandboxEngine(delay=0, clock=lambda: AT, rng_seed=7) as engine:
        yield Sandbox(engine)


@pytest.mark.parametrize("method", CARD_METHODS, ids=lambda method: method.name)
def test_the_sandbox_does_what_the_lifecycle_says(sandbox: Sandbox, method: Method) -> None:
    assert method.card_action is not None
    for status in CARD_STATUSES:
        # A card to link belongs to no client yet (a linked one is refused for that alone).
        card_id = sandbox.card(status, linked=method.name != MethodName.CARD_LINK)
        allowed = lifecycle.card_allows(method.card_action, status)
        done = sandbox.attempt(method.name, **body_for(method, card_id, sandbox))
        assert done == allowed, f"{method.name} on a {status} card"
        expected = (method.card_status_after or status) if done else status
        assert sandbox.status(card_id) == expected, f"{method.name} on a {status} card"


# --- the cache ingest ----------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[EntityCache]:
    with EntityCache.open(tmp_path / "cache.sqlite3", profile="qa") as opened:
        yield opened


def _succeed(cache: EntityCache, method: Method, body: dict[str, Any]) -> None:
    request_id = str(uuid.uuid4())
    targets = {key: str(value) for key, value in body.items()}
    cache.ingest(
        RequestSent(
            method=method.name,
            path=method.path,
            request_id=request_id,
            target_ids=targets,
            request={"request_id": request_id, **body},
            changes_state=True,
            at=AT,
        )
    )
    cache.ingest(
        ResponseReceived(
            method=method.name,
            request_id=request_id,
            status="ok",
            request_status="success",
            response={"status": "ok", "request_status": "success"},
            latency_ms=1.0,
            at=AT,
        )
    )


@pytest.mark.parametrize(
    "method", [m for m in CARD_METHODS if m.card_status_after is not None], ids=lambda method: method.name
)
def test_the_cache_moves_a_card_as_the_lifecycle_says(cache: EntityCache, method: Method) -> None:
    cache.upsert_card("7001", seen_at=AT, status="whatever it was")
    _succeed(cache, method, {"card_id": "7001"})
    found = cache.get("cards", "7001")
    assert isinstance(found, CachedCard)
    assert found.status == method.card_status_after


@pytest.mark.parametrize(
    "method", [m for m in REGISTRY if m.settlement is not None], ids=lambda method: method.name
)
def test_the_cache_moves_a_transaction_as_the_lifecycle_says(cache: EntityCache, method: Method) -> None:
    cache.upsert_transaction("T1", seen_at=AT, status=lifecycle.TX_SUCCESS)
    _succeed(cache, method, {"transaction_id": "T1"})
    found = cache.get("transactions", "T1")
    assert isinstance(found, CachedTransaction)
    assert found.status == method.transaction_status_after


def test_a_card_method_without_a_status_change_leaves_the_cached_status() -> None:
    for method in CARD_METHODS:
        if method.card_status_after is None:
            assert method.card_action not in lifecycle.TRANSITIONS, method.name


# --- the Cards screen's menu ---------------------------------------------------------------------


class _Recorder:
    """Stands in for the app: which method an action opens."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def open_form(self, method: str, *_args: Any, **_kwargs: Any) -> None:
        self.opened.append(str(method))

    def open_secret_data(self, *_args: Any) -> None:
        self.opened.append(MethodName.CARD_SECRET_DATA)

    def open_statement(self, *_args: Any) -> None:
        self.opened.append("")


@pytest.mark.parametrize("status", [*CARD_STATUSES, "?"])
def test_the_cards_menu_offers_what_the_lifecycle_allows(status: str) -> None:
    from fpconsole.tui.screens.cards import CardsScreen
    from fpconsole.tui.widgets.paged_table import Row

    app = _Recorder()
    row = Row("7001", ("7001", "440043******1234", status, "—", "2000"))
    offered: dict[str, bool] = {}
    for action in CardsScreen.actions(cast(Any, SimpleNamespace(fp_app=app)), row):
        action.run()
        name = app.opened[-1]
        entry = REGISTRY.get(name) if name else None
        if entry is not None and entry.card_action is not None:
            offered[entry.name] = action.available
    # Every method with a card action is on the menu, offered exactly when the lifecycle allows it
    # (a status not known yet allows what every open status allows).
    assert set(offered) == {method.name for method in CARD_METHODS}
    for method in CARD_METHODS:
        assert method.card_action is not None
        expected = lifecycle.card_may(method.card_action, status)
        assert offered[method.name] == expected, f"{method.name} on a {status} card"
