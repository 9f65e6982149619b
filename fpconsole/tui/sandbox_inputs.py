"""What the Sandbox section's boxes hold, checked before anything is sent: each check returns the
value to send or a message that names the box and says what to type, so a bad entry is refused
in place and the box keeps what was typed.

The API's own field rules are reused (amount, currency, card id): a top-up is refused here for
the same reasons the Card API would refuse the amount of a transaction.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from fpconsole.api.fields import Amount, Currency, Identifier
from fpconsole.api.methods import REGISTRY
from fpconsole.api.validation import describe_errors

MAX_SEED_COUNT: Final = 1000  # the control route's own bound (sandbox/control.py)
MAX_DELAY_S: Final = 86_400.0  # a day, as the sandbox's settings allow
MAX_ADVANCE_S: Final = 366 * 86_400.0  # a year at most in one step
MAX_LATENCY_MS: Final = 60_000.0  # the fault grammar's own bound
BACKUP_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_RATE: Final = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(%?)")

_AMOUNT: Final[TypeAdapter[Decimal]] = TypeAdapter(Amount)
_CURRENCY: Final[TypeAdapter[str]] = TypeAdapter(Currency)
_IDENTIFIER: Final[TypeAdapter[str]] = TypeAdapter(Identifier)


@dataclass
class Checked:
    """The values to send, by box, and the problems, by box (empty when it may be sent)."""

    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _api_rule(adapter: TypeAdapter[Any], text: str) -> tuple[Any, str | None]:
    try:
        return adapter.validate_python(text), None
    except ValidationError as exc:
        problems = describe_errors(exc)
        return None, problems[0].message if problems else "is not valid"


def check_top_up(card_id: str, amount: str, currency: str) -> Checked:
    found = Checked()
    card_id, amount, currency = card_id.strip(), amount.strip(), currency.strip().upper() or "KZT"
    if not card_id:
        found.problems["card_id"] = "Card id: type the card's id (e.g. 7001234), or pick a card in Cards (F3)"
    else:
        value, problem = _api_rule(_IDENTIFIER, card_id)
        if problem:
            found.problems["card_id"] = f"Card id: {problem}"
        else:
            found.values["card_id"] = value
    if not amount:
        found.problems["amount"] = "Amount: type how much to add, e.g. 50000 or 1250.50"
    else:
        value, problem = _api_rule(_AMOUNT, amount)
        if problem:
            found.problems["amount"] = f"Amount: {problem}"
        else:
            found.values["amount"] = value
    value, problem = _api_rule(_CURRENCY, currency)
    if problem:
        found.problems["currency"] = f"Currency: {problem}"
    else:
        found.values["currency"] = value
    return found


def parse_seconds(
    text: str, *, label: str, low: float, high: float, example: str
) -> tuple[float | None, str]:
    """Seconds from `90`, `1.5s`, `250ms`, `10m`, `2h`, `1d`, `1h30m`; (None, message) when it
    is not one. The CLI's reading (parse_duration), so a box and `fpconsole sandbox …` take the
    same texts."""
    from fpconsole.api import errors
    from fpconsole.api.sandbox_control import parse_duration

    try:
        seconds = parse_duration(text, field_name=label)
    except errors.InvalidRequest:
        return None, (
            f"{label}: type a duration such as {example} (units: ms, s, m, h, d, w; plain = seconds)"
        )
    if not low <= seconds <= high:
        return None, f"{label}: must be from {span(low)} to {span(high)}, got {text.strip()}"
    return seconds, ""


def span(seconds: float) -> str:
    for unit, size in (("d", 86_400.0), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def check_advance(text: str) -> Checked:
    found = Checked()
    seconds, problem = parse_seconds(text, label="Advance by", low=1, high=MAX_ADVANCE_S, example="90s or 2h")
    if seconds is None:
        found.problems["advance"] = problem
    elif seconds != int(seconds):
        found.problems["advance"] = (
            f"Advance by: whole seconds only (the clock moves by seconds), got {text.strip()}"
        )
    else:
        found.values["seconds"] = int(seconds)
    return found


def check_delay(text: str) -> Checked:
    found = Checked()
    seconds, problem = parse_seconds(text, label="Delay", low=0.0, high=MAX_DELAY_S, example="1.5s or 0")
    if seconds is None:
        found.problems["delay"] = problem
    else:
        found.values["delay"] = seconds
    return found


def check_count(text: str) -> Checked:
    found = Checked()
    raw = text.strip()
    if not re.fullmatch(r"[0-9]{1,7}", raw) or not 1 <= int(raw) <= MAX_SEED_COUNT:
        found.problems["count"] = f"Clients: type a whole number from 1 to {MAX_SEED_COUNT}, e.g. 10"
    else:
        found.values["count"] = int(raw)
    return found


def check_backup_name(text: str) -> Checked:
    found = Checked()
    name = text.strip()
    if not name:  # nothing typed: the rule for a name's characters would be beside the point
        found.problems["backup"] = "Name: type a name for the backup, e.g. before-refunds"
    elif not BACKUP_NAME.fullmatch(name):
        found.problems["backup"] = (
            "Name: letters, digits, '.', '_' or '-' (up to 64, starting with a letter or digit), "
            "e.g. before-refunds"
        )
    else:
        found.values["name"] = name
    return found


def check_backup_to_load(text: str, names: Collection[str]) -> Checked:
    """A name Load… may ask about: well formed, and one of the backups `names` (read from the
    sandbox), so the confirmation is never asked for a backup that is not there."""
    found = check_backup_name(text)
    name = found.values.get("name")
    if name is not None and name not in names:
        del found.values["name"]
        found.problems["backup"] = missing_backup(name, names)
    return found


def missing_backup(name: str, names: Collection[str]) -> str:
    """The Name box's line for a backup that does not exist, with the fix in the console's
    words (the sandbox's own message points at its HTTP route)."""
    if names:
        return f"Name: no backup named {name!r}; pick one from the list below (Enter on it loads it)"
    return f"Name: no backup named {name!r}; there are none yet (type a name and Save to make one)"


# --- faults -----------------------------------------------------------------------------------

FAULT_RATES: Final = (
    ("error_rate", "Error rate", "errors"),
    ("timeout_rate", "Timeouts", "timeouts"),
    ("drop_rate", "Drops", "drops"),
)


def _rate(text: str, label: str) -> tuple[float | None, str]:
    match = _RATE.fullmatch(text.strip())
    if match is not None:
        value = float(match.group(1))
        # `30` and `30%` are both percentages; `0.3` is a fraction (as the CLI's grammar reads it).
        rate = value / 100 if match.group(2) or value > 1 else value
        if 0 <= rate <= 1:
            return rate, ""
    return None, f"{label}: type a share of requests, 0–100% (e.g. 30% or 0.3)"


def check_faults(method: str, latency: str, rates: Mapping[str, str]) -> Checked:
    """The faults form → the JSON of the faults route ({} rules are refused: use Clear)."""
    found = Checked()
    rule: dict[str, float] = {}
    if latency.strip():
        seconds, problem = parse_seconds(
            latency, label="Latency", low=0.0, high=MAX_LATENCY_MS / 1000, example="200ms or 1.5s"
        )
        if seconds is None:
            found.problems["latency"] = problem
        else:
            rule["latency_ms"] = round(seconds * 1000, 3)
    for key, label, _plural in FAULT_RATES:
        text = rates.get(key, "")
        if text.strip():
            rate, problem = _rate(text, label)
            if rate is None:
                found.problems[key] = problem
            else:
                rule[key] = rate
    name = method.strip()
    if name:
        entry = REGISTRY.get(name)
        if entry is None:
            found.problems["method"] = (
                f"Method: {name!r} is not a Card API method; type one like card.block, or leave it "
                "empty for every method"
            )
        else:
            name = entry.name
    if not found.problems and not any(rule.values()):
        found.problems["latency"] = (
            "Nothing to inject: type a latency or a rate (to turn faults off, use Clear faults)"
        )
    if found.ok:
        found.values = {"methods": {name: rule}} if name else dict(rule)
    return found


def _percent(rate: float) -> str:
    return f"{rate * 100:.4g}%"


def _rule_words(rule: Mapping[str, Any]) -> list[str]:
    words: list[str] = []
    for key, _label, plural in FAULT_RATES:
        rate = rule.get(key)
        if isinstance(rate, (int, float)) and rate:
            words.append(f"{_percent(float(rate))} {plural}")
    rate = rule.get("http5xx_rate")
    if isinstance(rate, (int, float)) and rate:
        words.append(f"{_percent(float(rate))} HTTP 503")
    latency = rule.get("latency_ms")
    if isinstance(latency, (int, float)) and latency:
        words.append(f"+{latency:g} ms" if latency < 1000 else f"+{latency / 1000:g} s")
    return words


def describe_faults(faults: Mapping[str, Any] | None) -> str:
    """'30% errors, +200 ms; card.block: 100% errors' for the JSON fault settings; '' when none
    is active (the top bar then shows nothing)."""
    if not faults:
        return ""
    parts = []
    overall = _rule_words(faults)
    if overall:
        parts.append(", ".join(overall))
    methods = faults.get("methods")
    if isinstance(methods, Mapping):
        for name, rule in methods.items():
            words = _rule_words(rule) if isinstance(rule, Mapping) else []
            if words:
                parts.append(f"{name}: {', '.join(words)}")
    return "; ".join(parts)
