"""The question the Bulk screen asks before onboarding on a production profile: the CLI's rule
(fpconsole/production_guard.py) in a dialog. It shows the profile, the host, the file and how many
rows will be sent, and sends only when that number is typed back: a reflexive Enter or `y` sends
nothing. Esc or Cancel answers no.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from fpconsole.production_guard import Question
from fpconsole.tui.widgets.in_place import InPlaceInput
from fpconsole.tui.widgets.key_hints import KeyHints


class BulkProductionGuard(ModalScreen[bool]):
    DEFAULT_CSS = """
    BulkProductionGuard { align: center middle; }
    BulkProductionGuard > #guard-dialog { width: 76; max-width: 100%; height: auto; max-height: 100%; overflow-y: auto; border: round $error; background: $surface; padding: 0 1; }
    BulkProductionGuard #guard-title { text-style: bold; color: $error; }
    BulkProductionGuard #guard-shown { text-style: bold; margin: 1 0 0 0; }
    BulkProductionGuard #guard-prompt { margin: 1 0 0 0; }
    BulkProductionGuard Input { background: $boost; }
    BulkProductionGuard #guard-error { color: $error; height: auto; }
    BulkProductionGuard #guard-buttons { height: auto; margin: 1 0 0 0; align-horizontal: right; }
    BulkProductionGuard #guard-buttons Button { margin: 0 0 0 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="bulk-guard-cancel")]

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        q = self.question
        with Vertical(id="guard-dialog"):
            yield Static("Bulk onboarding on PRODUCTION", id="guard-title", markup=False)
            yield Static(f"{q.where}; {q.change}:", id="guard-where", markup=False)
            yield Static(q.shown, id="guard-shown", markup=False)
            yield Label(f"Type {q.answer} ({q.answer_is}) to send {q.sends}:", id="guard-prompt")
            yield InPlaceInput(id="guard-answer", compact=True, restrict=r"[0-9]*")
            yield Static("", id="guard-error", markup=False)
            with Horizontal(id="guard-buttons"):
                yield Button("Cancel", id="guard-cancel", compact=True)
                yield Button("Send", id="guard-send", variant="error", compact=True)
        # The keys are shown as every confirmation in the console shows them.
        yield KeyHints()

    def on_mount(self) -> None:
        self.query_one("#guard-answer", Input).focus()

    @on(Input.Submitted, "#guard-answer")
    def _submitted(self, event: Input.Submitted) -> None:
        # The submitted value, not the box's: a fast "20⏎" is judged on what was typed.
        self._judge(event.value)

    @on(Button.Pressed, "#guard-send")
    def _send(self) -> None:
        self._judge(self.query_one("#guard-answer", Input).value)

    @on(Button.Pressed, "#guard-cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def _judge(self, typed: str) -> None:
        if typed.strip() == self.question.answer:
            self.dismiss(True)
            return
        self.query_one("#guard-error", Static).update(
            f"Not sent: type {self.question.answer}, {self.question.answer_is}, or press Esc to cancel."
        )
