"""A small menu of the actions the selection allows; unavailable ones are shown disabled so the
user learns why (e.g. Unblock on an active card). Each line's key chooses it directly, as the
same key does on the list; arrows and Enter work too."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from fpconsole.tui.screens.base import Action


class ActionsMenu(ModalScreen["Action | None"]):
    DEFAULT_CSS = """
    ActionsMenu { align: center middle; }
    ActionsMenu > Vertical { width: 52; height: auto; max-height: 22; border: round $primary; background: $surface; padding: 0 1; }
    ActionsMenu Label { text-style: bold; width: 1fr; }
    ActionsMenu OptionList, ActionsMenu OptionList:focus { height: auto; max-height: 18; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Close", id="actions-close")]

    def __init__(self, title: str, actions: list[Action]) -> None:
        super().__init__()
        self.menu_title = title
        self.actions = actions

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Actions · {self.menu_title}")
            yield OptionList(
                *[
                    Option(
                        f"[b]{a.key}[/b]  {a.title}" + ("" if a.available else "  (not in this state)"),
                        id=str(index),
                        disabled=not a.available,
                    )
                    for index, a in enumerate(self.actions)
                ]
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        key = event.character
        if not key or not key.isprintable() or key.isspace():
            return
        for action in self.actions:
            if action.key == key:
                event.stop()
                event.prevent_default()
                if action.available:
                    self.dismiss(action)
                else:
                    self.notify(action.refusal, severity="warning")
                return

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.actions[int(event.option.id or 0)])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
