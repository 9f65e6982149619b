"""What a scenario file says, once parsed: plain data the runner, the report and the recorder
share. Nothing here sends anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

# What a step's final outcome may be asserted to be.
Outcome = Literal["success", "error", "process"]
OUTCOMES: Final = ("success", "error", "process")


@dataclass(frozen=True, slots=True)
class SandboxAction:
    """A sandbox-only step: a signed control route of the sandbox (never sent to a test or
    production host: the runner refuses the whole file there before anything is sent)."""

    name: str  # what the file says: sandbox = "top_up"
    path: str  # the control route
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    changes_state: bool = True
    new_request_id: bool = False  # the route takes a fresh request_id (credit)

    @property
    def fields(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


SANDBOX_ACTIONS: Final = {
    action.name: action
    for action in (
        SandboxAction("top_up", "/sandbox/credit", ("card_id", "amount"), ("currency",), new_request_id=True),
        SandboxAction("settle", "/sandbox/settle"),
        SandboxAction("advance_clock", "/sandbox/clock/advance", ("seconds",)),
        SandboxAction("set_faults", "/sandbox/faults", ("spec",)),
        SandboxAction("clear_faults", "/sandbox/faults/clear"),
        SandboxAction("set_delay", "/sandbox/delay/set", ("seconds",)),
        SandboxAction("reset", "/sandbox/reset"),
        SandboxAction("card_history", "/sandbox/card/history", ("card_id",), changes_state=False),
    )
}


@dataclass(frozen=True, slots=True)
class Expect:
    """What a step's answer must be. Every part is optional; with none, success is expected."""

    status: Outcome = "success"
    error_code: str | None = None
    # Dotted path in the answer → the value it must have (references allowed).
    fields: dict[str, Any] = field(default_factory=dict)
    balance: Any = None  # available amount on the card after the step
    balance_card: Any = None  # which card (default: the step's card_id field)
    balance_currency: str | None = None
    within_ms: float | None = None  # sent → final status, at most
    min_ms: float | None = None  # ... and at least (a fault's latency shows)


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    line: int  # where its [[step]] starts in the file
    method: str | None  # a registry name (card.issue), or None for a sandbox step
    sandbox: str | None  # a SANDBOX_ACTIONS key
    fields: dict[str, Any]
    expect: Expect
    wait: bool = True  # follow `process` to a final status
    note: str = ""  # the step's description, shown in reports

    @property
    def kind(self) -> str:
        """What the report shows for it: the method, or `sandbox.top_up`."""
        return self.method if self.method is not None else f"sandbox.{self.sandbox}"


@dataclass(frozen=True, slots=True)
class Scenario:
    path: Path
    name: str
    description: str
    steps: tuple[Step, ...]

    @property
    def shown(self) -> str:
        """The file as the user named it (for messages): relative when under the cwd."""
        try:
            return str(self.path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(self.path)
