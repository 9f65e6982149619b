"""The export menu (`e`, and "Export…" in the command palette) and "copy for ticket" (`t` on
Requests): what can be exported from the screen in view, written by `fpconsole.exports` to the
state folder's `exports/`, the path said in a toast.

Lists are exported as filtered on screen (every matching row, not only the visible page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from fpconsole import exports
from fpconsole.exports import FORMATS, Format
from fpconsole.tui import data
from fpconsole.tui.screens.base import Action

if TYPE_CHECKING:
    from textual.screen import Screen

    from fpconsole.tui.app import FpConsoleApp

MAX_ROWS: Final = 100_000  # the cache's own bound per kind


@dataclass(frozen=True, slots=True)
class ExportChoice:
    title: str  # "Transactions (filtered: 42)"
    stem: str  # the file name's start
    render: Callable[[Format], str]
    formats: tuple[Format, ...] = FORMATS


def _now(app: FpConsoleApp) -> datetime:
    clock = app.context.client_clock
    found = clock() if clock is not None else None
    return found if isinstance(found, datetime) else datetime.now(UTC)


def save(app: FpConsoleApp, choice: ExportChoice, fmt: Format) -> Path | None:
    try:
        text = choice.render(fmt)
        path = exports.write_export(text, choice.stem, fmt, now=_now(app))
    except OSError as exc:
        app.notify(f"Export failed: {exc}", title="Export", severity="error", timeout=8)
        return None
    app.notify(f"Saved {path}", title="Export", timeout=10)
    return path


def page_export(app: FpConsoleApp, choice: ExportChoice) -> None:
    """The export's text in $PAGER (or in the console), nothing written to disk."""
    from fpconsole.tui.text_pager import show_text

    try:
        text = choice.render(choice.formats[0])
    except OSError as exc:
        app.notify(f"Export failed: {exc}", title="Export", severity="error", timeout=8)
        return
    show_text(app, choice.title, text)


def open_export_menu(app: FpConsoleApp, title: str, choices: Sequence[ExportChoice]) -> None:
    from fpconsole.tui.actions_menu import ActionsMenu

    if not choices:
        app.notify("Nothing to export here.", timeout=3)
        return
    actions: list[Action] = []
    for choice in choices:
        for fmt in choice.formats:
            actions.append(
                Action(
                    str(len(actions) + 1),
                    f"{choice.title} · {fmt.upper()}",
                    lambda choice=choice, fmt=fmt: save(app, choice, fmt),  # type: ignore[misc]
                    changes_state=False,
                )
            )
        actions.append(
            Action(
                str(len(actions) + 1),
                f"{choice.title} · view in pager",
                lambda choice=choice: page_export(app, choice),  # type: ignore[misc]
                changes_state=False,
            )
        )

    def run(chosen: Action | None) -> None:
        if chosen is not None:
            chosen.run()

    app.push_screen(ActionsMenu(f"Export {title} (to exports/)", actions), run)


# --- what each screen offers ------------------------------------------------------------------


def _count(rows: int) -> str:
    return f"{rows:,} row{'s' if rows != 1 else ''}"


def clients_choices(app: FpConsoleApp, query: str) -> list[ExportChoice]:
    cache = app.cache
    total = data.count_clients(cache, query)

    def render(fmt: Format) -> str:
        return exports.list_export("clients", data.fetch_clients(cache, query, 0, MAX_ROWS), fmt, query=query)

    return [ExportChoice(f"Clients ({_count(total)})", "clients", render)]


def cards_choices(app: FpConsoleApp, query: str, client_id: str | None) -> list[ExportChoice]:
    cache = app.cache
    total = data.count_cards(cache, query, client_id)
    label = query if not client_id else f"{query} client:{client_id}".strip()

    def render(fmt: Format) -> str:
        rows = data.fetch_cards(cache, query, 0, MAX_ROWS, client_id)
        return exports.list_export("cards", rows, fmt, query=label)

    return [ExportChoice(f"Cards ({_count(total)})", "cards", render)]


def requests_choices(app: FpConsoleApp, query: str, selected: dict[str, Any] | None) -> list[ExportChoice]:
    backend = app.backend
    journal = backend.journal if backend is not None else None
    found: list[ExportChoice] = []
    if selected is not None:
        stem = f"request-{selected.get('request_id') or selected.get('id')}"
        found.append(
            ExportChoice(
                f"This exchange ({selected.get('method')})",
                stem,
                lambda fmt: exports.exchange_export(selected, fmt),
            )
        )
    total = data.count_requests(journal, query)
    found.append(
        ExportChoice(
            f"Requests ({_count(total)})",
            "requests",
            lambda fmt: exports.exchanges_export(data.fetch_requests(journal, query, 0, MAX_ROWS), fmt),
        )
    )
    return found


def choices_for(app: FpConsoleApp, screen: Screen[Any]) -> list[ExportChoice]:
    """What the screen in view can export (its own `export_choices()` if it has one)."""
    own = getattr(screen, "export_choices", None)
    if callable(own):
        found: list[ExportChoice] = own()
        return found
    section = getattr(screen, "SECTION", "")
    query = str(getattr(screen, "query_text", "") or "")
    if section == "Clients":
        return clients_choices(app, query)
    if section == "Cards":
        return cards_choices(app, query, getattr(screen, "client_filter", None))
    if section == "Requests":
        table = getattr(screen, "table", None)
        row = table.current_row if table is not None else None
        return requests_choices(app, query, row.data if row is not None else None)
    return []


def export_screen(app: FpConsoleApp, screen: Screen[Any]) -> None:
    title = str(getattr(screen, "SECTION", "") or "")
    open_export_menu(app, title.lower() or "this view", choices_for(app, screen))


# --- copy for ticket --------------------------------------------------------------------------


def ticket_text(app: FpConsoleApp, entry: dict[str, Any]) -> str:
    return exports.ticket_markdown(entry, profile=app.context.profile_name, user_host=app.context.user_host)


def copy_for_ticket(app: FpConsoleApp, entry: dict[str, Any]) -> None:
    """A Markdown summary of one request: to the clipboard (OSC 52) or to a file."""
    from fpconsole.tui.actions_menu import ActionsMenu

    text = ticket_text(app, entry)
    stem = f"ticket-{entry.get('request_id') or entry.get('id')}"
    to_file = ExportChoice("Ticket", stem, lambda _fmt: text)
    actions = [
        Action(
            "1",
            "Copy to the clipboard (OSC 52)",
            lambda: app.copy_text(text, "the ticket summary"),
            changes_state=False,
        ),
        Action(
            "2", "Save as a Markdown file (exports/)", lambda: _save_md(app, to_file), changes_state=False
        ),
    ]

    def run(chosen: Action | None) -> None:
        if chosen is not None:
            chosen.run()

    app.push_screen(ActionsMenu(f"Copy for ticket · {entry.get('method')}", actions), run)


def _save_md(app: FpConsoleApp, choice: ExportChoice) -> None:
    try:
        path = exports.write_export(choice.render("json"), choice.stem, "md", now=_now(app))
    except OSError as exc:
        app.notify(f"Could not save: {exc}", severity="error")
        return
    app.notify(f"Saved {path}", title="Copy for ticket", timeout=10)
