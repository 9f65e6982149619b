"""Sandbox-only control routes, outside `/v5/` so they can never be mistaken for Card API calls.

Each handler takes the running sandbox, the calling partner (the routes are signed like API
calls, except health) and the parsed JSON body, and returns the fields of an `ok` answer or
raises SandboxError. Every route acts for the calling partner only: its data, faults, delay,
clock and backups; no partner can see or change another's. The HTTP plumbing (body, signature,
envelope) lives in `app.py`. docs/sandbox.md lists the routes.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Final, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError
from pydantic_core import PydanticCustomError

import fpconsole
from fpconsole.api.fields import Amount, Currency, Identifier, RequestId, whole_number
from fpconsole.sandbox.engine.backups import NAME_PATTERN
from fpconsole.sandbox.engine.clock import rfc3339, to_db
from fpconsole.sandbox.engine.partner_state import Received
from fpconsole.sandbox.errors import SandboxError, ValidationRefusal
from fpconsole.sandbox.faults import (
    FaultBoard,
    FaultSpec,
    FaultSpecError,
    PartnerFaults,
    describe,
    fault_spec_from_json,
)
from fpconsole.sandbox.settings import MAX_DELAY_S, SandboxSettings

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
    faults: FaultBoard

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
    # Only what was written after this revision (one an earlier snapshot answered).
    since: Annotated[int, whole_number(0, 2**62, 1234)] | None = None


class SeedBody(_Body):
    count: Annotated[int, whole_number(1, MAX_SEED_COUNT, 10)]


class ResetBody(_Body):
    pass


class EmptyBody(_Body):
    pass


def _delay_seconds(value: Any) -> float | None:
    if value is None:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_DELAY_S
    if not ok:
        raise PydanticCustomError(
            "delay_seconds",
            f"must be a number of seconds from 0 to {MAX_DELAY_S:g} (e.g. 1.5),"
            " or null for the sandbox's default",
        )
    return float(value)


class DelayBody(_Body):
    # Required (null: back to the sandbox's default), so `{}` is not mistaken for a reset.
    # The "missing" default runs the check too, so `{}` is told what to send, not just "required".
    seconds: Annotated[float | None, BeforeValidator(_delay_seconds)] = Field(
        default="missing", validate_default=True
    )


MAX_ADVANCE_S: Final = 366 * 86_400


class AdvanceBody(_Body):
    seconds: Annotated[int, whole_number(1, MAX_ADVANCE_S, 86_400)]


def _backup_name(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(NAME_PATTERN, value):
        raise PydanticCustomError(
            "backup_name", "must be 1 to 64 letters, digits, '.', '_' or '-', e.g. before-demo"
        )
    return value


BackupName = Annotated[str, BeforeValidator(_backup_name)]


class BackupNameBody(_Body):
    name: BackupName


class SaveBackupBody(BackupNameBody):
    replace: StrictBool = False


class CardBody(_Body):
    card_id: Identifier


class ReceivedBody(_Body):
    limit: Annotated[int, whole_number(1, 1000, 100)] = 100


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
    found = runtime.engine.snapshot(partner=partner, limit=data.limit, offset=data.offset, since=data.since)
    lists = {key: _scrub(found.get(key)) for key in ("clients", "cards", "transactions")}
    # An engine without revisions (a test double) answers none: the console then primes in full.
    marks: dict[str, Any] = {key: found[key] for key in ("revision", "epoch") if key in found}
    return {**lists, **marks}


def seed(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    data = _parse(SeedBody, body)
    return dict(runtime.engine.seed(data.count, partner=partner))


def reset(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Forgets the calling partner's clients, cards, transactions, requests and received log,
    and sets its clock back to real time; other partners, its faults, delay and backups stay."""
    _parse(ResetBody, body)
    return {"deleted": runtime.engine.reset(partner)}


# --- faults ----------------------------------------------------------------------------------


def partner_faults(runtime: Runtime) -> PartnerFaults:
    """Where the fault board reads a partner's settings: the engine's per-partner controls (the
    database), or nowhere for an engine without them (a test double: the default applies)."""

    def read(partner: str) -> tuple[int, Mapping[str, Any] | None]:
        controls = getattr(runtime.engine, "controls", None)
        if controls is None:
            return 0, None
        state = controls(partner)
        return state.version, state.faults

    return read


def _faults_answer(runtime: Runtime, partner: str) -> dict[str, Any]:
    spec: FaultSpec = runtime.faults.spec_for(partner)
    own = runtime.engine.controls(partner).faults is not None
    return {
        "faults": spec.to_json(),
        "spec": describe(spec),
        "active": spec.enabled,
        "source": "partner" if own else "default",
    }


def set_faults(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replaces the calling partner's fault settings; `{}` turns every fault off for it."""
    try:
        spec = fault_spec_from_json(body)
    except FaultSpecError as exc:
        if "spec" in body:  # the compact form: the message names the key inside it
            raise FieldRefusal("spec", str(exc).removeprefix("faults: ")) from None
        raise _fault_refusal(str(exc)) from None
    runtime.engine.set_controls(partner, faults=spec.to_json())
    return _faults_answer(runtime, partner)


class FieldRefusal(ValidationRefusal):
    """validation_error for one field found by our own checks (not pydantic's), with the same
    `errors` list a client reads from a model's refusal."""

    def __init__(self, field: str, message: str) -> None:
        SandboxError.__init__(self, "validation_error", message, field=field)
        self.errors = [{"field": field, "message": message}]


def _fault_refusal(message: str) -> FieldRefusal:
    """The fault parser's message about the JSON form ("faults: KEY must be ...", "faults:
    unknown key 'K' in 'W' ...", "faults: unknown method 'M' ...") as a refusal naming the
    body's field."""
    text = message.removeprefix("faults: ")
    field, shown = "faults", text
    if match := re.match(r"unknown key '([^']*)' in '([^']*)'", text):
        where = match.group(2).removeprefix("faults")
        field = f"{where.lstrip('.')}.{match.group(1)}".lstrip(".") if where else match.group(1)
    elif match := re.match(r"unknown method '([^']*)'", text):
        field = f"methods.{match.group(1)}"
    elif match := re.match(r"([\w.]+) (must|applies)", text):
        field = match.group(1).removeprefix("faults.")
        shown = text.removeprefix(match.group(1) + " ")
    return FieldRefusal(field, shown)


def get_faults(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    _parse(EmptyBody, body)
    return _faults_answer(runtime, partner)


def clear_faults(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """No faults for the calling partner, whatever serve's --faults says."""
    _parse(EmptyBody, body)
    runtime.engine.set_controls(partner, faults={})
    return _faults_answer(runtime, partner)


# --- delay and clock -------------------------------------------------------------------------


def _delay_answer(runtime: Runtime, partner: str) -> dict[str, Any]:
    engine = runtime.engine
    own = engine.controls(partner).delay
    return {
        "delay": engine.delay_for(partner),
        "default": engine.default_delay,
        "source": "default" if own is None else "partner",
    }


def get_delay(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    _parse(EmptyBody, body)
    return _delay_answer(runtime, partner)


def set_delay(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Seconds from a change to its outcome for the calling partner; null: the sandbox's default."""
    data = _parse(DelayBody, body)
    runtime.engine.set_controls(partner, delay=None if data.seconds is None else float(data.seconds))
    return _delay_answer(runtime, partner)


def _clock_answer(runtime: Runtime, partner: str) -> dict[str, Any]:
    engine = runtime.engine
    return {"now": rfc3339(engine.now(partner)), "offset_s": engine.controls(partner).clock_offset_s}


def get_clock(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    _parse(EmptyBody, body)
    return _clock_answer(runtime, partner)


def advance_clock(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Moves the calling partner's sandbox clock forward; what came due by then settles."""
    data = _parse(AdvanceBody, body)
    result = runtime.engine.advance_clock(partner, data.seconds)
    return {**_clock_answer(runtime, partner), "settled": result["settled"]}


def settle(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Completes the calling partner's pending (`process`) requests now."""
    _parse(EmptyBody, body)
    settled = runtime.engine.settle_now(partner)
    return {"settled": settled, "count": len(settled)}


# --- backups ---------------------------------------------------------------------------------


def save_backup(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    data = _parse(SaveBackupBody, body)
    return {"backup": runtime.engine.save_backup(partner, data.name, replace=data.replace)}


def load_backup(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    data = _parse(BackupNameBody, body)
    return {"backup": runtime.engine.load_backup(partner, data.name)}


def list_backups(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    _parse(EmptyBody, body)
    return {"backups": runtime.engine.list_backups(partner)}


def delete_backup(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    data = _parse(BackupNameBody, body)
    runtime.engine.delete_backup(partner, data.name)
    return {"deleted": data.name}


# --- history and received requests -------------------------------------------------------------


def card_history(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    data = _parse(CardBody, body)
    return {"card_id": data.card_id, "events": runtime.engine.card_timeline(data.card_id, partner=partner)}


def received_requests(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    data = _parse(ReceivedBody, body)
    received = getattr(runtime.engine, "received", None)
    return {"requests": received(partner, limit=data.limit) if received is not None else []}


_REQUEST_ID: Final = re.compile(rb'"request_id"\s*:\s*"([^"\\]{1,64})"')


def request_id_in(fields: Mapping[str, Any]) -> str | None:
    value = fields.get("request_id")
    return value[:64] if isinstance(value, str) else None


def request_id_of(body: bytes) -> str | None:
    """The request_id of a body that was not parsed (a faulted request), without parsing it."""
    match = _REQUEST_ID.search(body)
    return match.group(1).decode("utf-8", "replace") if match else None


@dataclass(slots=True)
class Heard:
    """What the log of received requests keeps of one API call: never its body."""

    method: str
    path: str
    started: float = 0.0
    partner: str | None = None
    request_id: str | None = None
    http_status: int | None = None
    status: str = "error"
    request_status: str | None = None
    error_code: str | None = None
    fault: str | None = None  # "timeout" / "drop": the answer was held or cut

    def answered(
        self, http_status: int, payload: Mapping[str, Any], *, request_id: str | None = None
    ) -> None:
        self.http_status = http_status
        self.status = str(payload.get("status", "error"))
        request_status = payload.get("request_status")
        self.request_status = str(request_status) if request_status is not None else None
        code = payload.get("error_code")
        self.error_code = str(code) if code is not None else None
        self.request_id = request_id or self.request_id


log = logging.getLogger("fpconsole.sandbox")


def record_received(runtime: Runtime, heard: Heard) -> None:
    """Adds the call to the partner's received log (only a signed call has a partner). Cheap:
    the engine buffers it and writes batches (partner_state.FLUSH_AT)."""
    record = getattr(runtime.engine, "record_received", None)
    if heard.partner is None or record is None:
        return
    code = heard.error_code or (f"fault_{heard.fault}" if heard.fault else None)
    entry = Received(
        at=to_db(datetime.now(UTC)),
        method=heard.method,
        path=heard.path,
        request_id=heard.request_id,
        http_status=heard.http_status or 0,
        status=heard.status if not heard.fault else "error",
        request_status=heard.request_status,
        error_code=code,
        latency_ms=(time.perf_counter() - heard.started) * 1000 if heard.started else 0.0,
    )
    try:
        record(heard.partner, entry)
    except Exception:  # the log is a convenience: losing an entry must not fail the request
        log.exception("could not log a received %s", heard.method)


def verify_pin(runtime: Runtime, partner: str, body: dict[str, Any]) -> dict[str, Any]:
    """Checks a PIN as a terminal would (counting wrong tries), for testing set_pin."""
    data = _parse(VerifyPinBody, body)
    check = getattr(runtime.engine, "verify_pin", None)
    if check is None:
        raise SandboxError("unknown_method", "this sandbox engine cannot verify PINs")
    result = check(data.card_id, data.pin, partner=partner)
    return dict(result) if isinstance(result, Mapping) else {"valid": bool(result)}


def health(runtime: Runtime) -> dict[str, Any]:
    """Unsigned, so it says nothing a stranger could use: how many partners (not who, never a
    secret), where the database is, how many worker processes serve it, and the default faults
    (those of a partner without its own). Read from memory only, never the database, so it
    answers while every engine thread waits for a lock."""
    settings = runtime.settings
    db = "memory" if settings.db == ":memory:" else os.path.abspath(settings.db)
    return {
        "status": "ok",
        "service": "fpconsole-sandbox",
        "version": fpconsole.__version__,
        "partners": len(settings.partners),
        "delay": settings.delay,
        "db": db,
        "workers": getattr(runtime, "workers", 1),
        "faults": describe(runtime.faults.spec),
    }


ROUTES: Final[dict[str, Handler]] = {
    PREFIX + "credit": credit,
    PREFIX + "snapshot": snapshot,
    PREFIX + "faults": set_faults,
    PREFIX + "faults/set": set_faults,
    PREFIX + "faults/get": get_faults,
    PREFIX + "faults/clear": clear_faults,
    PREFIX + "delay/get": get_delay,
    PREFIX + "delay/set": set_delay,
    PREFIX + "settle": settle,
    PREFIX + "clock/get": get_clock,
    PREFIX + "clock/advance": advance_clock,
    PREFIX + "seed": seed,
    PREFIX + "reset": reset,
    PREFIX + "backup/save": save_backup,
    PREFIX + "backup/load": load_backup,
    PREFIX + "backup/list": list_backups,
    PREFIX + "backup/delete": delete_backup,
    PREFIX + "card/history": card_history,
    PREFIX + "requests": received_requests,
    PREFIX + "verify_pin": verify_pin,
}
