"""A client of the sandbox's control routes (`/sandbox/*`): fund, settle, fail and rewind a
sandbox, embedded or served, from the CLI (`fpconsole sandbox …`) and the console alike.

The routes are signed exactly like Card API calls (the same CardApiClient, the same transport:
the embedded ASGI app or a served base URL), except `/sandbox/health`, which is an unsigned GET.
Every method checks its input before sending (an InvalidRequest naming the field), answers a
typed result, and turns what can go wrong into the API's error classes with a message an
operator can act on:

- InvalidRequest: a bad value, found here or refused by the sandbox (`validation_error`);
- NotASandbox: the target has no control routes at all (a test or production API);
- ControlRouteMissing (an ApiError, `unknown_method`): a sandbox older than this fpconsole;
- ApiError: any other refusal (`not_found` for an unknown card, …);
- TransportError and its kinds: nothing usable came back.

Core code: no Textual, no sandbox import (the sandbox is a server this talks to).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from fpconsole.api import errors
from fpconsole.api.client import CardApiClient
from fpconsole.api.fields import Amount, AmountError, Currency, Identifier, parse_amount
from fpconsole.api.validation import FieldError, describe_errors

PREFIX: Final = "/sandbox/"
HEALTH_PATH: Final = "/sandbox/health"
SANDBOX_SERVICE: Final = "fpconsole-sandbox"
MAX_SEED_COUNT: Final = 1000
# How long a call that rewrites a partner's whole state (backup save and load, reset, seed) may
# take: a backup load of a million transactions took two minutes (QA 20). Under the client's 30 s
# read timeout it was reported failed while it went on and succeeded.
LONG_CONTROL_TIMEOUT_S: Final = 600.0
MAX_DELAY_S: Final = 86400.0
MAX_ADVANCE_S: Final = 366 * 86400  # a year and a day: every statement window and expiry test
MAX_LIMIT: Final = 1000
# Rates are fractions; latencies milliseconds, at most a minute (the sandbox's own bounds).
MAX_LATENCY_MS: Final = 60_000.0
MAX_HOLD_S: Final = 600.0
# The journal's name of a control call is this prefix and the scenario step it becomes
# (`sandbox.top_up` ↔ `sandbox = "top_up"`): one name from the Requests list to the file.
JOURNAL_PREFIX: Final = "sandbox."
log = logging.getLogger(__name__)


def is_control_method(method: str | None) -> bool:
    """Whether a journal entry's method is a sandbox control, not a Card API method."""
    return bool(method) and str(method).startswith(JOURNAL_PREFIX)


class NotASandbox(errors.CardApiError):
    """The target answers, but not as a sandbox: control routes exist only there."""


class ControlRouteMissing(errors.ApiError):
    """A sandbox that does not know this control route: it runs an older fpconsole."""

    def __init__(self, path: str, version: str | None, *, method: str = "") -> None:
        from fpconsole import __version__

        running = f"fpconsole {version}" if version else "another fpconsole"
        super().__init__(
            "unknown_method",
            f"this sandbox runs {running} and has no {path} (this client is fpconsole "
            f"{__version__}) — restart it with this fpconsole's `fpconsole sandbox serve`",
            method=method,
        )
        self.path = path
        self.version = version


# --- typed results ----------------------------------------------------------------------------


def _number(value: object) -> float | None:
    """A JSON number, finite (json.loads reads Infinity and NaN, and int() of them raises)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _amount_text(value: object) -> str:
    """An amount as money is written: 4410.5 → 4410.50."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return _text(value)
    try:
        return f"{Decimal(str(value)):.2f}"
    except ArithmeticError:
        return _text(value)


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


@dataclass(frozen=True, slots=True)
class Account:
    """One account of a card (`balances.accounts[]`): `amount` is what may be spent."""

    iban: str
    currency: str
    amount: Decimal
    blocked_amount: Decimal
    credit: Decimal
    debit: Decimal

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Account:
        return cls(
            iban=str(data.get("iban") or ""),
            currency=str(data.get("currency") or ""),
            amount=_decimal(data.get("amount")),
            blocked_amount=_decimal(data.get("blocked_amount")),
            credit=_decimal(data.get("credit")),
            debit=_decimal(data.get("debit")),
        )


@dataclass(frozen=True, slots=True)
class TopUp:
    card_id: str
    amount: Decimal
    currency: str
    request_id: str
    accounts: tuple[Account, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One group of fault settings; None = not set (a method's group inherits the global one).
    Rates are fractions 0-1; latency and jitter milliseconds."""

    latency_ms: float | None = None
    jitter_ms: float | None = None
    error_rate: float | None = None
    http5xx_rate: float | None = None
    timeout_rate: float | None = None
    drop_rate: float | None = None

    def to_json(self) -> dict[str, float]:
        return {name: value for name in FAULT_KEYS if (value := getattr(self, name)) is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultRule:
        found: dict[str, float] = {}
        for name in FAULT_KEYS:
            value = _number(data.get(name))
            if value is not None:
                found[name] = value
        return cls(**found)

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in FAULT_KEYS)


FAULT_KEYS: Final = ("latency_ms", "jitter_ms", "error_rate", "http5xx_rate", "timeout_rate", "drop_rate")


@dataclass(frozen=True, slots=True)
class FaultSettings:
    """What to inject: a global rule, per-method rules (by method name, `card.block`), the seed
    that makes draws reproducible and how long a timeout holds a request."""

    default: FaultRule = FaultRule()
    methods: Mapping[str, FaultRule] = field(default_factory=dict)
    seed: int | None = None
    hold_s: float | None = None

    @property
    def active(self) -> bool:
        return not self.default.is_empty() or any(not rule.is_empty() for rule in self.methods.values())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = self.default.to_json()
        if self.methods:
            data["methods"] = {name: rule.to_json() for name, rule in self.methods.items()}
        if self.seed is not None:
            data["seed"] = self.seed
        if self.hold_s is not None:
            data["hold_s"] = self.hold_s
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultSettings:
        methods = data.get("methods")
        seed = data.get("seed")
        hold = data.get("hold_s")
        return cls(
            default=FaultRule.from_json(data),
            methods={
                str(name): FaultRule.from_json(rule)
                for name, rule in (methods.items() if isinstance(methods, Mapping) else ())
                if isinstance(rule, Mapping)
            },
            seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
            hold_s=_number(hold),
        )


@dataclass(frozen=True, slots=True)
class Faults:
    """The faults in force for this partner: `spec` is the compact form (`none` when off)."""

    settings: FaultSettings
    spec: str
    # "partner": set by this partner; "default": the sandbox's own (`serve --faults`).
    source: str = "partner"

    @property
    def active(self) -> bool:
        return self.settings.active or self.spec not in ("", "none")


@dataclass(frozen=True, slots=True)
class Health:
    status: str
    service: str
    version: str
    partners: tuple[str, ...]  # ids (never secrets); empty when the sandbox gives a count only
    partners_count: int
    delay_s: float | None
    db: str  # "memory" or the database file's path
    faults: str  # the sandbox's default faults (a partner may have set its own)
    workers: int
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Health:
        partners = data.get("partners")
        listed = tuple(str(p) for p in partners) if isinstance(partners, list) else ()
        count = _number(data.get("partners_count"))
        if count is None:
            count = _number(partners) if not listed else len(listed)
        faults = data.get("faults")
        return cls(
            status=str(data.get("status") or ""),
            service=str(data.get("service") or ""),
            version=str(data.get("version") or ""),
            partners=listed,
            partners_count=int(count or 0),
            delay_s=_number(data.get("delay")),
            db=str(data.get("db") or ""),
            faults=faults if isinstance(faults, str) else json.dumps(faults),
            workers=int(_number(data.get("workers")) or 1),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class Seeded:
    """What `seed` added, by kind (clients, cards, transactions …)."""

    counts: dict[str, int]
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Delay:
    """How long a state change stays in `process` for this partner."""

    seconds: float
    default_s: float | None  # the sandbox's own (`serve --delay`)
    source: str  # "partner" (set here) or "default"


@dataclass(frozen=True, slots=True)
class Settled:
    """One request that `settle` or a clock advance brought to its final status."""

    request_id: str
    method: str
    request_status: str
    error_code: str | None


@dataclass(frozen=True, slots=True)
class Clock:
    """The partner's sandbox time and how far it runs ahead of real time."""

    now: str
    offset_s: float
    settled_count: int = 0


@dataclass(frozen=True, slots=True)
class Backup:
    name: str
    created_at: str
    clients: int
    cards: int
    transactions: int
    requests: int
    size_bytes: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Backup:
        def count(key: str) -> int:
            return int(_number(data.get(key)) or 0)

        return cls(
            name=_text(data.get("name")),
            created_at=_text(data.get("created_at")),
            clients=count("clients"),
            cards=count("cards"),
            transactions=count("transactions"),
            requests=count("requests"),
            size_bytes=count("size_bytes"),
        )


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One entry of a card's history, oldest first: a status change (`kind` "status"), a ledger
    entry ("ledger") or a plastic step ("plastic"). `details` keeps the kind's own fields."""

    at: str
    kind: str
    request_id: str | None
    details: dict[str, Any]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HistoryEvent:
        request_id = data.get("request_id")
        return cls(
            at=_text(data.get("at")),
            kind=_text(data.get("kind")),
            request_id=str(request_id) if request_id else None,
            details={k: v for k, v in data.items() if k not in ("at", "kind", "request_id")},
        )

    def summary(self) -> str:
        """One readable line: `active → blocked (lost)`, `credit 5000 KZT`."""
        d = self.details
        if self.kind == "status":
            reason = f" ({d['reason']})" if d.get("reason") else ""
            return f"{d.get('from_status') or '-'} → {d.get('to_status') or '-'}{reason}"
        if self.kind == "ledger":
            parts = [_text(d.get("type")), _amount_text(d.get("amount")), _text(d.get("currency"))]
            if d.get("merchant_name"):
                parts.append(f"at {d['merchant_name']}")
            if d.get("transaction_id"):
                parts.append(f"transaction {d['transaction_id']}")
            return " ".join(part for part in parts if part)
        shown = {k: v for k, v in d.items() if v is not None}
        return " ".join(f"{k}={v}" for k, v in shown.items())


@dataclass(frozen=True, slots=True)
class CardHistory:
    card_id: str
    events: tuple[HistoryEvent, ...]


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """A Card API call the sandbox received (no body is kept: nothing secret)."""

    at: str
    method: str
    path: str
    request_id: str | None
    http_status: int | None
    status: str
    request_status: str | None
    error_code: str | None
    latency_ms: float | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReceivedRequest:
        def optional(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value not in (None, "") else None

        http_status = _number(data.get("http_status"))
        return cls(
            at=_text(data.get("at")),
            method=_text(data.get("method")),
            path=_text(data.get("path")),
            request_id=optional("request_id"),
            http_status=int(http_status) if http_status is not None else None,
            status=_text(data.get("status")),
            request_status=optional("request_status"),
            error_code=optional("error_code"),
            latency_ms=_number(data.get("latency_ms")),
        )


@dataclass(frozen=True, slots=True)
class ControlRecord:
    """One state-changing control call, as the journal keeps it (`SandboxControl(on_control=…)`).

    `request` is the body sent and `response` the answer: neither ever holds a secret (the
    partner secret only signs the call; a control body has card ids, amounts and settings), and
    the journal scrubs both again. `outcome` is final: success, error, failed or unknown."""

    name: str  # sandbox.top_up, sandbox.settle … (JOURNAL_PREFIX + the scenario step)
    path: str
    request_id: str | None
    request: dict[str, Any]
    response: dict[str, Any] | None
    outcome: str
    error_code: str | None
    error_description: str | None
    latency_ms: float
    sent_at: datetime

    @property
    def target_ids(self) -> dict[str, str]:
        card_id = self.request.get("card_id")
        return {"card_id": str(card_id)} if card_id not in (None, "") else {}


ControlRecorder = Callable[[ControlRecord], None]


# --- input checks ------------------------------------------------------------------------------


class _TopUpInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    card_id: Identifier
    amount: Amount
    currency: Currency = "KZT"


def _invalid(method: str, *problems: FieldError) -> errors.InvalidRequest:
    return errors.InvalidRequest(list(problems), method=method)


class _CardInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    card_id: Identifier


def _check_card_id(method: str, card_id: str) -> str:
    try:
        return _CardInput(card_id=card_id).card_id
    except ValidationError as exc:
        raise errors.InvalidRequest(describe_errors(exc), method=method) from None


# A number is `1`, `1.5` or `.5` (the console's boxes and the CLI read durations alike).
_NUMBER: Final = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_DURATION_PART = re.compile(rf"({_NUMBER})\s*(ms|s|m|h|d|w)")
_DURATION_UNITS: Final = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
DURATION_HINT: Final = "use a number with a unit, e.g. 30s, 15m, 2h, 1d or 1h30m"


def parse_duration(text: str, *, field_name: str = "duration") -> float:
    """Seconds from `30s`, `1.5s`, `250ms`, `15m`, `2h`, `1d`, `1w`, `1h30m` or a plain number
    of seconds. The one reading of a duration: the CLI's arguments and the console's boxes (F7's
    Delay, Advance by, Latency) take the same texts. Raises InvalidRequest naming `field_name`
    and the fix; never another exception."""
    value = text.strip().lower()
    seconds: float | None = None
    if re.fullmatch(_NUMBER, value):
        seconds = float(value)
    elif value and _DURATION_PART.sub("", value).strip() == "":
        seconds = sum(float(number) * _DURATION_UNITS[unit] for number, unit in _DURATION_PART.findall(value))
    if seconds is None or not math.isfinite(seconds):
        raise _invalid("sandbox", FieldError(field_name, f"{text!r} is not a duration — {DURATION_HINT}"))
    return seconds


def _check_count(method: str, name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(
            method, FieldError(name, f"must be a whole number from {low} to {high}, not {value!r}")
        )
    return value


def _check_rate(method: str, name: str, value: float | None) -> None:
    if value is not None and not 0 <= value <= 1:
        raise _invalid(
            method, FieldError(name, f"must be from 0 to 1 (a fraction; 0.1 is 10 %), not {value:g}")
        )


def _check_ms(method: str, name: str, value: float | None) -> None:
    if value is not None and not 0 <= value <= MAX_LATENCY_MS:
        raise _invalid(method, FieldError(name, f"must be from 0 to {MAX_LATENCY_MS:g} ms, not {value:g}"))


_BACKUP_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def check_backup_name(name: str, *, method: str = "sandbox.backup") -> str:
    if not _BACKUP_NAME.fullmatch(name) or name in (".", ".."):
        raise _invalid(
            method,
            FieldError(
                "name",
                f"{name!r} is not a backup name — use 1 to 64 letters, digits, '.', '_' or '-', "
                "e.g. before-demo",
            ),
        )
    return name


def check_fault_settings(settings: FaultSettings) -> None:
    """Every value in range before it is sent (the sandbox checks again)."""
    rules = [("", settings.default), *((f"{name}.", rule) for name, rule in settings.methods.items())]
    for prefix, rule in rules:
        _check_ms("sandbox.faults", f"{prefix}latency", rule.latency_ms)
        _check_ms("sandbox.faults", f"{prefix}jitter", rule.jitter_ms)
        for name in ("error_rate", "http5xx_rate", "timeout_rate", "drop_rate"):
            _check_rate("sandbox.faults", f"{prefix}{name}", getattr(rule, name))
    if settings.hold_s is not None and not 0 < settings.hold_s <= MAX_HOLD_S:
        raise _invalid(
            "sandbox.faults",
            FieldError("hold", f"must be above 0 and at most {MAX_HOLD_S:g} s, not {settings.hold_s:g}"),
        )
    if settings.seed is not None:
        _check_count("sandbox.faults", "seed", settings.seed, 0, 2**63 - 1)


# --- the client -------------------------------------------------------------------------------


def _new_id() -> str:
    return str(uuid.uuid4())


class SandboxControl:
    """The control routes of the sandbox `client` talks to, for the partner it signs as.

    Holds no state of its own: one may be made per command, or kept for a console's life.

    `on_control` gets a ControlRecord of every state-changing call once it has ended (its
    answer, or why there is none): the journal's `record_control`. Reads are not reported.
    Not the client's EventBus: its subscribers (the cache, the console's request follower, the
    CLI's --wait printer) act on Card API methods and request/status, which a control is not."""

    def __init__(
        self,
        client: CardApiClient,
        *,
        new_request_id: Callable[[], str] | None = None,
        on_control: ControlRecorder | None = None,
    ) -> None:
        self.client = client
        self._new_request_id = new_request_id or _new_id
        self._on_control = on_control

    # --- plumbing ---------------------------------------------------------------------------

    async def _post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        name: str,
        journal_as: str | None = None,
        whole_state: bool = False,
    ) -> dict[str, Any]:
        """One signed control call, its failures turned into the errors the module lists;
        reported to `on_control` as `sandbox.<journal_as>` when it changes state. `whole_state`:
        it rewrites the partner's whole state, and waits up to LONG_CONTROL_TIMEOUT_S."""
        wait = LONG_CONTROL_TIMEOUT_S if whole_state else None
        if journal_as is None or self._on_control is None:
            return await self._send(path, body, name=name, read_timeout=wait)
        sent_at, started = datetime.now(UTC), time.monotonic()
        response: dict[str, Any] | None = None
        outcome, code, description = "unknown", None, None
        try:
            response = await self._send(path, body, name=name, read_timeout=wait)
            outcome = "success"
            return response
        except errors.ApiError as exc:
            outcome, code, description = "error", exc.error_code, exc.error_description
            response = dict(exc.response) if exc.response else None
            raise
        except errors.InvalidRequest as exc:  # the sandbox refused a value (validation_error)
            outcome, code, description = "error", "validation_error", exc.message
            raise
        except errors.CardApiError as exc:
            outcome = "unknown" if exc.outcome_unknown else "failed"
            code, description = type(exc).__name__, exc.message
            raise
        except asyncio.CancelledError:
            code, description = "Cancelled", "cancelled after sending; the outcome is unknown"
            raise
        finally:
            self._report(
                ControlRecord(
                    name=JOURNAL_PREFIX + journal_as,
                    path=path,
                    request_id=str(body["request_id"]) if body.get("request_id") else None,
                    request=dict(body),
                    response=response,
                    outcome=outcome,
                    error_code=code,
                    error_description=description,
                    latency_ms=(time.monotonic() - started) * 1000,
                    sent_at=sent_at,
                )
            )

    def _report(self, record: ControlRecord) -> None:
        if self._on_control is None:
            return
        try:
            self._on_control(record)
        except Exception:  # a broken journal must not fail (or hide the answer of) the call
            log.exception("sandbox control: %s could not be recorded", record.name)

    async def _send(
        self, path: str, body: Mapping[str, Any], *, name: str, read_timeout: float | None = None
    ) -> dict[str, Any]:
        try:
            return await self.client.post_control(path, body, read_timeout=read_timeout)
        except errors.HttpStatusError as exc:
            if exc.status_code in (404, 405):
                raise await self._missing(path, name) from None
            exc.method = name
            raise
        except errors.ApiError as exc:
            exc.method = name
            if exc.error_code == "validation_error":
                raise self._refused_input(exc, name) from None
            if exc.error_code == "unknown_method":
                raise await self._missing(path, name) from None
            raise

    @staticmethod
    def _refused_input(exc: errors.ApiError, name: str) -> errors.InvalidRequest:
        listed = exc.response.get("errors")
        problems = [
            FieldError(str(item.get("field") or ""), str(item.get("message") or ""))
            for item in (listed if isinstance(listed, list) else [])
            if isinstance(item, Mapping)
        ]
        if not problems:
            problems = [FieldError("", exc.error_description or "the sandbox refused the values")]
        return _invalid(name, *problems)

    async def _missing(self, path: str, name: str) -> errors.CardApiError:
        """A control route that is not there: an older sandbox, or no sandbox at all."""
        try:
            health = await self.health()
        except errors.CardApiError:
            return NotASandbox(self._not_a_sandbox_text(), method=name)
        return ControlRouteMissing(path, health.version or None, method=name)

    def _not_a_sandbox_text(self) -> str:
        return (
            f"{self.client.base_url} is not a sandbox (it has no {HEALTH_PATH}): these commands "
            "are sandbox-only — use the sandbox profile or the --base-url of `fpconsole sandbox serve`"
        )

    # --- routes ----------------------------------------------------------------------------

    async def health(self) -> Health:
        """Unsigned: version, partners (ids), delay, db kind, faults. NotASandbox if the target
        answers anything else."""
        response = await self.client.get_unsigned(HEALTH_PATH)
        try:
            data = json.loads(response.content) if response.status_code == 200 else None
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict) or data.get("service") != SANDBOX_SERVICE:
            raise NotASandbox(self._not_a_sandbox_text(), method="sandbox.health")
        return Health.from_json(data)

    async def top_up(
        self,
        card_id: str,
        amount: Decimal | str | int,
        currency: str = "KZT",
        *,
        request_id: str | None = None,
    ) -> TopUp:
        """Credits the card at once. `amount` in major units (1500.50), text or number, by the
        API's one amount rule (no exponent, sign or separators)."""
        try:
            checked = _TopUpInput(card_id=card_id, amount=amount, currency=currency)
        except ValidationError as exc:
            raise errors.InvalidRequest(describe_errors(exc), method="sandbox.topup") from None
        sent_id = request_id or self._new_request_id()
        raw = await self._post(
            PREFIX + "credit",
            {
                "request_id": sent_id,
                "card_id": checked.card_id,
                "amount": checked.model_dump(mode="json")["amount"],
                "currency": checked.currency,
            },
            name="sandbox.topup",
            journal_as="top_up",
        )
        balances = raw.get("balances")
        accounts = balances.get("accounts") if isinstance(balances, Mapping) else None
        return TopUp(
            card_id=str(raw.get("card_id") or checked.card_id),
            amount=checked.amount,
            currency=checked.currency,
            request_id=str(raw.get("request_id") or sent_id),
            accounts=tuple(Account.from_json(item) for item in (accounts or []) if isinstance(item, Mapping)),
            raw=raw,
        )

    async def set_faults(self, settings: FaultSettings) -> Faults:
        """Replaces this partner's faults; FaultSettings() turns them all off."""
        check_fault_settings(settings)
        raw = await self._post(
            PREFIX + "faults", settings.to_json(), name="sandbox.faults", journal_as="set_faults"
        )
        return self._faults(raw)

    async def set_faults_spec(self, spec: str) -> Faults:
        """The compact form (`latency=200ms,error_rate=0.1;card.block:error_rate=1`), checked by
        the sandbox, which names the bad key or method."""
        raw = await self._post(
            PREFIX + "faults", {"spec": spec}, name="sandbox.faults", journal_as="set_faults"
        )
        return self._faults(raw)

    async def get_faults(self) -> Faults:
        """The faults in force for this partner (its own, or the sandbox's `--faults`)."""
        return self._faults(await self._post(PREFIX + "faults/get", {}, name="sandbox.faults"))

    async def clear_faults(self) -> Faults:
        """No faults for this partner, whatever the sandbox was started with."""
        raw = await self._post(PREFIX + "faults/clear", {}, name="sandbox.faults", journal_as="clear_faults")
        return self._faults(raw)

    @staticmethod
    def _faults(raw: Mapping[str, Any]) -> Faults:
        settings = raw.get("faults")
        spec = raw.get("spec")
        return Faults(
            FaultSettings.from_json(settings if isinstance(settings, Mapping) else {}),
            spec if isinstance(spec, str) else "none",
            _text(raw.get("source")) or "partner",
        )

    async def get_delay(self) -> Delay:
        return self._delay(await self._post(PREFIX + "delay/get", {}, name="sandbox.delay"))

    async def set_delay(self, seconds: float | None) -> Delay:
        """Seconds a state change stays in `process` (0: settled on the next call); None goes
        back to the sandbox's default."""
        if seconds is not None and (
            isinstance(seconds, bool) or not math.isfinite(seconds) or not 0 <= seconds <= MAX_DELAY_S
        ):
            raise _invalid(
                "sandbox.delay",
                FieldError(
                    "seconds", f"must be from 0 to {MAX_DELAY_S:g} seconds, e.g. 1.5, not {seconds!r}"
                ),
            )
        body = {"seconds": seconds}
        return self._delay(
            await self._post(PREFIX + "delay/set", body, name="sandbox.delay", journal_as="set_delay")
        )

    @staticmethod
    def _delay(raw: Mapping[str, Any]) -> Delay:
        return Delay(
            seconds=_number(raw.get("delay")) or 0.0,
            default_s=_number(raw.get("default")),
            source=_text(raw.get("source")) or "partner",
        )

    async def settle(self) -> tuple[Settled, ...]:
        """Every request of this partner still in `process` reaches its final status now."""
        raw = await self._post(PREFIX + "settle", {}, name="sandbox.settle", journal_as="settle")
        items = raw.get("settled")
        return tuple(
            Settled(
                request_id=_text(item.get("request_id")),
                method=_text(item.get("method")),
                request_status=_text(item.get("request_status")),
                error_code=_text(item.get("error_code")) or None,
            )
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, Mapping)
        )

    async def get_clock(self) -> Clock:
        return self._clock(await self._post(PREFIX + "clock/get", {}, name="sandbox.clock"))

    async def advance_clock(self, seconds: float) -> Clock:
        """Moves this partner's sandbox time forward (whole seconds, up to 366 days): requests
        that come due settle, statement windows and expiries move with it."""
        whole = int(seconds) if isinstance(seconds, (int, float)) and math.isfinite(seconds) else None
        if whole is None or isinstance(seconds, bool) or whole != seconds or not 1 <= whole <= MAX_ADVANCE_S:
            raise _invalid(
                "sandbox.clock",
                FieldError(
                    "seconds",
                    f"must be whole seconds from 1 to {MAX_ADVANCE_S} (366 days), e.g. 2h, not {seconds!r}",
                ),
            )
        raw = await self._post(
            PREFIX + "clock/advance", {"seconds": whole}, name="sandbox.clock", journal_as="advance_clock"
        )
        return self._clock(raw)

    @staticmethod
    def _clock(raw: Mapping[str, Any]) -> Clock:
        settled = raw.get("settled")
        count = len(settled) if isinstance(settled, list) else int(_number(settled) or 0)
        return Clock(_text(raw.get("now")), _number(raw.get("offset_s")) or 0.0, count)

    async def save_backup(self, name: str, *, replace: bool = False) -> Backup:
        """Saves this partner's whole state under `name`; an existing name only with replace."""
        body = {"name": check_backup_name(name), "replace": replace}
        return self._backup(
            await self._post(PREFIX + "backup/save", body, name="sandbox.backup", whole_state=True)
        )

    async def load_backup(self, name: str) -> Backup:
        """This partner's state becomes exactly the saved one (its clock included)."""
        body = {"name": check_backup_name(name)}
        return self._backup(
            await self._post(
                PREFIX + "backup/load",
                body,
                name="sandbox.backup",
                journal_as="load_backup",
                whole_state=True,
            )
        )

    async def list_backups(self) -> tuple[Backup, ...]:
        raw = await self._post(PREFIX + "backup/list", {}, name="sandbox.backup")
        items = raw.get("backups")
        return tuple(
            Backup.from_json(item)
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, Mapping)
        )

    async def delete_backup(self, name: str) -> str:
        raw = await self._post(
            PREFIX + "backup/delete", {"name": check_backup_name(name)}, name="sandbox.backup"
        )
        return _text(raw.get("deleted")) or name

    @staticmethod
    def _backup(raw: Mapping[str, Any]) -> Backup:
        found = raw.get("backup")
        return Backup.from_json(found if isinstance(found, Mapping) else {})

    async def card_history(self, card_id: str) -> CardHistory:
        """Every status change, ledger entry and plastic step of the card, oldest first."""
        checked = _check_card_id("sandbox.history", card_id)
        raw = await self._post(PREFIX + "card/history", {"card_id": checked}, name="sandbox.history")
        events = raw.get("events")
        return CardHistory(
            _text(raw.get("card_id")) or checked,
            tuple(
                HistoryEvent.from_json(item)
                for item in (events if isinstance(events, list) else [])
                if isinstance(item, Mapping)
            ),
        )

    async def received_requests(self, limit: int = 100) -> tuple[ReceivedRequest, ...]:
        """The Card API calls the sandbox received from this partner, newest first (no bodies)."""
        _check_count("sandbox.requests", "limit", limit, 1, MAX_LIMIT)
        raw = await self._post(PREFIX + "requests", {"limit": limit}, name="sandbox.requests")
        items = raw.get("requests")
        return tuple(
            ReceivedRequest.from_json(item)
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, Mapping)
        )

    async def seed(self, count: int) -> Seeded:
        """Adds `count` demo clients (cards in every status, six months of history)."""
        _check_count("sandbox.seed", "count", count, 1, MAX_SEED_COUNT)
        raw = await self._post(
            PREFIX + "seed", {"count": count}, name="sandbox.seed", journal_as="seed", whole_state=True
        )
        counts = {
            key: value
            for key, value in raw.items()
            if isinstance(value, int) and not isinstance(value, bool) and key not in ("status",)
        }
        return Seeded(counts, raw)

    async def reset(self) -> dict[str, int]:
        """Forgets this partner's clients, cards, transactions and requests (its faults, delay
        and backups stay); answers how many of each went."""
        raw = await self._post(
            PREFIX + "reset", {}, name="sandbox.reset", journal_as="reset", whole_state=True
        )
        deleted = raw.get("deleted")
        return {
            str(key): int(value)
            for key, value in (deleted.items() if isinstance(deleted, Mapping) else ())
            if isinstance(value, int) and not isinstance(value, bool)
        }


def amount_problem(text: str) -> str | None:
    """Why `text` is not an amount (the message the CLI shows), or None; for callers that check
    a field as it is typed."""
    try:
        parse_amount(text)
    except AmountError as exc:
        return str(exc)
    return None
