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

import json
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
MAX_DELAY_S: Final = 86400.0
MAX_ADVANCE_S: Final = 366 * 86400  # a year and a day: every statement window and expiry test
MAX_LIMIT: Final = 1000
# Rates are fractions; latencies milliseconds, at most a minute (the sandbox's own bounds).
MAX_LATENCY_MS: Final = 60_000.0
MAX_HOLD_S: Final = 600.0


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
            value = data.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found[name] = float(value)
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
            hold_s=float(hold) if isinstance(hold, (int, float)) and not isinstance(hold, bool) else None,
        )


@dataclass(frozen=True, slots=True)
class Faults:
    """The faults in force for this partner: `spec` is the compact form (`none` when off)."""

    settings: FaultSettings
    spec: str

    @property
    def active(self) -> bool:
        return self.settings.active or self.spec not in ("", "none")


@dataclass(frozen=True, slots=True)
class Health:
    status: str
    service: str
    version: str
    partners: tuple[str, ...]
    delay_s: float | None
    db: str
    faults: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Health:
        partners = data.get("partners")
        delay = data.get("delay")
        faults = data.get("faults")
        return cls(
            status=str(data.get("status") or ""),
            service=str(data.get("service") or ""),
            version=str(data.get("version") or ""),
            partners=tuple(str(p) for p in partners) if isinstance(partners, list) else (),
            delay_s=float(delay) if isinstance(delay, (int, float)) and not isinstance(delay, bool) else None,
            db=str(data.get("db") or ""),
            faults=faults if isinstance(faults, str) else json.dumps(faults),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class Seeded:
    """What `seed` added, by kind (clients, cards, transactions …)."""

    counts: dict[str, int]
    raw: dict[str, Any] = field(repr=False, compare=False)


# --- input checks ------------------------------------------------------------------------------


class _TopUpInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    card_id: Identifier
    amount: Amount
    currency: Currency = "KZT"


def _invalid(method: str, *problems: FieldError) -> errors.InvalidRequest:
    return errors.InvalidRequest(list(problems), method=method)


_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d|w)")
_DURATION_UNITS: Final = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
DURATION_HINT: Final = "use a number with a unit, e.g. 30s, 15m, 2h, 1d or 1h30m"


def parse_duration(text: str, *, field_name: str = "duration") -> float:
    """Seconds from `30s`, `15m`, `2h`, `1d`, `1w`, `1h30m` or a plain number of seconds.
    Raises InvalidRequest naming `field_name` and the fix; never another exception."""
    value = text.strip().lower()
    seconds: float | None = None
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", value):
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

    Holds no state of its own: one may be made per command, or kept for a console's life."""

    def __init__(self, client: CardApiClient, *, new_request_id: Callable[[], str] | None = None) -> None:
        self.client = client
        self._new_request_id = new_request_id or _new_id

    # --- plumbing ---------------------------------------------------------------------------

    async def _post(self, path: str, body: Mapping[str, Any], *, name: str) -> dict[str, Any]:
        """One signed control call, its failures turned into the errors the module lists."""
        try:
            return await self.client.post_control(path, body)
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
        return self._faults(await self._post(PREFIX + "faults", settings.to_json(), name="sandbox.faults"))

    async def set_faults_spec(self, spec: str) -> Faults:
        """The compact form (`latency=200ms,error_rate=0.1;card.block:error_rate=1`), checked by
        the sandbox, which names the bad key or method."""
        return self._faults(await self._post(PREFIX + "faults", {"spec": spec}, name="sandbox.faults"))

    async def clear_faults(self) -> Faults:
        return await self.set_faults(FaultSettings())

    @staticmethod
    def _faults(raw: Mapping[str, Any]) -> Faults:
        settings = raw.get("faults")
        spec = raw.get("spec")
        return Faults(
            FaultSettings.from_json(settings if isinstance(settings, Mapping) else {}),
            spec if isinstance(spec, str) else "none",
        )

    async def seed(self, count: int) -> Seeded:
        """Adds `count` demo clients (cards in every status, six months of history)."""
        _check_count("sandbox.seed", "count", count, 1, MAX_SEED_COUNT)
        raw = await self._post(PREFIX + "seed", {"count": count}, name="sandbox.seed")
        counts = {
            key: value
            for key, value in raw.items()
            if isinstance(value, int) and not isinstance(value, bool) and key not in ("status",)
        }
        return Seeded(counts, raw)

    async def reset(self) -> None:
        """Forgets this partner's clients, cards, transactions and requests."""
        await self._post(PREFIX + "reset", {}, name="sandbox.reset")


def amount_problem(text: str) -> str | None:
    """Why `text` is not an amount (the message the CLI shows), or None; for callers that check
    a field as it is typed."""
    try:
        parse_amount(text)
    except AmountError as exc:
        return str(exc)
    return None
