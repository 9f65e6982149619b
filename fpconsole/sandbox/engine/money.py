"""Amounts: Decimal in major units at the edges, integer minor units (tiyn) inside and in SQLite.

Every currency the sandbox handles is treated as having two decimals, which is what the request
models allow (at most 2 decimal places).
"""

from __future__ import annotations

from decimal import Decimal

from fpconsole.sandbox.errors import SandboxError

_HUNDRED = Decimal(100)


def to_minor(amount: Decimal | str, *, field: str = "amount") -> int:
    """Major units to tiyn; refuses anything that is not a positive amount with ≤ 2 decimals."""
    value = amount if isinstance(amount, Decimal) else Decimal(amount)
    if not value.is_finite() or value <= 0:
        raise SandboxError("validation_error", "must be a positive amount", field=field)
    scaled = value * _HUNDRED
    if scaled != scaled.to_integral_value():
        raise SandboxError("validation_error", "must have at most 2 decimal places", field=field)
    return int(scaled)


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
