"""`:` opens anything by id, k9s style: `:card 7001234`, `:client CL-100045`, `:request <uuid>`,
`:clients`, `:cards`, `:requests`, `:transactions`, `:transaction <id>`, `:statement <card_id>`,
`:view NAME` (a saved filter). An id not seen before is fetched and cached."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input

from fpconsole.tui.widgets.in_place import InPlaceInput

if TYPE_CHECKING:
    from fpconsole.tui.app import FpConsoleApp

SECTIONS = {
    "clients": "clients",
    "cards": "cards",
    "requests": "requests",
    "client": "clients",
    "card": "cards",
    "request": "requests",
    "req": "requests",
    "transactions": "transactions",
    "transaction": "transactions",
    "tx": "transactions",
    "statement": "statement",
    "bulk": "bulk",
    "sandbox": "sandbox",
}


class CommandLine(ModalScreen[str | None]):
    DEFAULT_CSS = """
    CommandLine { align: center top; background: $background 30%; }
    CommandLine > Input { width: 80%; margin-top: 2; border: tall $accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="command-line-cancel")]

    def compose(self) -> ComposeResult:
        box = InPlaceInput(
            placeholder=":card 7001234 · :client CL-100045 · :request <uuid> · :statement 7001234",
            id="command",
        )
        box.cursor_blink = False  # as in the forms: no redraws over SSH, stable snapshots
        yield box

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip().lstrip(":"))

    def action_cancel(self) -> None:
        self.dismiss(None)


def parse(text: str) -> tuple[str, str]:
    """('cards', '7001234') for 'card 7001234'; ('', '') when the word is unknown."""
    word, _, rest = text.strip().lstrip(":").partition(" ")
    section = SECTIONS.get(word.lower(), "")
    return section, rest.strip()


# The longest argument that can be an id or a view name: a request_id has 36 characters; card,
# client and transaction ids and view names are shorter. Longer is a paste gone wrong.
LONGEST_ARGUMENT = 64
# What a message repeats of the operator's input, at most (a toast is 60 cells wide).
QUOTE_LIMIT = 40
_WORDS = frozenset(SECTIONS) | {"view", "views", "scenario", "scenarios"}


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` as a message repeats it: whole (in quotes) when short; else its start and its
    length, "'card 70012…' (2,000 characters)", so a long paste never fills the screen."""
    whole = repr(text)
    if len(whole) <= limit:
        return whole
    head = ""
    for char in text:  # by what repr shows: a control character takes 4 cells or more
        if len(repr(head + char)) > limit - 1:
            break
        head += char
    return f"{head + '…'!r} ({len(text):,} characters)"


def execute(app: FpConsoleApp, text: str) -> None:
    word, _, rest = text.strip().lstrip(":").partition(" ")
    argument = rest.strip()
    if word.lower() not in _WORDS:
        app.notify(
            f"Unknown command {quoted(text)}. Try :card ID, :client ID, :request ID.", severity="warning"
        )
        return
    if word.lower() in ("scenario", "scenarios"):  # :scenarios picks a file, :scenario FILE runs it
        open_scenarios(app, argument)
        return
    if len(argument) > LONGEST_ARGUMENT:
        what = "a view name" if word.lower() in ("view", "views") else "an id"
        app.notify(
            f":{word} {quoted(argument)} is too long for {what} (at most {LONGEST_ARGUMENT} "
            "characters): nothing opened.",
            severity="warning",
        )
        return
    if word.lower() in ("view", "views"):  # saved filters: :view NAME, :view delete NAME, :view
        from fpconsole.tui.saved_views import run_command

        run_command(app, argument)
        return
    section, argument = parse(text)
    if section == "statement":
        if argument:
            app.open_statement(argument)
        else:
            app.notify("Which card? :statement 7001234", severity="warning")
        return
    if section == "sandbox":  # F7's own answer where there is no Sandbox section
        app.action_sandbox()
        return
    if section not in app._modes:
        app.notify(f"{section} is not available yet.", severity="warning")
        return
    app.switch_mode(section)
    if section == "cards":
        # `:cards` shows all cards; `:card ID` of another client's card leaves the client filter.
        app.call_after_refresh(_prepare_cards, app, argument)
    if argument and section == "transactions":
        from fpconsole.tui.screens.transactions import open_transaction

        app.call_after_refresh(open_transaction, app, argument)
    elif argument:
        app.call_after_refresh(app.open_entity, section, argument)


def _prepare_cards(app: FpConsoleApp, card_id: str) -> None:
    from fpconsole.tui.screens.cards import CardsScreen

    screen = app.screen
    if isinstance(screen, CardsScreen) and screen.is_mounted:
        screen.prepare_open(card_id)


def open_scenarios(app: FpConsoleApp, path: str = "") -> None:
    """The Scenarios screen: a list of files, or the one named run at once."""
    from pathlib import Path

    from fpconsole.tui.screens.scenarios import ScenariosScreen

    target = Path(path).expanduser() if path else None
    try:
        found = target is None or target.is_file()
    except OSError:  # a name longer than the system allows (a paste gone wrong), a bad mount
        found = False
    if not found:
        app.notify(
            f"No scenario file {quoted(path)}: give a path to a .toml file, or :scenarios to pick one.",
            severity="warning",
        )
        return
    app.push_screen(ScenariosScreen(target))
