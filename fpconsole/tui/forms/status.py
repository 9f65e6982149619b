"""A submission's live status (`sent → process → success`, elapsed time) and what its answer says.

Pure: the screen feeds it statuses and clock readings and shows the text it returns, so the
rules (never step back from a final status, stop the clock at the end) are tested without widgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from textual.content import Content

FINAL: Final = frozenset({"success", "error", "failed"})
# "unknown" is not final: polling may still resolve it.
_RANK: Final = {"sent": 0, "process": 1, "unknown": 1, "success": 2, "error": 2, "failed": 2}
_STYLE: Final = {
    "sent": "$text-muted",
    "process": "$warning",
    "unknown": "$warning",
    "success": "$success",
    "error": "$error",
    "failed": "$error",
}
_LABEL: Final = {
    "unknown": "outcome unknown — polling request/status with the same request_id",
    "failed": "not received",
}
# Once the tracker gave up (its bounded total ran out), or there is no backend to poll with.
_UNKNOWN_NOT_POLLED: Final = (
    "outcome unknown — polling stopped; ctrl+s checks request/status (same request_id)"
)
# Envelope keys say how the call went, not what it produced.
_ENVELOPE: Final = frozenset({"status", "request_status", "dt", "error_code", "error_description"})


@dataclass
class LiveStatus:
    steps: list[str] = field(default_factory=list)
    started: float | None = None
    finished: float | None = None
    polling: bool = True  # an unknown outcome is being asked about (the screen says when it is not)

    @property
    def current(self) -> str:
        return self.steps[-1] if self.steps else ""

    @property
    def is_final(self) -> bool:
        return self.current in FINAL

    def start(self, now: float) -> None:
        """A new attempt (a retry starts the clock again)."""
        self.steps = ["sent"]
        self.started, self.finished = now, None
        self.polling = True

    def advance(self, status: str, now: float) -> bool:
        """Record a status; False when it would step back (a late `process` after `success`)."""
        if not self.steps or self.is_final or status == self.current:
            return False
        if _RANK.get(status, 1) < _RANK.get(self.current, 0):
            return False
        self.steps.append(status)
        if status in FINAL:
            self.finished = now
        return True

    def elapsed(self, now: float) -> float:
        if self.started is None:
            return 0.0
        return max(0.0, (self.finished if self.finished is not None else now) - self.started)

    def render(self, now: float) -> Content:
        if not self.steps:
            return Content("")
        parts: list[Content | str] = []
        for index, step in enumerate(self.steps):
            if index:
                parts.append(" → ")
            label = _UNKNOWN_NOT_POLLED if step == "unknown" and not self.polling else _LABEL.get(step, step)
            parts.append(Content.styled(label, f"bold {_STYLE.get(step, '')}".strip()))
        parts.append(f"  {self.elapsed(now):.1f} s")
        return Content.assemble(*parts)


def result_lines(response: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a successful answer produced (client_id, card ids, transaction_id, …), for people:
    one (key, value) per line, nested values spelled out rather than shown as JSON.

    - an object's fields become dotted keys (`transaction.status  refunded`);
    - a list of {key, value} pairs (the API's `additional`) reads as its keys
      (`additional.order_id  QA-ORD-3`);
    - any other list is numbered from 0, as the console's dotted names are (`limits.0.amount`);
    - empty values (None, "", [], {}) are left out, and so is the envelope (status, dt, …);
    - a list of cards is summed up as their ids, which is what the user goes on with.

    Values are never cut: the screen wraps a long one. Secrets are masked before this sees the
    answer (the form runs `redact` first), so nothing here un-masks them."""
    lines: list[tuple[str, str]] = []
    for key, value in response.items():
        if key in _ENVELOPE:
            continue
        if key == "cards" and isinstance(value, list) and value:
            ids = [str(card.get("card_id")) for card in value if isinstance(card, Mapping)]
            lines.append(("card_id" if len(ids) == 1 else f"card_ids ({len(ids)})", ", ".join(ids)))
        else:
            lines.extend(_flatten(str(key), value))
    return lines


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, dict, tuple)) and not value)


def _is_pairs(value: list[Any]) -> bool:
    """[{"key": "order_id", "value": "QA-ORD-3"}, …]: named values sent as a list."""
    return all(
        isinstance(entry, Mapping) and set(entry) <= {"key", "value"} and "key" in entry for entry in value
    )


def _flatten(key: str, value: Any) -> list[tuple[str, str]]:
    if _is_empty(value):
        return []
    if isinstance(value, Mapping):
        return [line for name, inner in value.items() for line in _flatten(f"{key}.{name}", inner)]
    if isinstance(value, (list, tuple)):
        if _is_pairs(list(value)):
            return [line for entry in value for line in _flatten(f"{key}.{entry['key']}", entry.get("value"))]
        return [line for index, inner in enumerate(value) for line in _flatten(f"{key}.{index}", inner)]
    return [(key, str(value))]
