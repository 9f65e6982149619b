"""The state-changing methods: what is kept when a request arrives, and what applying it does.

`prepare` turns the validated request into the payload stored in the request table; it is the
only place that sees secrets, and it drops them (the PIN becomes a salted hash, the ID document
its size). `apply` runs later, when the request is due, from that payload alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from fpconsole.api import methods
from fpconsole.api import models as m
from fpconsole.api.names import MethodName
from fpconsole.sandbox.engine import cards, clients, limits, pins, transactions
from fpconsole.sandbox.engine.context import Ctx, Outcome, Settings
from fpconsole.sandbox.errors import SandboxError

Payload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Operation:
    model: type[m.ApiRequest]
    apply: Callable[[Ctx, Payload], Outcome]
    prepare: Callable[[Settings, m.ApiRequest], Payload] | None = None
    # runs in the arrival transaction; may add to the payload and return extra answer fields
    on_record: Callable[[Ctx, Payload], dict[str, Any]] | None = None
    # runs after a refused apply was rolled back, to record the refusal where it belongs
    on_error: Callable[[Ctx, Payload, SandboxError], None] | None = None


def plain_payload(request: m.ApiRequest) -> Payload:
    """The request's fields without request_id (kept in its own column); amounts stay Decimal."""
    return request.model_dump(mode="python", exclude_none=True, exclude={"request_id"})


def _document_size(text: str) -> int:
    """Decoded size of the (already validated, padded) base64 text, without decoding 2 MB again."""
    return len(text) * 3 // 4 - text[-2:].count("=")


# --- clients ---------------------------------------------------------------------------------


def _prepare_client_add(settings: Settings, request: m.ApiRequest) -> Payload:
    payload = plain_payload(request)
    document = payload["client"].pop("document", None)
    if document is not None:
        payload["client"]["document_size"] = _document_size(document)
    return payload


def _client_add(ctx: Ctx, p: Payload) -> Outcome:
    client_id = clients.add_client(
        ctx, product_id=p["product_id"], client=p["client"], branch_id=p.get("branch_id")
    )
    return Outcome(client_id=client_id)


def _client_update(ctx: Ctx, p: Payload) -> Outcome:
    clients.update_phone(
        ctx, client_id=p["client_id"], product_id=p["product_id"], phone=p["client"]["phone"]
    )
    return Outcome(client_id=p["client_id"])


def _card_link(ctx: Ctx, p: Payload) -> Outcome:
    cards.link(ctx, card_id=p["card_id"], client_id=p["client_id"])
    return Outcome(client_id=p["client_id"], cards=(p["card_id"],))


# --- cards -----------------------------------------------------------------------------------


def _bulk_issue(ctx: Ctx, p: Payload) -> Outcome:
    issued = tuple(
        cards.issue_card(ctx, product_id=p["product_id"], client_id=None) for _ in range(p["count"])
    )
    return Outcome(cards=issued)


def _issue(ctx: Ctx, p: Payload) -> Outcome:
    product_id = int(p["product_id"])
    if "client_id" in p:
        client_id = str(p["client_id"])
        clients.require_product(clients.find_client(ctx, client_id), product_id)
    else:
        # The older draft's shape (SPEC §3.5): the cardholder becomes a client on the way.
        holder = dict(p["cardholder"])
        holder.update(type=1, resident=1 if holder.get("country") == "KAZ" else 2)
        client_id = clients.add_client(ctx, product_id=product_id, client=holder)
    card_id = cards.issue_card(ctx, product_id=product_id, client_id=client_id)
    return Outcome(client_id=client_id, cards=(card_id,))


def _about_card(ctx: Ctx, card_id: str) -> Outcome:
    return Outcome(client_id=cards.find_card(ctx, card_id)["client_id"], cards=(card_id,))


def _issue_plastic(ctx: Ctx, p: Payload) -> Outcome:
    cards.order_plastic(ctx, card_id=p["card_id"], branch_id=p.get("branch_id"))
    return _about_card(ctx, p["card_id"])


def _status_change(method: methods.Method) -> Callable[[Ctx, Payload], Outcome]:
    """A card method that moves the card to another status: its entry's card action."""
    action = method.card_action
    if action is None or method.card_status_after is None:
        raise ValueError(f"{method.name} does not change a card's status")

    def apply(ctx: Ctx, p: Payload) -> Outcome:
        cards.change_status(ctx, card_id=p["card_id"], action=action, reason=p.get("description"))
        return _about_card(ctx, p["card_id"])

    return apply


def _prepare_set_pin(settings: Settings, request: m.ApiRequest) -> Payload:
    payload = plain_payload(request)
    pin = payload.pop("pin", None)
    if pin is None:
        pin = pins.generate_pin(settings.rng)
        payload["pin_generated"] = True
    salt = pins.new_salt(settings.rng)
    clear = str(pin) if payload.get("pin_generated") else pins.pin_from_block(str(pin))
    payload.update(pin_salt=salt, pin_hash=pins.hash_pin(clear, salt))
    return payload


def _set_pin(ctx: Ctx, p: Payload) -> Outcome:
    cards.set_pin(ctx, card_id=p["card_id"], pin_hash=p["pin_hash"], pin_salt=p["pin_salt"])
    return _about_card(ctx, p["card_id"])


def _reset_pin_counter(ctx: Ctx, p: Payload) -> Outcome:
    cards.reset_pin_counter(ctx, card_id=p["card_id"])
    return _about_card(ctx, p["card_id"])


# --- transactions ----------------------------------------------------------------------------


def _open_transaction(ctx: Ctx, p: Payload) -> dict[str, Any]:
    transaction_id = transactions.open_transaction(
        ctx,
        card_id=p["card_id"],
        order_id=p["order_id"],
        amount=Decimal(p["amount"]),
        currency=p["currency"],
        description=p.get("description"),
    )
    p["transaction_id"] = transaction_id
    return {"transaction_id": transaction_id}


def _transaction_create(ctx: Ctx, p: Payload) -> Outcome:
    tx = transactions.authorise(ctx, p["transaction_id"])
    return Outcome(
        client_id=cards.find_card(ctx, tx["card_id"])["client_id"],
        cards=(tx["card_id"],),
        transaction_id=tx["transaction_id"],
    )


def _decline(ctx: Ctx, p: Payload, error: SandboxError) -> None:
    transactions.decline(ctx, p["transaction_id"], error)


def _amount(p: Payload) -> Decimal | None:
    return Decimal(p["amount"]) if "amount" in p else None


def _clearing(ctx: Ctx, p: Payload) -> Outcome:
    transactions.clear(ctx, p["transaction_id"], _amount(p))
    card_id = transactions.find_transaction(ctx, p["transaction_id"])["card_id"]
    return Outcome(cards=(card_id,), transaction_id=p["transaction_id"])


def _refund(ctx: Ctx, p: Payload) -> Outcome:
    transactions.refund(ctx, p["transaction_id"], _amount(p))
    card_id = transactions.find_transaction(ctx, p["transaction_id"])["card_id"]
    return Outcome(cards=(card_id,), transaction_id=p["transaction_id"])


# --- limits ----------------------------------------------------------------------------------


def _limits_set(ctx: Ctx, p: Payload) -> Outcome:
    target = p["object"]
    limits.set_limits(ctx, object_type=target["type"], object_value=target["value"], rules=p["limits"])
    if target["type"] == "card":
        return Outcome(cards=(target["value"],))
    if target["type"] == "client":
        return Outcome(client_id=target["value"])
    return Outcome()


OPERATIONS: Final[dict[str, Operation]] = {
    MethodName.CLIENT_ADD: Operation(m.ClientAddRequest, _client_add, prepare=_prepare_client_add),
    MethodName.CLIENT_UPDATE: Operation(m.ClientUpdateRequest, _client_update),
    MethodName.CARD_LINK: Operation(m.CardLinkRequest, _card_link),
    MethodName.CARD_BULK_ISSUE: Operation(m.BulkIssueRequest, _bulk_issue),
    MethodName.CARD_ISSUE: Operation(m.CardIssueRequest, _issue),
    MethodName.CARD_ISSUE_PLASTIC: Operation(m.CardIssuePlasticRequest, _issue_plastic),
    MethodName.CARD_ACTIVATE: Operation(m.CardRequest, _status_change(methods.CARD_ACTIVATE)),
    MethodName.CARD_BLOCK: Operation(m.CardWithReasonRequest, _status_change(methods.CARD_BLOCK)),
    MethodName.CARD_UNBLOCK: Operation(m.CardWithReasonRequest, _status_change(methods.CARD_UNBLOCK)),
    MethodName.CARD_CLOSE: Operation(m.CardWithReasonRequest, _status_change(methods.CARD_CLOSE)),
    MethodName.CARD_SET_PIN: Operation(m.SetPinRequest, _set_pin, prepare=_prepare_set_pin),
    MethodName.CARD_RESET_PIN_COUNTER: Operation(m.CardRequest, _reset_pin_counter),
    MethodName.TRANSACTION_CREATE: Operation(
        m.TransactionCreateRequest, _transaction_create, on_record=_open_transaction, on_error=_decline
    ),
    MethodName.TRANSACTION_CLEARING: Operation(m.TransactionClearingRequest, _clearing),
    MethodName.TRANSACTION_REFUND: Operation(m.TransactionRefundRequest, _refund),
    MethodName.LIMITS_SET: Operation(m.LimitsSetRequest, _limits_set),
}


def prepare(operation: Operation, settings: Settings, request: m.ApiRequest) -> Payload:
    return operation.prepare(settings, request) if operation.prepare else plain_payload(request)


def apply(ctx: Ctx, method: str, payload: Payload) -> Outcome:
    operation = OPERATIONS.get(method)
    if operation is None:
        raise SandboxError("unknown_method", f"the sandbox cannot apply {method}")
    return operation.apply(ctx, payload)


def on_error(ctx: Ctx, method: str, payload: Payload, error: SandboxError) -> None:
    operation = OPERATIONS.get(method)
    if operation is not None and operation.on_error is not None:
        operation.on_error(ctx, payload, error)
