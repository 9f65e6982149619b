"""What a form needs from the app's backend (`app.backend`, None until it is ready).

The app's `ConsoleBackend` satisfies this structurally; tests use `testing.FakeBackend`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from fpconsole.api.client import CallResult
from fpconsole.api.methods import Method


class Backend(Protocol):
    read_only: bool
    profile_kind: str  # "sandbox" | "test" | "production"

    async def submit(
        self,
        method: Method,
        body: dict[str, Any],
        *,
        on_unknown: Callable[[Exception], object] | None = None,
    ) -> CallResult:
        """Send a validated body (with its request_id). Raises ApiError or a TransportError.
        `on_unknown` is called when a state change's answer did not come and the client starts
        asking request/status about it (the call goes on until that answers)."""
        ...

    def follow(self, result: CallResult) -> None:
        """Poll a `process` result in the background; changes arrive as RequestUpdated."""
        ...

    def save_draft(self, form_key: str, fields: dict[str, str]) -> None: ...

    def load_draft(self, form_key: str) -> dict[str, str] | None: ...

    def discard_draft(self, form_key: str) -> None: ...
