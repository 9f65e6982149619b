"""The faults in force, said for the top bar: one short phrase per fault, worst first, fitted to
the room the bar has.

The bar has 20 to 60 columns for them, and the fault an operator most needs to see is the one
that breaks the most requests: 100% drops on card.issue matters more than +200 ms on every
call. So failures come before latency, higher rates first (at one rate: drops, timeouts, 5xx,
errors: the ones whose outcome is unknown first), and what does not fit is counted, never cut
off silently: `⚠ faults: 100% drops card.issue … +4 more`. F7's "In force" line says the whole
list, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from rich.cells import cell_len, set_cell_size

if TYPE_CHECKING:  # the top bar imports this module for the first frame: no client, no pydantic
    from fpconsole.api.sandbox_control import FaultRule, Faults, FaultSettings

PREFIX: Final = "⚠ faults: "
SHORT_PREFIX: Final = "⚠ "  # when the label would leave no room for the worst fault itself
ELLIPSIS: Final = "…"
MIN_CUT: Final = 4  # characters of the worst fault worth showing cut, rather than only a count
# Failure kinds, worst first at one rate: a drop or a timeout leaves the outcome unknown.
FAILURES: Final = ("drop_rate", "timeout_rate", "http5xx_rate", "error_rate")


@dataclass(frozen=True, slots=True)
class FaultsInForce:
    """This partner's faults as the console shows them: `summary` is the whole list (F7's "In
    force"), `phrases` one per fault, worst first (the top bar). Falsy when none is active."""

    summary: str = ""
    phrases: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.phrases)


NO_FAULTS: Final = FaultsInForce()


def from_faults(faults: Faults) -> FaultsInForce:
    phrases = worst_first(faults.settings)
    if not phrases and faults.active:
        phrases = (faults.spec,)  # a form the words do not cover (jitter alone)
    # F7 says the same phrases in the same order as the bar, all of them.
    return FaultsInForce(", ".join(phrases), phrases)


def _ranked(rule: FaultRule, method: str) -> Iterator[tuple[tuple[int, float, int, str], str]]:
    # Here, not at the top: sandbox_inputs imports pydantic, which the first frame does without.
    from fpconsole.tui.sandbox_inputs import describe_faults

    where = f" {method}" if method else ""
    for order, key in enumerate(FAILURES):
        rate = getattr(rule, key)
        if rate:
            # describe_faults says one fault as F7 says it ("100% drops", "10% HTTP 503").
            yield (0, -rate, order, method), describe_faults({key: rate}) + where
    if rule.latency_ms:
        yield (1, -rule.latency_ms, 0, method), describe_faults({"latency_ms": rule.latency_ms}) + where


def worst_first(settings: FaultSettings) -> tuple[str, ...]:
    """One phrase per fault set ('100% drops card.issue'; a global one without a method)."""
    ranked = list(_ranked(settings.default, ""))
    for method, rule in settings.methods.items():
        ranked += _ranked(rule, method)
    return tuple(phrase for _key, phrase in sorted(ranked))


def fit(phrases: tuple[str, ...], width: int) -> str:
    """As many phrases as fit in `width` cells, worst first; the rest counted after "…"."""
    if not phrases or width <= 0:
        return ""
    count = len(phrases)
    for prefix in (PREFIX, SHORT_PREFIX):
        whole = prefix + ", ".join(phrases)
        if cell_len(whole) <= width:
            return whole
        for shown in range(count - 1, 0, -1):
            text = f"{prefix}{', '.join(phrases[:shown])} {ELLIPSIS} +{count - shown} more"
            if cell_len(text) <= width:
                return text
    # Not even the worst one whole: as much of it as fits, and the count of the others.
    rest = f" +{count - 1} more" if count > 1 else ""
    room = width - cell_len(SHORT_PREFIX) - cell_len(ELLIPSIS) - cell_len(rest)
    if room >= MIN_CUT:
        return f"{SHORT_PREFIX}{set_cell_size(phrases[0], room).rstrip()}{ELLIPSIS}{rest}"
    for tiny in (f"⚠ {count} fault{'s' if count > 1 else ''}", "⚠ faults", "⚠"):
        if cell_len(tiny) <= width:
            return tiny
    return ""
