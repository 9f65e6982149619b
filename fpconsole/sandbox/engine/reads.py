"""The read methods: answered at once (request_status success) from current state.

Reads record nothing, so a repeated request_id on a read is not a duplicate. A read about a
card, client, transaction or request the partner does not have raises not_found (or
unknown_request_id), naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from fpconsole.api import models as m
from fpconsole.api.names import MethodName
from fpconsole.sandbox.engine import (
    cardholder,
    cards,
    clients,
    ledger,
    limits,
    requests,
    statements,
    transactions,
)
from fpconsole.sandbox.engine.context import Ctx
from fpconsole.sandbox.errors import SandboxError

Body = dict[str, Any]
R = TypeVar("R", bound=m.ApiRequest)


def _as(request: m.ApiRequest, model: type[R]) -> R:
    if not isinstance(request, model):
        raise SandboxError("validation_error", f"expected a {model.__name__}, got {type(request).__name__}")
    return request


def _request_status(ctx: Ctx, request: m.ApiRequest) -> Body:
    return requests.status_json(ctx, requests.find(ctx, _as(request, m.RequestIdOnly).request_id))


def _card_info(ctx: Ctx, request: m.ApiRequest) -> Body:
    return {"card": cards.card_info(ctx, _as(request, m.CardRequest).card_id)}


def _balance(ctx: Ctx, request: m.ApiRequest) -> Body:
    card_id = _as(request, m.CardRequest).card_id
    cards.find_card(ctx, card_id)
    return {"balances": {"accounts": ledger.accounts_json(ctx, card_id)}}


def _secret_data(ctx: Ctx, request: m.ApiRequest) -> Body:
    return {"data": cards.secret_data(ctx, _as(request, m.CardRequest).card_id)}


def _statement(ctx: Ctx, request: m.ApiRequest) -> Body:
    req = _as(request, m.CardWindowRequest)
    return {"operations": statements.statement(ctx, req.card_id, req.start_date, req.end_date)}


def _statement_extended(ctx: Ctx, request: m.ApiRequest) -> Body:
    req = _as(request, m.StatementExtendedRequest)
    return statements.statement_extended(ctx, req.card_id, req.start_date, req.end_date)


def _client_cards(ctx: Ctx, request: m.ApiRequest) -> Body:
    return {"cards": clients.client_cards(ctx, _as(request, m.ClientCardsRequest).client_id)}


def _transaction_info(ctx: Ctx, request: m.ApiRequest) -> Body:
    return transactions.transaction_json(ctx, _as(request, m.TransactionInfoRequest).transaction_id)


def _cardholder_validate(ctx: Ctx, request: m.ApiRequest) -> Body:
    req = _as(request, m.CardholderValidateRequest)
    return cardholder.validate(
        ctx,
        card_token=req.card_token,
        user_phone=req.user_phone,
        first_name=req.first_name,
        last_name=req.last_name,
    )


def _limits_list(ctx: Ctx, request: m.ApiRequest) -> Body:
    target = _as(request, m.LimitsListRequest).object
    return {"limits": limits.list_limits(ctx, object_type=target.type, object_value=target.value)}


READS: Final[dict[str, Callable[[Ctx, m.ApiRequest], Body]]] = {
    # Also the docs' "Transaction request status" (same path): a transaction request's answer
    # carries transaction_id and fin_document_id.
    MethodName.REQUEST_STATUS: _request_status,
    MethodName.CARD_INFO: _card_info,
    MethodName.CARD_BALANCE: _balance,
    MethodName.CARD_SECRET_DATA: _secret_data,
    MethodName.CARD_STATEMENT: _statement,
    MethodName.CARD_STATEMENT_EXTENDED: _statement_extended,
    MethodName.CLIENT_CARDS: _client_cards,
    MethodName.TRANSACTION_INFO: _transaction_info,
    MethodName.CARDHOLDER_VALIDATE: _cardholder_validate,
    MethodName.LIMITS_LIST: _limits_list,
}
