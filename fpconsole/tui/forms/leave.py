"""Leaving a form with typed content asks first: discard it, keep it as a draft, or go back.

Keys, shown in the dialog's footer: `y` discards (the question is "Discard what you typed?"),
`n` and Esc go back to the form, `k` keeps a draft; Enter presses the focused button, which
starts on "Back to the form", so a stray Enter loses nothing."""

from __future__ import annotations

from typing import ClassVar, Final, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from fpconsole.tui.forms.styles import default_css
from fpconsole.tui.widgets.key_hints import KeyHints

LeaveChoice = Literal["discard", "keep", "stay"]
_CHOICES: dict[str, LeaveChoice] = {"leave-keep": "keep", "leave-discard": "discard"}
_BACK: Final = "Back to the form"
_BACK_KEY: Final = "Back"  # the footer's word for it: five keys fit in 80 columns


class LeaveScreen(ModalScreen[LeaveChoice]):
    DEFAULT_CSS = default_css("leave.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "choose('discard')", "Discard", id="leave-discard"),
        Binding("n", "choose('stay')", _BACK_KEY, id="leave-stay"),
        Binding("k", "choose('keep')", "Keep as draft", id="leave-keep"),
        # Enter presses the focused button; the footer says which (check_action). Priority:
        # before the button's own Enter, which the footer would not show.
        Binding("enter", "enter('stay')", _BACK_KEY, priority=True, id="leave-enter"),
        Binding("enter", "enter('keep')", "Keep as draft", priority=True, id="leave-enter"),
        Binding("enter", "enter('discard')", "Discard", priority=True, id="leave-enter"),
        Binding("escape", "stay", _BACK_KEY, id="leave-back"),
    ]

    def __init__(self, *, can_keep: bool) -> None:
        super().__init__()
        self.can_keep = can_keep

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Discard what you typed?", id="leave-title")
            if self.can_keep:
                yield Static("Keep it as a draft and the form opens with it next time.", classes="hint")
            with Horizontal(id="leave-buttons"):
                yield Button(_BACK, id="leave-stay")
                if self.can_keep:
                    yield Button("Keep as draft", id="leave-keep")
                yield Button("Discard", id="leave-discard", variant="error")
        yield KeyHints()

    def on_mount(self) -> None:
        # The safe answer has the focus: Enter goes back to the form.
        self.query_one("#leave-stay", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(_CHOICES.get(event.button.id or "", "stay"))

    def action_stay(self) -> None:
        self.dismiss("stay")

    def action_choose(self, choice: LeaveChoice) -> None:
        self.dismiss(choice)

    def action_enter(self, choice: LeaveChoice) -> None:
        self.dismiss(choice)

    def _focused_choice(self) -> LeaveChoice:
        focused = self.focused
        return _CHOICES.get(focused.id or "", "stay") if isinstance(focused, Button) else "stay"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if parameters == ("keep",) and not self.can_keep:
            return False
        if action == "enter":
            return parameters == (self._focused_choice(),)
        return True
