"""Fault injection: latency, injected API errors, HTTP 503s, timeouts and dropped connections,
globally or per method, so the console's and client's unhappy paths can be exercised.

Grammar of the compact spec (CLI `--faults`), groups separated by `;`:

    latency=200ms,jitter=50ms,error_rate=0.1,http5xx_rate=5%,seed=7;card.block:error_rate=1

The first group without a `METHOD:` prefix is global; a method's group overrides the global
values key by key. The same settings travel as JSON on `POST /sandbox/faults`.

What each fault does to the request (chosen so that a client sees what it would in production):

- `error_rate`: an `injected_error` envelope; the request is NOT applied.
- `http5xx_rate`: HTTP 503 with an envelope body; the request is NOT applied.
- `timeout_rate`: the request IS applied, and no answer comes for `hold` (120 s by default,
  far beyond any client timeout), then the connection is cut. The wait ends early when the
  client goes away. The outcome is unknown to the client, as after a real timeout.
- `drop_rate`: the request IS applied, the answer starts and the connection is cut mid-body,
  so the client sees a protocol error (unknown outcome), never a 500.

Draws come from one `random.Random(seed)`, so a given seed and call order always inject the
same faults (tests rely on it).
"""

from __future__ import annotations

import difflib
import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final, Literal

import httpx

from fpconsole.api.methods import REGISTRY

Outcome = Literal["none", "error", "http5xx", "timeout", "drop"]

DEFAULT_HOLD_S: Final = 120.0
MAX_HOLD_S: Final = 600.0
MAX_LATENCY_MS: Final = 60_000.0
# Random seeds (faults' seed=, serve's --rng-seed): a whole number a 64-bit signed integer holds,
# so any seed can be written down, stored and passed on unchanged.
MAX_SEED: Final = 2**63 - 1

# Spec keys → FaultRule attributes; `latency`/`jitter` are durations, the rest rates.
_DURATION_KEYS: Final = {"latency": "latency_ms", "jitter": "jitter_ms"}
_RATE_KEYS: Final = ("error_rate", "http5xx_rate", "timeout_rate", "drop_rate")
_GLOBAL_ONLY_KEYS: Final = ("seed", "hold")
_ALL_KEYS: Final = (*_DURATION_KEYS, *_RATE_KEYS, *_GLOBAL_ONLY_KEYS)
# ASCII digits only: \d would take Arabic-Indic or other digits, which float() then accepts.
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*(ms|s)?")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_WHOLE = re.compile(r"[0-9]{1,19}")


class FaultSpecError(ValueError):
    """A fault spec that cannot be used; the message names the key or method at fault."""


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised by the app to cut the connection mid-answer.

    In-process (httpx.ASGITransport) it reaches the client as the RemoteProtocolError it
    subclasses, exactly what httpx raises when a real server hangs up mid-body. Under uvicorn,
    `serve` swallows it after the partial answer was sent, so uvicorn closes the socket."""


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One group of fault settings; None means "not set here" (a method inherits the global)."""

    latency_ms: float | None = None
    jitter_ms: float | None = None
    error_rate: float | None = None
    http5xx_rate: float | None = None
    timeout_rate: float | None = None
    drop_rate: float | None = None

    def over(self, base: FaultRule) -> FaultRule:
        """This rule's values where set, the base's elsewhere."""
        return FaultRule(
            **{f.name: _first(getattr(self, f.name), getattr(base, f.name)) for f in fields(FaultRule)}
        )

    def is_empty(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(FaultRule))

    def to_json(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(FaultRule) if getattr(self, f.name) is not None}


def _first(value: float | None, fallback: float | None) -> float | None:
    return value if value is not None else fallback


@dataclass(frozen=True, slots=True)
class FaultSpec:
    default: FaultRule = FaultRule()
    methods: Mapping[str, FaultRule] = field(default_factory=dict)  # by method name (card.block)
    seed: int | None = None
    hold_s: float = DEFAULT_HOLD_S

    @property
    def enabled(self) -> bool:
        return not self.default.is_empty() or any(not rule.is_empty() for rule in self.methods.values())

    def rule_for(self, method_name: str) -> FaultRule:
        own = self.methods.get(method_name)
        return own.over(self.default) if own is not None else self.default

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.default.to_json())
        if self.methods:
            data["methods"] = {name: rule.to_json() for name, rule in self.methods.items()}
        if self.seed is not None:
            data["seed"] = self.seed
        if self.hold_s != DEFAULT_HOLD_S:
            data["hold_s"] = self.hold_s
        return data

    def to_spec(self) -> str:
        """The compact form; `parse_fault_spec(spec.to_spec()) == spec`."""
        groups = [_rule_spec(self.default)]
        if self.seed is not None:
            groups[0].append(f"seed={self.seed}")
        if self.hold_s != DEFAULT_HOLD_S:
            groups[0].append(f"hold={self.hold_s:g}s")
        # No leading ";" when only methods have faults: "card.block:error_rate=1".
        parts = [",".join(groups[0])] if groups[0] else []
        parts += [f"{name}:" + ",".join(_rule_spec(rule)) for name, rule in self.methods.items()]
        return ";".join(parts)


def _rule_spec(rule: FaultRule) -> list[str]:
    parts = []
    for key, attr in _DURATION_KEYS.items():
        value = getattr(rule, attr)
        if value is not None:
            parts.append(f"{key}={value:g}ms")
    parts += [f"{key}={getattr(rule, key):g}" for key in _RATE_KEYS if getattr(rule, key) is not None]
    return parts


NO_FAULTS: Final = FaultSpec()


# --- parsing ----------------------------------------------------------------------------------


def _method_name(text: str) -> str:
    method = REGISTRY.get(text)
    if method is None:
        names = [m.name for m in REGISTRY]
        close = difflib.get_close_matches(text, names, n=2)
        hint = f"; did you mean {' or '.join(close)}?" if close else " (run `fpconsole methods` for the list)"
        raise FaultSpecError(f"faults: unknown method {text!r}{hint}")
    return method.name


def _duration_ms(key: str, text: str, limit_ms: float = MAX_LATENCY_MS) -> float:
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise FaultSpecError(f"faults: {key} must be a duration such as 200ms or 1.5s, got {_shown(text)}")
    value = float(match.group(1)) * (1000.0 if match.group(2) == "s" else 1.0)
    if value > limit_ms:
        raise FaultSpecError(f"faults: {key} must be at most {limit_ms / 1000:g}s, got {_shown(text)}")
    return value


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _rate(key: str, value: object) -> float:
    rate = -1.0  # refused unless parsed below
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        rate = float(value)  # a JSON number; NaN and infinities fail the range check
    elif isinstance(value, str):
        text = value.strip()
        digits = text.removesuffix("%").strip()
        if _DECIMAL.fullmatch(digits):
            rate = float(digits) / 100 if text.endswith("%") else float(digits)
    if not 0.0 <= rate <= 1.0:
        raise FaultSpecError(
            f"faults: {key} must be a rate between 0 and 1 (or 0%–100%), got {_shown(value)}"
        )
    return rate


def _seed(value: object) -> int:
    """A fault seed: a whole number 0–MAX_SEED (text from the compact form, an int from JSON)."""
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise FaultSpecError(f"faults: seed must be a whole number 0–{MAX_SEED}, got {_shown(value)}")
    return value


def _unknown_key(key: str, where: str) -> FaultSpecError:
    close = difflib.get_close_matches(key, _ALL_KEYS, n=1)
    hint = f"; did you mean {close[0]}?" if close else f" (known: {', '.join(_ALL_KEYS)})"
    return FaultSpecError(f"faults: unknown key {key!r} in {where!r}{hint}")


def parse_fault_spec(text: str) -> FaultSpec:
    """Parse the compact form; raises FaultSpecError naming the bad key, value or method."""
    spec = FaultSpec()
    methods: dict[str, FaultRule] = {}
    for index, raw_group in enumerate(text.split(";")):
        group = raw_group.strip()
        if not group:
            continue
        head, colon, body = group.partition(":")
        is_method = bool(colon) and "=" not in head
        name = _method_name(head.strip()) if is_method else None
        values: dict[str, float] = {}
        for item in (body if is_method else group).split(","):
            item = item.strip()
            if not item:
                continue
            key, eq, value = item.partition("=")
            key = key.strip().lower()
            if not eq or not value.strip():
                raise FaultSpecError(f"faults: {item!r} must be key=value (e.g. error_rate=0.1)")
            if key in _DURATION_KEYS:
                values[_DURATION_KEYS[key]] = _duration_ms(key, value)
            elif key in _RATE_KEYS:
                values[key] = _rate(key, value)
            elif key in _GLOBAL_ONLY_KEYS:
                if name is not None:
                    raise FaultSpecError(f"faults: {key} applies to all methods; put it in the first group")
                spec = _with_global(spec, key, value.strip())
            else:
                raise _unknown_key(key, item)
        if name is None and index > 0 and values:
            raise FaultSpecError(
                f"faults: group {group!r} needs a METHOD: prefix (only the first group is global)"
            )
        if name is None:
            spec = replace(spec, default=FaultRule(**values).over(spec.default))
        else:
            methods[name] = FaultRule(**values).over(methods.get(name, FaultRule()))
    return replace(spec, methods=methods)


def _with_global(spec: FaultSpec, key: str, value: str) -> FaultSpec:
    if key == "seed":
        return replace(spec, seed=_seed(value))
    hold = _duration_ms("hold", value, MAX_HOLD_S * 1000) / 1000 if key == "hold" else 0.0
    if not 0 < hold <= MAX_HOLD_S:
        raise FaultSpecError(f"faults: hold must be more than 0 and at most {MAX_HOLD_S:g}s, got {value!r}")
    return replace(spec, hold_s=hold)


def _rule_from_json(data: object, where: str) -> FaultRule:
    if not isinstance(data, Mapping):
        raise FaultSpecError(f"faults: {where} must be an object of fault settings")
    values: dict[str, float] = {}
    for key, value in data.items():
        if key in ("latency_ms", "jitter_ms"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
                raise FaultSpecError(f"faults: {where}.{key} must be a number of milliseconds, got {value!r}")
            if value > MAX_LATENCY_MS:
                raise FaultSpecError(f"faults: {where}.{key} must be at most {MAX_LATENCY_MS:g}")
            values[key] = float(value)
        elif key in _RATE_KEYS:
            values[key] = _rate(f"{where}.{key}", value)
        else:
            raise _unknown_key(str(key), where)
    return FaultRule(**values)


def fault_spec_from_json(data: object) -> FaultSpec:
    """The JSON form of `POST /sandbox/faults`: {"error_rate":0.1,...,"methods":{"card.block":
    {...}},"seed":7,"hold_s":120}, or {"spec":"<compact form>"}; {} turns every fault off."""
    if not isinstance(data, Mapping):
        raise FaultSpecError("faults: the body must be a JSON object")
    if "spec" in data:
        if set(data) != {"spec"} or not isinstance(data["spec"], str):
            raise FaultSpecError('faults: give either {"spec": "<compact spec>"} or the JSON fields')
        return parse_fault_spec(data["spec"])
    rest = {k: v for k, v in data.items() if k not in ("methods", "seed", "hold_s")}
    spec = FaultSpec(default=_rule_from_json(rest, "faults"))
    seed = data.get("seed")
    if seed is not None:
        spec = replace(spec, seed=_seed(seed))
    hold = data.get("hold_s")
    if hold is not None:
        if isinstance(hold, bool) or not isinstance(hold, (int, float)) or not 0 < hold <= MAX_HOLD_S:
            raise FaultSpecError(
                f"faults: hold_s must be more than 0 and at most {MAX_HOLD_S:g}, got {hold!r}"
            )
        spec = replace(spec, hold_s=float(hold))
    methods_data = data.get("methods", {})
    if not isinstance(methods_data, Mapping):
        raise FaultSpecError("faults: methods must be an object keyed by method name")
    methods = {
        _method_name(str(name)): _rule_from_json(rule, f"methods.{name}")
        for name, rule in methods_data.items()
    }
    return replace(spec, methods=methods)


# --- deciding ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FaultDecision:
    delay_s: float = 0.0
    outcome: Outcome = "none"
    hold_s: float = DEFAULT_HOLD_S  # how long a `timeout` outcome holds the answer


NO_FAULT: Final = FaultDecision()


class FaultInjector:
    """Rolls the dice for one request. Replaced as a whole when the settings change, so a
    runtime change starts a fresh, reproducible sequence."""

    def __init__(self, spec: FaultSpec = NO_FAULTS) -> None:
        self.spec = spec
        self._rng = random.Random(spec.seed)
        # Worked out once: the spec is frozen, and asking it walks every rule's fields (a few
        # per cent of a served request with no fault set).
        self._enabled = spec.enabled

    def decide(self, method_name: str) -> FaultDecision:
        if not self._enabled:
            return NO_FAULT
        rule = self.spec.rule_for(method_name)
        delay_ms = rule.latency_ms or 0.0
        if rule.jitter_ms:
            delay_ms += self._rng.uniform(-rule.jitter_ms, rule.jitter_ms)
        outcome: Outcome = "none"
        kinds: tuple[tuple[Outcome, float | None], ...] = (
            ("http5xx", rule.http5xx_rate),
            ("error", rule.error_rate),
            ("timeout", rule.timeout_rate),
            ("drop", rule.drop_rate),
        )
        # Fixed order, one draw per configured kind: the sequence depends only on seed and calls.
        for kind, rate in kinds:
            if rate and self._rng.random() < rate and outcome == "none":
                outcome = kind
        return FaultDecision(delay_s=max(delay_ms, 0.0) / 1000, outcome=outcome, hold_s=self.spec.hold_s)


# What the board asks for a partner's settings: (version, JSON form or None for the default).
PartnerFaults = Callable[[str], tuple[int, Mapping[str, Any] | None]]


class FaultBoard:
    """Fault settings per partner: each partner's own (kept in the sandbox database, so every
    worker process sees a change on its next request), else the sandbox's default (`serve
    --faults`). One injector per partner, rebuilt when its settings' version moves, so a change
    starts a fresh reproducible sequence for that partner only."""

    def __init__(self, default: FaultSpec = NO_FAULTS, source: PartnerFaults | None = None) -> None:
        self.spec = default  # the default, as `serve --faults` set it
        self._source = source
        self._default = FaultInjector(default)
        self._injectors: dict[str, tuple[int, FaultInjector]] = {}

    def injector_for(self, partner: str | None) -> FaultInjector:
        if partner is None or self._source is None:
            return self._default
        version, data = self._source(partner)
        if data is None:
            return self._default
        cached = self._injectors.get(partner)
        if cached is None or cached[0] != version:
            cached = (version, FaultInjector(fault_spec_from_json(data)))
            self._injectors[partner] = cached
        return cached[1]

    def spec_for(self, partner: str | None) -> FaultSpec:
        return self.injector_for(partner).spec

    def decide(self, method_name: str, partner: str | None = None) -> FaultDecision:
        """Roll the dice for one request of `partner` (None: not authenticated; the default)."""
        return self.injector_for(partner).decide(method_name)


def describe(spec: FaultSpec) -> str:
    """One line for the serve banner and logs."""
    return spec.to_spec() if spec.enabled else "none"
