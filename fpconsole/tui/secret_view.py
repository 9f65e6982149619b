"""Secret data of a card: masked by default; `v` reveals for 30 seconds, then it is hidden
again. The clear values live only in this screen's memory and are dropped when it closes.

The house rule is that secrets never reach the clipboard unmasked, so "copy" copies the masked
number and expiry only, after saying so."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static

from fpconsole.api import errors
from fpconsole.api.names import MethodName
from fpconsole.api.redaction import REDACTED, mask_pan
from fpconsole.tui.connection import unavailable_reason
from fpconsole.tui.widgets.key_hints import KeyHints

REVEAL_SECONDS = 30


class SecretDataScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    SecretDataScreen { align: center middle; }
    SecretDataScreen > Vertical { width: 60; height: auto; border: round $warning; background: $surface; padding: 0 1; }
    SecretDataScreen .title { text-style: bold; color: $warning; }
    SecretDataScreen #values { margin: 1 0; }
    SecretDataScreen .hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "reveal", "Reveal 30 s", id="secret-reveal"),
        Binding("h", "hide", "Hide", id="secret-hide"),
        Binding("c", "copy_masked", "Copy (masked)", id="secret-copy"),
        Binding("escape", "close", "Close", id="secret-close"),
    ]

    def __init__(self, card_id: str, card_mask: str) -> None:
        super().__init__()
        self.card_id = card_id
        self.card_mask = card_mask
        self._secret: dict[str, Any] = {}
        self.revealed = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Secret data · card {self.card_mask}", classes="title")
            yield Static("Fetching…", id="values")
            yield Static(
                f"v reveals for {REVEAL_SECONDS} s · h hides · c copies the masked number", classes="hint"
            )
        yield KeyHints()

    def on_mount(self) -> None:
        self.fetch()

    @work(exit_on_error=False, group="secret")
    async def fetch(self) -> None:
        backend = getattr(self.app, "backend", None)
        if backend is None:
            self.query_one("#values", Static).update(unavailable_reason(self.app))
            return
        try:
            result = await backend.read(MethodName.CARD_SECRET_DATA, {"card_id": self.card_id})
        except errors.CardApiError as exc:
            self.query_one("#values", Static).update(f"[b]Refused[/b]: {exc.message}")
            return
        self._secret = dict(result.raw.get("data") or {})
        self._render_values()

    def _render_values(self) -> None:
        pan = str(self._secret.get("pan") or "")
        if self.revealed:
            expiry, cvv = self._secret.get("expiry", ""), self._secret.get("cvv", "")
            text = f"PAN     {pan}\nExpiry  {expiry}\nCVV     {cvv}"
        else:
            text = f"PAN     {mask_pan(pan) if pan else '—'}\nExpiry  **/**\nCVV     ***"
        self.query_one("#values", Static).update(text)

    def action_reveal(self) -> None:
        if not self._secret:
            return
        self.revealed = True
        self._render_values()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(REVEAL_SECONDS, self.action_hide)

    def action_hide(self) -> None:
        self.revealed = False
        if self._secret:
            self._render_values()

    def action_copy_masked(self) -> None:
        pan = str(self._secret.get("pan") or "")
        if not pan:
            return
        copy_text = getattr(self.app, "copy_text", None)
        if copy_text is not None:
            copy_text(f"{mask_pan(pan)}", "the masked card number (full PAN and CVV are never copied)")

    def action_close(self) -> None:
        self._secret = {key: REDACTED for key in self._secret}
        self.dismiss(None)
