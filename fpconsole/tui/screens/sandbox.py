"""Sandbox (F7, `:sandbox`; sandbox profiles only): fund, settle, fail and rewind the sandbox
without leaving the keyboard.

A menu on the left picks a panel: Top up a card, Settle · clock · delay, Faults, Seed · reset,
Backups, Card history. Each panel is a few boxes and buttons; Enter in a box (or ctrl+s, F9) runs
that box's action, esc goes back to the menu. Every call runs in a worker, so the console keeps
answering keys; a refusal is shown under the box it is about (or on the panel's result line) and
the boxes keep what was typed. What changes the lists (a top-up, a reset, a seed, a loaded
backup) refreshes them, and faults in force are shown in every section's top bar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Final

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from fpconsole.api.outcome import LATE_ANSWER_S
from fpconsole.tui import sandbox_inputs as inputs
from fpconsole.tui.keymap import SEND_KEYS
from fpconsole.tui.sandbox_calls import (
    CALLS,
    WORKING,
    backup_line,
    describe_answer,
    field_of,
    history_columns,
    history_row,
    still_working,
)
from fpconsole.tui.sandbox_state import faults_news, faults_text, set_faults
from fpconsole.tui.widgets.in_place import InPlaceInput
from fpconsole.tui.widgets.key_hints import KeyHints
from fpconsole.tui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from fpconsole.api.sandbox_control import Faults
    from fpconsole.tui.app import FpConsoleApp
    from fpconsole.tui.backend import ConsoleBackend


@dataclass(frozen=True, slots=True)
class Panel:
    key: str  # the panel's id and the letter that opens it
    letter: str
    title: str


PANELS: Final = (
    Panel("topup", "t", "Top up a card"),
    Panel("clock", "c", "Settle · clock"),
    Panel("faults", "f", "Faults"),
    Panel("data", "d", "Seed · reset"),
    Panel("backups", "b", "Backups"),
    Panel("history", "h", "Card history"),
)

# Which action Enter (or ctrl+s) in a box runs.
BOX_ACTIONS: Final = {
    "card_id": "topup",
    "amount": "topup",
    "currency": "topup",
    "advance": "advance",
    "delay": "delay",
    "method": "faults",
    "latency": "faults",
    "error_rate": "faults",
    "timeout_rate": "faults",
    "drop_rate": "faults",
    "count": "seed",
    "backup": "save",
    "history_card": "history",
}
# After this long without an answer, a call's result line says the sandbox is still working.
STILL_WORKING_AFTER_S = LATE_ANSWER_S
# The panel each action reports on (its result line, its busy state).
ACTION_PANEL: Final = {
    "topup": "topup",
    "settle": "clock",
    "advance": "clock",
    "delay": "clock",
    "faults": "faults",
    "clear_faults": "faults",
    "seed": "data",
    "reset": "data",
    "save": "backups",
    "load": "backups",
    "list_backups": "backups",
    "history": "history",
}
# A field the sandbox names in a refusal → the box it is about, per panel.
SERVER_FIELDS: Final = {
    "topup": {"card_id": "card_id", "amount": "amount", "currency": "currency"},
    "clock": {"seconds": "advance", "delay": "delay"},
    "faults": {
        "latency": "latency",
        "latency_ms": "latency",
        "error_rate": "error_rate",
        "timeout_rate": "timeout_rate",
        "drop_rate": "drop_rate",
        "methods": "method",
    },
    "data": {"count": "count"},
    "backups": {"name": "backup"},
    "history": {"card_id": "history_card"},
}
LABELS: Final = {
    "card_id": "Card id",
    "amount": "Amount",
    "currency": "Currency",
    "advance": "Advance by",
    "delay": "Delay",
    "method": "Method",
    "latency": "Latency",
    "error_rate": "Error rate",
    "timeout_rate": "Timeouts",
    "drop_rate": "Drops",
    "count": "Clients",
    "backup": "Name",
    "history_card": "Card id",
}
# What only reads the sandbox: allowed on a read-only profile; everything else changes it.
READS: Final = frozenset({"list_backups", "history"})


def _named_in(message: str) -> str:
    """'name' from "name: a backup named 'x' exists" (a refusal that names its field only in
    its words), '' when it names none."""
    head, colon, _rest = message.partition(": ")
    return head if colon and head.replace("_", "").replace(".", "").isalnum() and " " not in head else ""


def boxes_to_correct(count: int) -> str:
    return "1 box" if count == 1 else f"{count} boxes"


def boxes_of(action: str) -> list[str]:
    """The boxes an action reads (their error lines are its to show and clear)."""
    if action == "load":
        return ["backup"]
    return [key for key, name in BOX_ACTIONS.items() if name == action]


class BackupList(OptionList):
    """The saved backups; Enter on one loads it. With the focus here a backup is highlighted, so
    Enter works at once (QA: Tab in highlighted none, and Enter did nothing)."""

    def on_focus(self) -> None:
        if self.highlighted is None:
            self.action_first()  # the first enabled: none while the list only says there are none

    def show(self, options: Iterable[Option]) -> None:
        """The list read again (after a Save or a Load, say): the backup highlighted stays so if it
        is still there; with the focus here, the first one is highlighted otherwise."""
        was = self.highlighted_option
        self.set_options(options)
        again = next(
            (index for index, option in enumerate(self.options) if was is not None and option.id == was.id),
            None,
        )
        if again is not None:
            self.highlighted = again
        elif self.has_focus:
            self.action_first()


class SandboxScreen(Screen[None]):
    SECTION: ClassVar[str] = "Sandbox"
    HELP: ClassVar[str] = (
        "Fund, settle, fail and rewind the sandbox this profile talks to (this partner's data "
        "only). Pick a panel in the menu (or its letter), Enter moves into it; Enter in a box or "
        "ctrl+s (or F9) runs that box's action; esc goes back to the menu."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(SEND_KEYS, "run", "Run", id="sandbox-run"),
        Binding("escape", "menu", "Menu", id="sandbox-menu"),
        *(
            Binding(panel.letter, f"panel('{panel.key}')", panel.title, show=False, id=f"sandbox-{panel.key}")
            for panel in PANELS
        ),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    DEFAULT_CSS = """
    SandboxScreen #sb-body { height: 1fr; }
    SandboxScreen #sb-menu { width: 26; height: 1fr; border: none; border-right: solid $panel-lighten-2; }
    SandboxScreen.-narrow #sb-menu { width: 24; }
    SandboxScreen #sb-panels { width: 1fr; height: 1fr; }
    SandboxScreen .panel { height: 1fr; padding: 0 1; }
    SandboxScreen .panel-title { text-style: bold; color: $primary; }
    SandboxScreen .about { color: $text-muted; }
    SandboxScreen .box { height: auto; }
    SandboxScreen .box-line { height: 1; }
    SandboxScreen .box-line Label { width: 13; }
    SandboxScreen .box-line Input { width: 1fr; max-width: 40; }
    SandboxScreen .box Label.-error { color: $error; display: none; padding: 0 0 0 13; width: 1fr; height: auto; }
    SandboxScreen .box Label.-error.-shown { display: block; }
    SandboxScreen .buttons { height: 1; margin: 1 0 0 0; }
    SandboxScreen .buttons Button { margin: 0 2 0 0; width: auto; min-width: 0; }
    SandboxScreen.-narrow TopBar > #host { display: none; }
    SandboxScreen .state { margin: 1 0 0 0; }
    SandboxScreen .result { margin: 1 0 0 0; }
    SandboxScreen .result.-ok { color: $success; }
    SandboxScreen .result.-failed { color: $error; }
    SandboxScreen .result.-busy { color: $warning; }
    SandboxScreen #backup-list { height: auto; max-height: 8; margin: 1 0 0 0; }
    SandboxScreen #history-table { height: auto; max-height: 20; margin: 1 0 0 0; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.busy: set[str] = set()  # panels with a call in flight
        self.prefilled_card: str | None = None  # the card id last put in by selection
        self.history: list[dict[str, Any]] = []
        self.backups: list[dict[str, Any]] = []
        self.left_section = False  # suspended by a switch to another section (not a dialog)
        # Boxes whose red line is the console's own check (not the sandbox's answer): typing in
        # another box can make it moot ("Nothing to inject" goes once a rate is typed).
        self.checked_errors: set[str] = set()

    @property
    def fp_app(self) -> FpConsoleApp:
        from fpconsole.tui.app import FpConsoleApp

        assert isinstance(self.app, FpConsoleApp)
        return self.app

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TopBar.for_context(self.fp_app.context, self.SECTION)
        with Horizontal(id="sb-body"):
            yield OptionList(
                *(Option(f"{panel.letter}  {panel.title}", id=panel.key) for panel in PANELS), id="sb-menu"
            )
            with ContentSwitcher(id="sb-panels", initial="panel-topup"):
                yield from self._panels()
        yield KeyHints()

    def _panels(self) -> Iterable[VerticalScroll]:
        yield self._panel(
            "topup",
            "Top up a card",
            "Money on the card at once (a sandbox-only credit), so transactions have funds.",
            [
                self._box("card_id", "7001234"),
                self._box("amount", "50000"),
                self._box("currency", "KZT", "KZT"),
            ],
            [("btn-topup", "Top up")],
        )
        yield self._panel(
            "clock",
            "Settle · clock · delay",
            "Changes answer 'process' and settle after the delay: settle them now, move the "
            "sandbox's clock forward (statements, expiries), or change the delay.",
            [self._box("advance", "90s, 2h, 1d"), self._box("delay", "1.5s, 0 = at the next call")],
            [("btn-settle", "Settle now"), ("btn-advance", "Advance"), ("btn-delay", "Set delay")],
            state="clock-state",
        )
        yield self._panel(
            "faults",
            "Faults",
            "Make this partner's requests fail on purpose. Set replaces the faults in force; empty "
            "boxes inject nothing; a method limits the faults to it.",
            [
                self._box("method", "every method, or card.block"),
                self._box("latency", "200ms"),
                self._box("error_rate", "30%"),
                self._box("timeout_rate", "5%"),
                self._box("drop_rate", "5%"),
            ],
            [("btn-faults", "Set faults"), ("btn-clear-faults", "Clear faults")],
            state="faults-state",
        )
        yield self._panel(
            "data",
            "Seed · reset",
            "Add demo clients (cards in every status, six months of history), or erase this "
            "partner's clients, cards and transactions (other partners keep theirs).",
            [self._box("count", "10")],
            [("btn-seed", "Seed"), ("btn-reset", "Reset data…")],
        )
        yield self._panel(
            "backups",
            "Backups",
            "Save this partner's sandbox as it is now, and go back to it later (Enter on a "
            "backup in the list loads it).",
            [self._box("backup", "before-refunds")],
            [("btn-save", "Save"), ("btn-load", "Load…"), ("btn-list", "List")],
            extra=[BackupList(id="backup-list")],
        )
        yield self._panel(
            "history",
            "Card history",
            "Every state change and ledger entry of a card, oldest first.",
            [self._box("history_card", "7001234")],
            [("btn-history", "Show")],
            extra=[self._history_table()],
        )

    def _box(self, key: str, placeholder: str, value: str = "") -> Vertical:
        field = InPlaceInput(
            value=value,
            placeholder=placeholder,
            id=f"sb-{key}",
            compact=True,
            select_on_focus=False,
        )
        field.cursor_blink = False  # as in the forms: no redraws over SSH, stable snapshots
        return Vertical(
            Horizontal(Label(LABELS[key]), field, classes="box-line"),
            Label("", id=f"error-{key}", classes="-error", markup=False),
            classes="box",
            id=f"box-{key}",
        )

    def _panel(
        self,
        key: str,
        title: str,
        about: str,
        boxes: list[Vertical],
        buttons: list[tuple[str, str]],
        *,
        state: str | None = None,
        extra: list[Any] | None = None,
    ) -> VerticalScroll:
        children: list[Any] = [
            Static(title, classes="panel-title"),
            Static(about, classes="about", markup=False),
            *boxes,
            Horizontal(
                *(Button(text, id=button_id, compact=True) for button_id, text in buttons), classes="buttons"
            ),
        ]
        if state:
            children.append(Static("", id=state, classes="state", markup=False))
        children.append(Static("", id=f"result-{key}", classes="result", markup=False))
        children += extra or []
        return VerticalScroll(*children, id=f"panel-{key}", classes="panel", can_focus=False)

    def on_mount(self) -> None:
        menu = self.query_one("#sb-menu", OptionList)
        menu.highlighted = 0
        self.set_focus(menu)  # at once: a panel letter typed right behind F7 keeps its own focus
        self._show_faults(faults_text(self.app))
        # Kept current whoever changes them (the console reads them every few seconds).
        faults_news(self.app).subscribe(self, lambda shown: self._show_faults(shown.summary))
        # The selection and the sandbox's state are read on screen resume, the first time too.

    def on_screen_suspend(self) -> None:
        # Left for another section (F2, `:card …`, the palette), not covered by one of this
        # section's dialogs: by the time this is handled the app shows another mode's stack.
        self.left_section = self not in self.app.screen_stack

    def on_screen_resume(self) -> None:
        """Back in the section: the selection in Cards, and the sandbox's state as it is now
        (the backend may have come up since, or the CLI changed the faults).

        Arriving from another section, the focus is on the menu, as on the first visit: the
        section's keys work (a panel's letter, `:`, the F-keys) and nothing typed lands in the
        box that had the focus when the operator left (QA: `b` typed on arrival read `100%b` in
        Timeouts, `:card …` went into Delay and ctrl+s sent it). The panel left is still shown;
        Enter or Tab goes back into it. Back from a dialog of this section, the focus stays."""
        if self.left_section:
            self.left_section = False
            self.action_menu()
        self.prefill_card()
        self.read_state()

    # --- navigation -----------------------------------------------------------------------------

    @property
    def panel(self) -> str:
        return (self.query_one("#sb-panels", ContentSwitcher).current or "panel-topup").removeprefix("panel-")

    @on(OptionList.OptionHighlighted, "#sb-menu")
    def _menu_moved(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.query_one("#sb-panels", ContentSwitcher).current = f"panel-{event.option.id}"
            if event.option.id == "backups" and not self.backups:
                self.refresh_backups()

    @on(OptionList.OptionSelected, "#sb-menu")
    def _menu_chosen(self, event: OptionList.OptionSelected) -> None:
        self._enter_panel()

    def _enter_panel(self) -> None:
        panel = self.query_one(f"#panel-{self.panel}")
        first = panel.query(Input).first(Input)
        # At once, not first.focus() (which waits for the next refresh): a Tab typed right behind
        # the panel's letter must move on from this box. Its styles first: a panel the switcher
        # has just shown is still display:none until then, and could not take the focus.
        self.app.update_styles(panel)
        self.set_focus(first)
        if first.value and first.value == self.prefilled_card:
            first.select_all()  # put in from Cards: a typed id replaces it, Tab keeps it
        else:
            first.cursor_position = len(first.value)

    def action_panel(self, key: str) -> None:
        menu = self.query_one("#sb-menu", OptionList)
        menu.highlighted = next(i for i, panel in enumerate(PANELS) if panel.key == key)
        self.query_one("#sb-panels", ContentSwitcher).current = f"panel-{key}"
        self._enter_panel()

    def action_menu(self) -> None:
        self.set_focus(self.query_one("#sb-menu", OptionList))  # at once, as _enter_panel

    def palette_commands(self) -> list[SystemCommand]:
        """ctrl+p here: each panel, and the two things done without typing anything."""
        found = [
            SystemCommand(
                panel.title, f"Sandbox panel (key {panel.letter})", partial(self.action_panel, panel.key)
            )
            for panel in PANELS
        ]
        if not self.fp_app.context.read_only:
            found += [
                SystemCommand(
                    "Settle pending requests now",
                    "Sandbox: every request in process settles",
                    partial(self.run, "settle"),
                ),
                SystemCommand(
                    "Clear faults",
                    "Sandbox: requests are answered normally again",
                    partial(self.run, "clear_faults"),
                ),
            ]
        return found

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # esc "Menu" only where it moves something; in the menu the app's own esc is left alone.
        if action == "menu":
            return self.focused is not self.query_one("#sb-menu", OptionList)
        return True

    # --- what the operator selected elsewhere ---------------------------------------------------

    def selected_card(self) -> str | None:
        """The card highlighted in Cards, if that section was opened."""
        from fpconsole.tui.screens.cards import CardsScreen

        for screen in self.fp_app._visible_and_base_screens():
            if isinstance(screen, CardsScreen) and screen.is_mounted:
                row = screen.table.current_row
                return row.key if row is not None else None
        return None

    def prefill_card(self) -> None:
        """The card selected in Cards goes into the top-up and history boxes, unless the operator
        typed another one there."""
        card = self.selected_card()
        if not card:
            return
        for key in ("card_id", "history_card"):
            box = self.query_one(f"#sb-{key}", Input)
            if not box.value or box.value == self.prefilled_card:
                box.value = card
        self.prefilled_card = card

    # --- running --------------------------------------------------------------------------------

    def action_run(self) -> None:
        focused = self.focused
        if isinstance(focused, Button):
            focused.press()
            return
        if isinstance(focused, Input) and focused.id:
            self.run(BOX_ACTIONS.get(focused.id.removeprefix("sb-"), ""))
            return
        primary = {"topup": "topup", "clock": "settle", "faults": "faults", "data": "seed"}
        self.run(primary.get(self.panel, {"backups": "save", "history": "history"}.get(self.panel, "")))

    @on(Input.Submitted)
    def _box_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id:
            self.run(BOX_ACTIONS.get(event.input.id.removeprefix("sb-"), ""))

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        action = {
            "btn-topup": "topup",
            "btn-settle": "settle",
            "btn-advance": "advance",
            "btn-delay": "delay",
            "btn-faults": "faults",
            "btn-clear-faults": "clear_faults",
            "btn-seed": "seed",
            "btn-reset": "reset",
            "btn-save": "save",
            "btn-load": "load",
            "btn-list": "list_backups",
            "btn-history": "history",
        }.get(event.button.id or "", "")
        self.run(action)

    @on(OptionList.OptionSelected, "#backup-list")
    def _backup_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.query_one("#sb-backup", Input).value = event.option.id
            self.run("load")

    def value(self, key: str) -> str:
        return self.query_one(f"#sb-{key}", Input).value

    def run(self, action: str) -> None:
        """Check the boxes the action reads; refuse in place, or start its worker."""
        if not action:
            return
        panel = ACTION_PANEL[action]
        if self.fp_app.context.read_only and action not in READS:
            self._result(
                panel, f"Read-only: {WORKING[action]} changes the sandbox; nothing was sent.", "failed"
            )
            return
        if panel in self.busy:
            self._result(panel, "Still waiting for the last answer here; try again once it shows.", "busy")
            return
        checked = self._check(action)
        boxes = boxes_of(action)
        self._show_problems(boxes if checked is not None else [], checked.problems if checked else {})
        if checked is not None and not checked.ok:
            first = next(iter(checked.problems))
            self.query_one(f"#sb-{first}", Input).focus()
            self._result(
                panel,
                f"Not sent: {boxes_to_correct(len(checked.problems))} to correct (shown in red).",
                "failed",
            )
            return
        values = checked.values if checked is not None else {}
        if action == "reset":
            self._ask_reset()
            return
        if action == "load":
            self._load_known(values["name"])
            return
        if action == "save" and values["name"] in {field_of(b, "name") for b in self.backups}:
            self._ask_replace(values["name"])
            return
        self._start(action, values)

    def _check(self, action: str) -> inputs.Checked | None:
        if action == "topup":
            return inputs.check_top_up(self.value("card_id"), self.value("amount"), self.value("currency"))
        if action == "advance":
            return inputs.check_advance(self.value("advance"))
        if action == "delay":
            return inputs.check_delay(self.value("delay"))
        if action == "faults":
            rates = {key: self.value(key) for key, _label, _plural in inputs.FAULT_RATES}
            return inputs.check_faults(self.value("method"), self.value("latency"), rates)
        if action == "seed":
            return inputs.check_count(self.value("count"))
        if action in ("save", "load"):
            return inputs.check_backup_name(self.value("backup"))
        if action == "history":
            found = inputs.Checked()
            card = self.value("history_card").strip()
            if card:
                found.values["card_id"] = card
            else:
                found.problems["history_card"] = "Card id: type the card's id, or pick a card in Cards (F3)"
            return found
        return None

    def _show_problems(self, boxes: list[str], problems: Mapping[str, str], *, checked: bool = True) -> None:
        """Each box's red line: its problem, or none. `checked`: the console's own check said
        so (False: the sandbox's answer did)."""
        for key in boxes:
            label = self.query_one(f"#error-{key}", Label)
            message = problems.get(key, "")
            label.update(message)
            label.set_class(bool(message), "-shown")
            if message and checked:
                self.checked_errors.add(key)
            else:
                self.checked_errors.discard(key)

    def _error_shown(self, key: str) -> bool:
        return self.query_one(f"#error-{key}", Label).has_class("-shown")

    @on(Input.Changed)
    def _box_changed(self, event: Input.Changed) -> None:
        """A red line goes once its box is cleared or right, or says what is wrong with it now
        (as in the forms; QA: Name and Delay kept theirs after the fix). A box with no red line
        stays quiet until the next try: no error while the operator is still typing."""
        key = (event.input.id or "").removeprefix("sb-")
        action = BOX_ACTIONS.get(key, "")
        shown = [box for box in boxes_of(action) if self._error_shown(box)]
        if not shown:
            return
        checked = self._check(action)
        problems = checked.problems if checked is not None else {}
        update: dict[str, str] = {}
        for box in shown:
            if box == key:
                update[box] = problems.get(box, "") if event.value.strip() else ""
            elif box in self.checked_errors and box not in problems:
                update[box] = ""  # moot now: "Nothing to inject" once a rate is typed
        if update:
            self._show_problems(list(update), update)
        panel = ACTION_PANEL[action]
        line = self.query_one(f"#result-{panel}", Static)
        stale = str(line.content).startswith("Not sent: ") and line.has_class("-failed")
        if stale and not any(self._error_shown(box) for box in boxes_of(action)):
            self._result(panel, "", "")  # "1 box to correct": there is none now

    def _result(self, panel: str, text: str, kind: str) -> None:
        line = self.query_one(f"#result-{panel}", Static)
        line.update(text)
        for name in ("ok", "failed", "busy"):
            line.set_class(name == kind, f"-{name}")

    # --- confirmations --------------------------------------------------------------------------

    def _ask_reset(self) -> None:
        from fpconsole.tui.confirm import ConfirmScreen, ConfirmSpec

        partner = self.partner
        spec = ConfirmSpec(
            "Reset this partner's sandbox data?",
            f"Every client, card, transaction and request of partner {partner} on this sandbox is "
            "erased (faults, delay and backups stay). Other partners keep theirs. Save a backup "
            "first if you may want it back.",
            danger=True,
            require_id=True,
            confirm_label="Reset",
        )
        self.app.push_screen(
            ConfirmScreen(spec, target=f"Partner {partner} · {self.fp_app.context.host}", target_id=partner),
            lambda answer: self._start("reset", {}) if answer is not None else self._cancelled("data"),
        )

    def _backup_names(self) -> set[str]:
        return {str(field_of(backup, "name")) for backup in self.backups}

    def _load_known(self, name: str) -> None:
        """Load… asks only about a backup that exists (QA: asked, then "no backup named"): a
        name in the list shown is asked about at once; another is looked up first, with one read
        of the list (it may have been saved since, from the CLI)."""
        if name in self._backup_names():
            self._ask_load(name)
            return
        backend = self.fp_app.backend
        if backend is None:
            self._start("load", {"name": name})  # says why nothing can be sent
            return
        self.busy.add("backups")
        self._result("backups", f"Looking for backup {name}…", "busy")
        self._find_backup(name, backend)

    # Keys typed behind Load… wait for this read (app.KEY_ROUTING_WORKERS): a `y` meant for the
    # confirmation reaches it, not the button.
    @work(exit_on_error=False, group="sandbox-find-backup")
    async def _find_backup(self, name: str, backend: ConsoleBackend) -> None:
        from fpconsole.tui.sandbox_link import control_call

        try:
            found = await control_call(backend, lambda control: control.list_backups())
        except Exception as exc:  # the operator sees it here, not a traceback
            self.busy.discard("backups")
            self._result("backups", f"Load backup: the list of backups could not be read: {exc}", "failed")
            return
        self.busy.discard("backups")
        self._list_backups(found)
        checked = inputs.check_backup_to_load(name, self._backup_names())
        self._show_problems(["backup"], checked.problems)
        if not checked.ok:
            self._result("backups", "Not sent: 1 box to correct (shown in red).", "failed")
            return
        self._result("backups", "", "")
        self._ask_load(name)

    def _ask_load(self, name: str) -> None:
        from fpconsole.tui.confirm import ConfirmScreen, ConfirmSpec

        spec = ConfirmSpec(
            f"Load backup {name}?",
            "This partner's clients, cards, balances, transactions and sandbox clock become "
            "exactly what the backup holds; what is there now is lost unless saved first.",
            danger=True,
            confirm_label="Load",
        )
        self.app.push_screen(
            ConfirmScreen(spec),
            lambda answer: (
                self._start("load", {"name": name}) if answer is not None else self._cancelled("backups")
            ),
        )

    def _ask_replace(self, name: str) -> None:
        from fpconsole.tui.confirm import ConfirmScreen, ConfirmSpec

        spec = ConfirmSpec(
            f"Replace backup {name}?",
            f"A backup named {name} exists: it is overwritten with the sandbox as it is now.",
            danger=True,
            confirm_label="Replace",
        )
        self.app.push_screen(
            ConfirmScreen(spec),
            lambda answer: (
                self._start("save", {"name": name, "replace": True})
                if answer is not None
                else self._cancelled("backups")
            ),
        )

    def _cancelled(self, panel: str) -> None:
        self._result(panel, "Cancelled: nothing was sent.", "")

    @property
    def partner(self) -> str:
        backend = self.fp_app.backend
        if backend is not None:
            return str(backend.client.auth_id)
        return str(self.fp_app.context.profile.profile.auth_id)

    # --- calls ----------------------------------------------------------------------------------

    def _start(self, action: str, values: dict[str, Any]) -> None:
        panel = ACTION_PANEL[action]
        backend = self.fp_app.backend
        if backend is None:
            from fpconsole.tui.connection import not_connected_reason

            self._result(panel, f"Not sent: {not_connected_reason(self.fp_app)}", "failed")
            return
        self.busy.add(panel)
        self._result(panel, f"{WORKING[action]}…", "busy")
        worker = self._call(action, values, backend)
        line = still_working(action, backend.client.options.read_timeout)
        self.set_timer(STILL_WORKING_AFTER_S, partial(self._say_still_working, panel, worker, line))

    def _say_still_working(self, panel: str, worker: Worker[None], line: str) -> None:
        """No answer yet: say so, unless the call has ended (a panel has one call at a time)."""
        if panel in self.busy and not worker.is_finished:
            self._result(panel, line, "busy")

    @work(exit_on_error=False, group="sandbox-control")
    async def _call(self, action: str, values: dict[str, Any], backend: ConsoleBackend) -> None:
        from fpconsole.api import errors
        from fpconsole.tui.sandbox_link import control_call

        panel = ACTION_PANEL[action]
        try:
            answer = await control_call(backend, CALLS[action](values))
        except errors.CardApiError as exc:
            self.busy.discard(panel)
            self._failed(action, exc, values)
            return
        except Exception as exc:  # whatever it was, the operator sees it here, not a traceback
            self.busy.discard(panel)
            self._result(panel, f"{WORKING[action]} failed: {type(exc).__name__}: {exc}", "failed")
            return
        self.busy.discard(panel)
        await self._done(action, values, answer, backend)

    def _failed(self, action: str, exc: Exception, values: Mapping[str, Any]) -> None:
        from fpconsole.api import errors

        panel = ACTION_PANEL[action]
        fields = SERVER_FIELDS.get(panel, {})
        placed: dict[str, str] = {}
        if isinstance(exc, errors.InvalidRequest):
            for problem in exc.errors:
                named = problem.field or _named_in(problem.message)
                top = named.split(".")[0]
                box = fields.get(top) or fields.get(named.split(".")[-1])
                if action == "delay" and top == "seconds":
                    box = "delay"
                if box:
                    message = problem.message.removeprefix(f"{named}: ")
                    placed.setdefault(box, f"{LABELS[box]}: {message}")
        elif (
            isinstance(exc, errors.ApiError)
            and exc.error_code == "not_found"
            and action in ("topup", "history")
        ):
            box = "card_id" if action == "topup" else "history_card"
            placed[box] = f"{LABELS[box]}: {exc.error_description or 'no such card'} on this sandbox"
        elif isinstance(exc, errors.ApiError) and exc.error_code == "not_found" and action == "load":
            # Gone since the list was read (deleted from the CLI): said as Load… says it, and the
            # list below is read again.
            placed["backup"] = inputs.missing_backup(values["name"], self._backup_names() - {values["name"]})
            self.refresh_backups()
            self._show_problems(list(placed), placed, checked=False)
            self._result(panel, f"{WORKING[action]} failed: the backup is not there any more.", "failed")
            return
        if placed:
            self._show_problems(list(placed), placed, checked=False)
            self.query_one(f"#sb-{next(iter(placed))}", Input).focus()
        self._result(panel, f"{WORKING[action]} failed: {exc}", "failed")

    async def _done(self, action: str, values: dict[str, Any], answer: Any, backend: ConsoleBackend) -> None:
        panel = ACTION_PANEL[action]
        self._show_problems(boxes_of(action), {})
        text = describe_answer(action, values, answer)
        self._result(panel, text, "ok")
        if action in ("faults", "clear_faults"):
            self._faults_answer(answer)
        elif action == "topup":
            self._after_top_up(values["card_id"], backend)
        elif action in ("reset", "seed", "load"):
            await self._refill(backend, forget=action != "seed", panel=panel, text=text)
        elif action in ("settle", "advance"):
            from fpconsole.tui.messages import CacheChanged

            self.app.post_message(CacheChanged())
        if action == "list_backups":
            self._list_backups(answer)
        elif action in ("save", "load"):
            self.refresh_backups()
        if action == "history":
            self._show_history(answer)
        if action in ("advance", "delay", "settle", "reset", "load"):
            self.read_state()

    def _after_top_up(self, card_id: str, backend: ConsoleBackend) -> None:
        """The lists follow (CacheChanged), and Cards shows the card's new balance."""
        from fpconsole.tui.messages import CacheChanged
        from fpconsole.tui.screens.cards import CardsScreen

        self.app.post_message(CacheChanged())
        for screen in self.fp_app._visible_and_base_screens():
            if isinstance(screen, CardsScreen) and screen.is_mounted:
                screen.fetched.pop(card_id, None)
                row = screen.table.current_row
                if row is not None and row.key == card_id:
                    screen.fetch_card(card_id)

    async def _refill(self, backend: ConsoleBackend, *, forget: bool, panel: str, text: str) -> None:
        from fpconsole.tui.sandbox_link import refill_lists
        from fpconsole.tui.screens.cards import CardsScreen

        if forget:  # balances and limits Cards read from the data that is gone
            for screen in self.fp_app._visible_and_base_screens():
                if isinstance(screen, CardsScreen):
                    screen.fetched.clear()
        try:
            await refill_lists(backend, forget=forget)
        except Exception as exc:  # the sandbox changed; only the local lists lag behind
            self._result(
                panel, f"{text} The lists could not be refreshed: {exc} (ctrl+r in a list).", "failed"
            )

    # --- state shown ----------------------------------------------------------------------------

    def _faults_answer(self, answer: Faults) -> None:
        from fpconsole.tui.fault_phrases import from_faults

        shown = from_faults(answer)
        set_faults(self.app, shown)
        self._show_faults(shown.summary)

    def _show_faults(self, summary: str) -> None:
        self.query_one("#faults-state", Static).update(
            f"In force: {summary}" if summary else "In force: none (requests are answered normally)"
        )

    @work(exclusive=True, exit_on_error=False, group="sandbox-read-state")  # reads only
    async def read_state(self) -> None:
        """Faults, delay and clock as the sandbox has them for this partner (reads)."""
        from fpconsole.tui.sandbox_link import control_call, read_state

        backend = self.fp_app.backend
        if backend is None:
            return
        try:
            state = await control_call(backend, read_state)
        except Exception:
            return  # an older sandbox without these reads: the panels still work
        if state.faults is not None:
            self._faults_answer(state.faults)
        self.query_one("#clock-state", Static).update(state.clock_line())

    @work(exit_on_error=False, group="sandbox-state")
    async def refresh_backups(self) -> None:
        """The list of backups, read again without touching the panel's result line."""
        from fpconsole.tui.sandbox_link import control_call

        backend = self.fp_app.backend
        if backend is None:
            return
        try:
            found = await control_call(backend, lambda control: control.list_backups())
        except Exception:
            return  # the panel still saves and loads by name; List says what went wrong
        self._list_backups(found)

    def _list_backups(self, answer: Any) -> None:
        backups = list(answer or ())
        self.backups = backups
        self.query_one("#backup-list", BackupList).show(
            [Option(backup_line(backup), id=str(field_of(backup, "name", ""))) for backup in backups]
            or [Option("No backups yet: type a name and Save.", disabled=True)]
        )

    @staticmethod
    def _history_table() -> DataTable[str]:
        table: DataTable[str] = DataTable(id="history-table", cursor_type="row", zebra_stripes=False)
        table.add_columns(*history_columns())
        table.display = False  # until a card's history is shown
        return table

    def _show_history(self, answer: Any) -> None:
        """Oldest first, as the sandbox keeps it; the cursor on the newest (the last change is
        usually what was being checked). Tab reaches the table, arrows and PgUp scroll it."""
        table = self.query_one("#history-table", DataTable)
        table.clear()
        for event in field_of(answer, "events", ()) or ():
            table.add_row(*history_row(event))
        table.display = table.row_count > 0
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)
