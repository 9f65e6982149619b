"""What a form hands back when it closes after sending something."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fpconsole.api.methods import Method


@dataclass(frozen=True, slots=True)
class FormOutcome:
    method: Method
    request_id: str | None
    # success | error | process (still being polled) | unknown (outcome unknown) | failed (not
    # received) | sent (closed before its answer: the request goes on, followed by the app)
    final_status: str
    response: dict[str, Any] = field(default_factory=dict)  # redacted answer, {} when none
    error_code: str | None = None
    error_description: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.final_status == "success"
