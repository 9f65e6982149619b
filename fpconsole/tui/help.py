"""`?` / F1: every binding that works on the current screen, plus the section's purpose."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

GLOBAL_NOTES = (
    ("ctrl+p", "command palette: actions for the selection, themes, sections"),
    (":", "open by id: card 7001234 · client CL-100045 · request <uuid> · clients · cards · requests"),
    ("/", "filter the list in view: words (id, name, phone, last 4) and status: product: client: since:7d"),
    ("w", "save the filter as a view · :view NAME opens it · :view lists them · :view delete NAME"),
    ("F2 F3 F4", "Clients · Cards · Requests"),
    ("F5", "Transactions · :statement <card_id> opens a card's statement"),
    ("F6", "Bulk onboarding from a CSV file"),
    ("F7", "Sandbox: top up, settle, clock, faults, seed, reset, backups, card history"),
    ("F8", "save an SVG screenshot (secrets masked)"),
    ("ctrl+q", "quit"),
)


# The bindings behind each note's keys (id, default key): with [keys] in config.toml the note
# shows the user's keys instead.
NOTE_BINDINGS: dict[str, tuple[tuple[str, str], ...]] = {
    ":": (("command-line", "colon"),),
    "/": (("filter", "slash"),),
    "w": (("save-view", "w"),),
    "F2 F3 F4": (("clients", "f2"), ("cards", "f3"), ("requests", "f4")),
    "F5": (("transactions", "f5"),),
    "F6": (("bulk-onboarding", "f6"),),
    "F7": (("sandbox", "f7"),),
    "F8": (("screenshot", "f8"),),
    "ctrl+q": (("quit", "ctrl+q"),),
}


def note_keys(app: App[Any], label: str) -> str:
    """A note's keys as the user has them (the label as written when no [keys] is set)."""
    from fpconsole.tui.keymap import keys_for

    ids = NOTE_BINDINGS.get(label)
    if not ids or not any(binding_id in app._keymap for binding_id, _default in ids):
        return label
    return " ".join(keys_for(app, binding_id, default, joiner=" ") for binding_id, default in ids)


# Keys every Textual screen has (focus, copy): listed last, after what this console adds.
_TEXTUAL_SCREEN_KEYS = frozenset(binding.action for binding in Binding.make_bindings(Screen.BINDINGS))


def binding_rows(screen: Screen[Any]) -> list[tuple[str, str]]:
    """The section's own keys first, then the app's, then the focused widget's (cursor keys and
    the like) and Textual's generic ones: at 80x24 what this section can do must show first."""
    ranked: list[tuple[int, int, tuple[str, str]]] = []
    seen: set[str] = set()
    for order, (node, binding, _enabled, _tooltip) in enumerate(screen.active_bindings.values()):
        if binding.description and binding.key not in seen and _offered(screen, binding.action):
            seen.add(binding.key)
            if binding.action in _TEXTUAL_SCREEN_KEYS:
                rank = 3
            else:
                rank = 0 if node is screen else 1 if node is screen.app else 2
            ranked.append((rank, order, (screen.app.get_key_display(binding), binding.description)))
    return [row for _rank, _order, row in sorted(ranked)]


def _offered(screen: Screen[Any], action: str) -> bool:
    offers = getattr(screen.app, "offers", None)
    return not callable(offers) or bool(offers(action))


def global_notes(screen: Screen[Any]) -> list[tuple[str, str]]:
    """The notes that hold on this profile (F7 only where there is a Sandbox section)."""
    return [note for note in GLOBAL_NOTES if note[0] != "F7" or _offered(screen, "sandbox")]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 100%; height: auto; max-height: 90%; border: round $primary; background: $surface; padding: 0 1; }
    HelpScreen .title { text-style: bold; color: $primary; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "dismiss", "Close", id="help-close"),
    ]

    def __init__(self, target: Screen[Any]) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        section = getattr(self.target, "SECTION", "") or "fpconsole"
        about = getattr(self.target, "HELP", "")
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key, description in binding_rows(self.target):
            keys.add_row(key, description)
        notes = Table.grid(padding=(0, 2))
        notes.add_column(style="bold", no_wrap=True)
        notes.add_column()
        for key, description in global_notes(self.target):
            notes.add_row(note_keys(self.app, key), description)
        with VerticalScroll():
            yield Static(f"Help · {section}", classes="title")
            if about:
                yield Static(about)
            yield Static("")
            yield Static(keys)
            yield Static("")
            yield Static(notes)
            yield Static("\nesc closes", classes="hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
