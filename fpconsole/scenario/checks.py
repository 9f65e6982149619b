"""A step's answer against what the file expects: each difference is a Failure naming the field,
what was expected and what came."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fpconsole.scenario import refs


@dataclass(frozen=True, slots=True)
class Failure:
    what: str  # "status", "error_code", "field card.status", "balance", "time"
    expected: Any
    got: Any
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.what}: expected {_shown(self.expected)}, got {_shown(self.got)}"
        return f"{text} ({self.detail})" if self.detail else text

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "expected": self.expected, "got": self.got, "detail": self.detail}


MISSING = object()


def _shown(value: Any) -> str:
    if value is MISSING:
        return "nothing (the answer has no such field)"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        found = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() else None


def same(expected: Any, got: Any) -> bool:
    """Equal as a QA engineer means it: 3500 matches "3500.00"; text matches exactly."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got or (isinstance(got, str) and got.lower() == str(expected).lower())
    if isinstance(expected, (int, float)) or isinstance(got, (int, float)):
        left, right = _number(expected), _number(got)
        return left is not None and right is not None and left == right
    if isinstance(expected, list) and isinstance(got, list):
        return len(expected) == len(got) and all(same(a, b) for a, b in zip(expected, got, strict=True))
    if isinstance(expected, dict) and isinstance(got, dict):
        return all(key in got and same(value, got[key]) for key, value in expected.items())
    return bool(expected == got)


def field_failures(expected: Mapping[str, Any], answer: Mapping[str, Any]) -> list[Failure]:
    failures = []
    for path, wanted in expected.items():
        try:
            got = refs.lookup(answer, path.split("."))
        except refs.ReferenceError_:
            got = MISSING
        if got is MISSING or not same(wanted, got):
            failures.append(Failure(f"field {path}", wanted, got))
    return failures


def amount_of(balance_answer: Mapping[str, Any], currency: str | None) -> Any:
    """The available amount of the card's account (in `currency`, or its first account)."""
    balances = balance_answer.get("balances")
    accounts = balances.get("accounts") if isinstance(balances, Mapping) else None
    if not isinstance(accounts, list) or not accounts:
        return MISSING
    for account in accounts:
        if isinstance(account, Mapping) and (currency is None or account.get("currency") == currency):
            return account.get("amount", MISSING)
    return MISSING
