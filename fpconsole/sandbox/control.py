"""Sandbox-only control routes, outside `/v5/` so they can never be mistaken for Card API calls.

Each handler takes the running sandbox, the calling partner (the routes are signed like API
calls, except health) and the parsed JSON body, and returns the fields of an `ok` answer or
raises SandboxError. The HTTP plumbing (body, signature, envelope) lives in `app.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Final, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import fpconsole
from fpconsole.api.fields import Amount, Currency, Identifier, RequestId, whole_number
from fpconsole.sandbox.errors import SandboxError, ValidationRefusal
from fpconsole.sandbox.faults import FaultInjector, FaultSpecError, describe, fault_spec_from_json
from fpconsole.sandbox.settings import SandboxSettings

if TYPE_CHECKING:
    from fpconsole.sandbox.engine import SandboxEngine

PREFIX: Final = "/sandbox/"
HEALTH_PATH: Final = "/sandbox/health"
MAX_SEED_COUNT: Final = 1000
# Keys a snapshot item must never carry: the console's cache is not a place for card secrets.
_SECRET_KEYS: Final = frozenset({"pan", "cvv", "cvv2", "pin", "pin_hash", "pin_block", "secret"})


class Runtime(Protocol):
    """The running sandbox as the control routes see it."""

    settings: SandboxSettings
    faults: FaultInjector

    @property
    def engine(self) -> SandboxEngine: ...


Handler = Callable[[Runtime, str, dict[str, Any]], dict[str, Any]]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreditBody(_Body):
    # Required: without it a replayed signed body would credit again (issue 12, item 20).
    request_id: RequestId
    card_id: Identifier
    amount: Amount
    currency: Currency = "KZT"


# Counts read as the API's own (fields.whole_number): ASCII digits or a whole JSON number, never
# 1_0, true or 1e1, which pydantic's plain int would take.
class SnapshotBody(_Body):
    limit: Annotated[int, whole_number(1, 1_000_000, 100)] = 100_000
    # Pages: skip the `offset` newest of each list (the console primes a page at a time).
    offset: Annotated[int, whole_number(0, 1_000_000, 1000)] = 0


class SeedBody(_Body):
    count: Annotated[int, whole_number(1, MAX_SEED_COUNT, 10)]


class ResetBody(_Body):
    pass


class VerifyPinBody(_Body):
    card_id: Identifier
    pin: str = Field(min_length=1, max_length=512)


_ModelT = TypeVar("_ModelT", bound=_Body)


def _parse(model: type[_ModelT], body: dict[str, Any]) -> _ModelT:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValidationRefusal(exc) from None


def credit(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Tops a card up, so that transactions have money to spend. Recorded under its request_id
    like every change: a replay is refused (duplicate_request_id), request/status knows it."""
    data = _parse(CreditBody, body)
    result = runtime.engine.credit(
        data.card_id,
        Decimal(data.amount),
        partner=partner,
        currency=data.currency,
        request_id=data.request_id,
    )
    return dict(result)


def _scrub(items: object) -> list[Any]:
    if not isinstance(items, list):
        return []
    return [
        {k: v for k, v in item.items() if k not in _SECRET_KEYS} if isinstance(item, Mapping) else item
        for item in items
    ]


def snapshot(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Everything the partner owns, for priming the console's cache (the Card API has no
    list-all method). Masked PANs only; secret keys are dropped even if the engine sent any."""
    data = _parse(SnapshotBody, body)
    found = runtime.engine.snapshot(partner=partner, limit=data.limit, offset=data.offset)
    return {key: _scrub(found.get(key)) for key in ("clients", "cards", "transactions")}


def seed(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    data = _parse(SeedBody, body)
    return dict(runtime.engine.seed(data.count, partner=partner))


def reset(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Forgets every client, card, transaction and request (of every partner)."""
    _parse(ResetBody, body)
    runtime.engine.reset()
    return {}


def set_faults(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replaces the fault settings; `{}` turns every fault off."""
    try:
        spec = fault_spec_from_json(body)
    except FaultSpecError as exc:
        raise SandboxError("validation_error", str(exc)) from None
    runtime.faults = FaultInjector(spec)
    return {"faults": spec.to_json(), "spec": describe(spec)}


def verify_pin(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Checks a PIN as a terminal would (counting wrong tries), for testing set_pin."""
    data = _parse(VerifyPinBody, body)
    check = getattr(runtime.engine, "verify_pin", None)
    if check is None:
        raise SandboxError("unknown_method", "this sandbox engine cannot verify PINs")
    result = check(data.card_id, data.pin, partner=partner)
    return dict(result) if isinstance(result, Mapping) else {"valid": bool(result)}


def health(runtime: Runtime) -> dict[str, Any]:
    """Unsigned: what is running and who may call it. Never a secret."""
    settings = runtime.settings
    return {
        "status": "ok",
        "service": "fpconsole-sandbox",
        "version": fpconsole.__version__,
        "partners": settings.partner_ids,
        "delay": settings.delay,
        "db": "memory" if settings.db == ":memory:" else "file",
        "faults": describe(runtime.faults.spec),
    }


ROUTES: Final[dict[str, Handler]] = {
    PREFIX + "credit": credit,
    PREFIX + "snapshot": snapshot,
    PREFIX + "faults": set_faults,
    PREFIX + "seed": seed,
    PREFIX + "reset": reset,
    PREFIX + "verify_pin": verify_pin,
}
