"""Spending limits on a card, an account (by IBAN) or a client (all of the client's cards).

A limit is (object, transaction_type, period, currency) → max. Its counter is what the object's
cards authorised in the current period, read from the ledger's `hold` rows, so it needs no
bookkeeping of its own. Which transactions count for which limit type (INFERRED):

    pay, pay_online_non3ds   purchases (transaction.create is an online payment without 3-D Secure)
    withdrawal, withdrawal_atm  cash withdrawals (MCC 6011; made by the seed only)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from fpconsole.sandbox.engine import cards, clients, ledger
from fpconsole.sandbox.engine.clock import period_start, to_db
from fpconsole.sandbox.engine.context import Ctx
from fpconsole.sandbox.engine.money import limit_text, to_minor
from fpconsole.sandbox.engine.statuses import require
from fpconsole.sandbox.errors import SandboxError

# transaction kind → the limit types that count it
LIMIT_TYPES_BY_KIND: Final[dict[str, frozenset[str]]] = {
    "pay": frozenset({"pay", "pay_online_non3ds"}),
    "withdrawal": frozenset({"withdrawal", "withdrawal_atm"}),
}
KINDS_BY_LIMIT_TYPE: Final[dict[str, frozenset[str]]] = {
    limit_type: frozenset(kind for kind, types in LIMIT_TYPES_BY_KIND.items() if limit_type in types)
    for limit_type in {t for types in LIMIT_TYPES_BY_KIND.values() for t in types}
}
# limits.set may omit the period (SPEC §3.25); the sandbox then means a daily limit. INFERRED.
DEFAULT_PERIOD: Final = "day"


@dataclass(frozen=True, slots=True)
class Scope:
    """The object a limit is set on and the cards it covers."""

    object_type: str
    object_value: str
    card_ids: tuple[str, ...]


def resolve(ctx: Ctx, object_type: str, object_value: str, *, for_change: bool) -> Scope:
    field = "object.value"
    if object_type == "card":
        card = cards.find_card(ctx, object_value, field=field)
        if for_change:
            require(card, "set_limits")
        return Scope(object_type, object_value, (card["card_id"],))
    if object_type == "account":
        account = ledger.find_account(ctx, object_value, field=field)
        if for_change:
            require(cards.find_card(ctx, account["card_id"]), "set_limits")
        return Scope(object_type, object_value, (account["card_id"],))
    if object_type == "client":
        clients.find_client(ctx, object_value, field=field)
        rows = ctx.conn.execute(
            "SELECT card_id FROM cards WHERE client_id = ? AND partner = ?", (object_value, ctx.partner)
        )
        return Scope(object_type, object_value, tuple(r["card_id"] for r in rows))
    raise SandboxError("validation_error", f"unknown object type {object_type!r}", field="object.type")


def set_limits(ctx: Ctx, *, object_type: str, object_value: str, rules: Iterable[Mapping[str, Any]]) -> None:
    """Each rule replaces the limit with the same type, period and currency. A rule without
    amounts removes the object's limits of that type and period."""
    scope = resolve(ctx, object_type, object_value, for_change=True)
    for rule_index, rule in enumerate(rules):
        period = rule.get("period") or DEFAULT_PERIOD
        key = (ctx.partner, scope.object_type, scope.object_value, rule["transaction_type"], period)
        amounts = rule.get("amount") or []
        if not amounts:
            ctx.conn.execute(
                """DELETE FROM limits WHERE partner = ? AND object_type = ? AND object_value = ?
                       AND transaction_type = ? AND period = ?""",
                key,
            )
        for amount_index, amount in enumerate(amounts):
            where = f"limits.{rule_index}.amount.{amount_index}.value"
            ctx.conn.execute(
                """INSERT INTO limits (partner, object_type, object_value, transaction_type, period, region,
                       max_amount, currency, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (partner, object_type, object_value, transaction_type, period, currency)
                   DO UPDATE SET max_amount = excluded.max_amount, region = excluded.region,
                       created_at = excluded.created_at""",
                (
                    *key,
                    rule.get("region"),
                    to_minor(str(amount["value"]), field=where),
                    amount.get("currency") or ledger.DEFAULT_CURRENCY,
                    to_db(ctx.now),
                ),
            )


def _used(ctx: Ctx, card_ids: tuple[str, ...], kinds: frozenset[str], currency: str, period: str) -> int:
    if not card_ids or not kinds:
        return 0
    card_marks = ", ".join("?" for _ in card_ids)
    kind_marks = ", ".join("?" for _ in kinds)
    row = ctx.conn.execute(
        f"""SELECT COALESCE(SUM(l.amount), 0) FROM ledger l
            JOIN transactions t ON t.transaction_id = l.transaction_id
            WHERE l.type = 'hold' AND l.card_id IN ({card_marks}) AND t.kind IN ({kind_marks})
              AND l.currency = ? AND l.created_at >= ? AND l.created_at <= ?""",
        (*card_ids, *sorted(kinds), currency, to_db(period_start(period, ctx.now)), to_db(ctx.now)),
    ).fetchone()
    return int(row[0])


def list_limits(ctx: Ctx, *, object_type: str, object_value: str) -> list[dict[str, Any]]:
    scope = resolve(ctx, object_type, object_value, for_change=False)
    rows = ctx.conn.execute(
        """SELECT * FROM limits WHERE partner = ? AND object_type = ? AND object_value = ?
           ORDER BY transaction_type, period, currency""",
        (ctx.partner, scope.object_type, scope.object_value),
    ).fetchall()
    answer = []
    for row in rows:
        kinds = KINDS_BY_LIMIT_TYPE.get(row["transaction_type"], frozenset())
        used = _used(ctx, scope.card_ids, kinds, row["currency"], row["period"])
        maximum = int(row["max_amount"])
        answer.append(
            {
                "transaction_type": row["transaction_type"],
                "period": row["period"],
                "max": limit_text(maximum),
                "currency": row["currency"],
                "counter": limit_text(used),
                "available": limit_text(max(maximum - used, 0)),
            }
        )
    return answer


def check(
    ctx: Ctx, *, card: sqlite3.Row, account: sqlite3.Row, kind: str, amount: int, currency: str
) -> None:
    """Refuse with limit_exceeded when this amount would take any applicable limit over its max."""
    types = LIMIT_TYPES_BY_KIND.get(kind, frozenset())
    objects = [("card", card["card_id"]), ("account", account["iban"])]
    if card["client_id"] is not None:
        objects.append(("client", card["client_id"]))
    # Most cards, their accounts and clients have no limit: one indexed probe instead of a query
    # per object (an authorisation's most repeated statements; the seed makes ~2,000 of them).
    probe = ctx.conn.execute(
        f"""SELECT 1 FROM limits WHERE partner = ? AND currency = ?
              AND object_value IN ({", ".join("?" for _ in objects)}) LIMIT 1""",
        (ctx.partner, currency, *(value for _, value in objects)),
    ).fetchone()
    if probe is None:
        return
    for object_type, object_value in objects:
        rows = ctx.conn.execute(
            f"""SELECT * FROM limits WHERE partner = ? AND object_type = ? AND object_value = ?
                  AND currency = ? AND transaction_type IN ({", ".join("?" for _ in types)})""",
            (ctx.partner, object_type, object_value, currency, *sorted(types)),
        ).fetchall()
        if not rows:
            continue
        scope = resolve(ctx, object_type, object_value, for_change=False)
        for row in rows:
            kinds = KINDS_BY_LIMIT_TYPE[row["transaction_type"]]
            used = _used(ctx, scope.card_ids, kinds, currency, row["period"])
            if used + amount > int(row["max_amount"]):
                raise SandboxError(
                    "limit_exceeded",
                    f"{row['period']} {row['transaction_type']} limit on {object_type} {object_value}: "
                    f"{limit_text(used)} of {limit_text(int(row['max_amount']))} {currency} used",
                    field="amount",
                )
