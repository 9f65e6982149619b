"""Leaving a form with typed content asks first: discard it, keep it as a draft, or go back."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

LeaveChoice = Literal["discard", "keep", "stay"]
_CHOICES: dict[str, LeaveChoice] = {"leave-keep": "keep", "leave-discard": "discard"}


class LeaveScreen(ModalScreen[LeaveChoice]):
    DEFAULT_CSS = """
    LeaveScreen { align: center middle; }
    LeaveScreen > Vertical { width: 60; max-width: 100%; height: auto; border: round $warning; background: $surface; padding: 0 1; }
    LeaveScreen #leave-buttons { height: auto; margin: 1 0 0 0; }
    LeaveScreen #leave-buttons Button { margin: 0 1 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "stay", "Back to the form")]

    def __init__(self, *, can_keep: bool) -> None:
        super().__init__()
        self.can_keep = can_keep

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Discard what you typed?", id="leave-title")
            if self.can_keep:
                yield Static("Keep it as a draft and the form opens with it next time.", classes="hint")
            with Horizontal(id="leave-buttons"):
                yield Button("Back to the form", id="leave-stay")
                if self.can_keep:
                    yield Button("Keep as draft", id="leave-keep")
                yield Button("Discard", id="leave-discard", variant="error")

    def on_mount(self) -> None:
        # The safe answer has the focus: Enter goes back to the form.
        self.query_one("#leave-stay", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(_CHOICES.get(event.button.id or "", "stay"))

    def action_stay(self) -> None:
        self.dismiss("stay")
