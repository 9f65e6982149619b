"""Amounts: Decimal in major units at the edges, integer minor units (tiyn) inside and in SQLite.

Every currency the sandbox handles is treated as having two decimals, which is what the request
models allow (at most 2 decimal places).
"""

from __future__ import annotations

from decimal import Decimal

from fpconsole.api.fields import AmountError, parse_amount
from fpconsole.sandbox.errors import SandboxError

_HUNDRED = Decimal(100)


def to_minor(amount: Decimal | str, *, field: str = "amount") -> int:
    """Major units to tiyn, by the request models' own amount rule (`fields.parse_amount`), so
    a value that reached the ledger some other way is held to it too."""
    try:
        value = parse_amount(amount)
    except AmountError as exc:
        raise SandboxError("validation_error", str(exc), field=field) from None
    return int(value * _HUNDRED)


def to_major(minor: int) -> Decimal:
    return Decimal(minor) / _HUNDRED


def json_amount(minor: int) -> int | float:
    """A JSON number in major units: 5000 stays an integer, 1500.5 is a float (exact to 2 dp)."""
    if minor % 100 == 0:
        return minor // 100
    return float(to_major(minor))


def limit_text(minor: int) -> str:
    """Limits carry amounts as strings ("5000"), written like the request models write them."""
    return str(json_amount(minor))
