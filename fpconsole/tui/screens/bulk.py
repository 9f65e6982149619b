"""Bulk onboarding in the console (F6): a CSV of clients → a client and a card for each row,
with a progress bar (done / failed / in flight, rate, ETA), pause and cancel, bad rows reported
by line and field, and the result CSV written at the end.

The work is `fpconsole.bulk.BulkRunner` — the same runner as `fpconsole bulk FILE.csv` — over
the console's own client, so every request is journaled and shows in Requests. Running the same
file again skips the rows already done.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from fpconsole.tui.connection import unavailable_reason
from fpconsole.tui.keymap import SEND_KEYS, button_label, keys_for
from fpconsole.tui.widgets.choice_select import ChoiceSelect
from fpconsole.tui.widgets.in_place import InPlaceInput
from fpconsole.tui.widgets.key_hints import KeyHints
from fpconsole.tui.widgets.paged_table import Column, PagedTable, Row
from fpconsole.tui.widgets.top_bar import TopBar
from fpconsole.words import counted

if TYPE_CHECKING:
    from fpconsole.bulk.csvfile import BulkFile
    from fpconsole.bulk.progress import Progress
    from fpconsole.bulk.runner import BulkRunner, RowResult
    from fpconsole.tui.app import FpConsoleApp

RESULT_COLUMNS = (
    Column("line", "Line", 5, "right"),
    Column("client_id", "Client", 11),
    Column("card_id", "Card", 9),
    Column("pan", "Number", 17),
    Column("status", "Status", 7),
    Column("error", "Error", 0),
)
# unknown: in the warning colour, as the Requests list shows an unknown outcome.
STATUS_STYLE = {"failed": "error", "unknown": "warning"}
# Before the runner's reason, so a narrow Error column still shows what happens next.
UNKNOWN_NOTE = "polled on rerun, never resent · "


class ResultRows:
    """The rows finished so far, newest at the bottom as they arrive."""

    def __init__(self) -> None:
        self.items: list[Row] = []

    def count(self) -> int:
        return len(self.items)

    def rows(self, offset: int, limit: int) -> list[Row]:
        return self.items[offset : offset + limit]


def result_row(result: RowResult) -> Row:
    status = str(result.status)
    error = result.error or ""
    if status == "unknown":
        error = UNKNOWN_NOTE + error
    return Row(
        key=str(result.line),
        cells=(
            str(result.line),
            result.client_id or "—",
            result.card_id or "—",
            result.masked_pan or "—",
            status,
            error,
        ),
        style=STATUS_STYLE.get(status, ""),
    )


def finish_text(results: list[RowResult], where: str, stop_reason: str | None) -> str:
    done = sum(1 for r in results if str(r.status) == "done")
    unknown = sum(1 for r in results if str(r.status) == "unknown")
    rerun = (
        f" ({unknown} unknown: run the same file again to ask request/status about them; "
        "nothing is sent twice)"
        if unknown
        else ""
    )
    return f"Finished: {done} done, {len(results) - done} not done{rerun}. Result CSV: {where}" + (
        f" ({stop_reason})" if stop_reason else ""
    )


def progress_text(progress: Progress) -> str:
    """The headless command's line: it already says "paused" and "cancelling" (adding them here
    again showed "paused · paused")."""
    from fpconsole.bulk.progress import format_progress

    return format_progress(progress)


def _write_results(input_path: Path, results: list[RowResult]) -> Path:
    """Next to the input (or the state folder's bulk-results when that folder cannot be
    written); should the place have gone during the run, the state folder's."""
    from fpconsole.bulk.results import default_result_path, write_results
    from fpconsole.locations import ensure_private_dir, state_dir

    path = default_result_path(input_path)
    try:
        return write_results(path, results)
    except OSError:
        return write_results(ensure_private_dir(state_dir() / "bulk-results") / path.name, results)


class BulkScreen(Screen[None]):
    SECTION = "Bulk onboarding"
    HELP = (
        "Create a client and a card for each row of a CSV file (columns: docs/bulk.md; a sample: "
        "samples/clients.csv). The same file again skips rows already done."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(SEND_KEYS, "start", "Start", id="bulk.start"),
        Binding("p", "pause", "Pause/resume", id="bulk.pause"),
        Binding("c", "cancel_run", "Cancel", id="bulk.cancel"),
    ]
    # As the lists: below 110 columns the top bar drops the host, so the live request status
    # (always visible, DESIGN §5) is not cut off at 80x24.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    DEFAULT_CSS = """
    BulkScreen.-narrow TopBar > #host { display: none; }
    BulkScreen #setup { height: auto; padding: 0 1; }
    BulkScreen #setup Horizontal { height: auto; }
    BulkScreen #setup Label { width: 12; }
    BulkScreen #setup Input { background: $panel; }
    BulkScreen #file { width: 1fr; }
    BulkScreen #cards-mode { width: 28; }
    BulkScreen #in-flight { width: 6; }
    BulkScreen #buttons { height: auto; padding: 0 1; }
    BulkScreen #buttons Button { margin-right: 1; }
    BulkScreen #bad-rows { color: $error; height: auto; max-height: 6; padding: 0 1; }
    BulkScreen #progress-line { padding: 0 1; height: auto; }
    BulkScreen ProgressBar { padding: 0 1; }
    BulkScreen #results { height: 1fr; }
    BulkScreen #message { padding: 0 1; height: auto; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.runner: BulkRunner | None = None
        self.results = ResultRows()
        self.bulk_file: BulkFile | None = None
        self.last_progress: Progress | None = None
        self.result_path: Path | None = None
        self.starting = False  # between ctrl+s and the run: reading, opening the state, asking

    @property
    def fp_app(self) -> FpConsoleApp:
        from fpconsole.tui.app import FpConsoleApp

        assert isinstance(self.app, FpConsoleApp)
        return self.app

    def compose(self) -> ComposeResult:
        context = self.fp_app.context
        yield TopBar.for_context(context, self.SECTION)
        with Vertical(id="setup"):
            with Horizontal():
                yield Label("CSV file")
                file_input = InPlaceInput(placeholder="path/to/clients.csv", id="file", compact=True)
                file_input.cursor_blink = False
                yield file_input
            with Horizontal():
                yield Label("Cards")
                yield ChoiceSelect(
                    [("a card for each client", "each"), ("bulk issue, then link", "bulk")],
                    value="each",
                    allow_blank=False,
                    id="cards-mode",
                    compact=True,
                )
                yield Label(" In flight")
                in_flight = InPlaceInput("8", id="in-flight", type="integer", compact=True)
                in_flight.cursor_blink = False
                yield in_flight
        with Horizontal(id="buttons"):
            yield Button(
                button_label(self.app, "bulk.start", "Start"), id="start", variant="primary", compact=True
            )
            yield Button("Pause p", id="pause", compact=True, disabled=True)
            yield Button("Cancel c", id="cancel", compact=True, disabled=True)
        yield Static("", id="bad-rows", markup=False)
        yield ProgressBar(total=1, show_eta=False, id="bar")
        start = keys_for(self.app, "bulk.start", SEND_KEYS)
        yield Static(f"Pick a file and press {start}.", id="progress-line", markup=False)
        yield PagedTable(
            RESULT_COLUMNS, self.results, empty_text="Results appear here, row by row.", id="results"
        )
        yield Static("", id="message", markup=False)
        yield KeyHints()

    def on_mount(self) -> None:
        self.query_one(TopBar).in_process = self.fp_app.in_process
        if self.fp_app.context.read_only:
            self.query_one("#start", Button).disabled = True
            self._say("Read-only: bulk onboarding creates clients and cards, so it is off.")

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    # --- start ----------------------------------------------------------------------------

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#pause")
    def _pause_pressed(self) -> None:
        self.action_pause()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel_run()

    def action_start(self) -> None:
        if self.runner is not None or self.starting or self.fp_app.context.read_only:
            return
        backend = self.fp_app.backend
        if backend is None:
            self._say(f"{unavailable_reason(self.app)} Nothing was sent.")
            return
        raw_path = self.query_one("#file", Input).value.strip()
        if not raw_path:
            self._say("CSV file: give the path of a CSV of clients (see docs/bulk.md).")
            return
        try:
            in_flight = int(self.query_one("#in-flight", Input).value or "8")
        except ValueError:
            in_flight = 0
        if not 1 <= in_flight <= 64:
            self._say("In flight: a whole number from 1 to 64.")
            return
        mode = str(self.query_one("#cards-mode", Select).value)
        self.starting = True
        self._say(f"Reading {raw_path}…")
        self.run_bulk(Path(raw_path).expanduser(), mode, in_flight)

    @work(exit_on_error=False, group="bulk")
    async def run_bulk(self, path: Path, mode: str, in_flight: int) -> None:
        """Read the file, open its resume state, ask on production, run. Whatever goes wrong is
        said on the screen (never a crash, never a silent ctrl+s); nothing was sent unless the
        run started."""
        try:
            await self._read_and_run(path, mode, in_flight)
        except Exception as exc:
            self._say(f"Bulk stopped by an internal error ({type(exc).__name__}: {exc}); see the log.")
            self.log.error("bulk run failed", exc)
        finally:
            self.starting = False
            self.runner = None
            self._set_running(False)

    async def _read_and_run(self, path: Path, mode: str, in_flight: int) -> None:
        from fpconsole.bulk.command import production_question
        from fpconsole.bulk.csvfile import CsvFormatError, read_bulk_file
        from fpconsole.bulk.runner import BulkRunner
        from fpconsole.bulk.state import FileBusy, StateUnusable, open_file_state

        backend = self.fp_app.backend
        assert backend is not None
        try:
            # Off the loop: a big file (or a slow disk) never freezes the console.
            bulk_file = await asyncio.to_thread(read_bulk_file, path)
        except CsvFormatError as exc:
            self._say(f"CSV file: {exc}")
            return
        if not bulk_file.rows:
            self._say(f"CSV file: {bulk_file.path} has a header but no data rows.")
            return
        self.bulk_file = bulk_file
        # A new run shows only its own rows and words, not the last run's next to them.
        self.results.items.clear()
        self.query_one("#results", PagedTable).reload()
        self._say("")
        self.result_path = None
        problems = [str(problem) for row in bulk_file.invalid_rows for problem in row.errors]
        self.query_one("#bad-rows", Static).update(
            (f"{counted(len(bulk_file.invalid_rows), 'bad row')}, skipped:\n" + "\n".join(problems))
            if problems
            else ""
        )
        try:
            state = await asyncio.to_thread(open_file_state, backend.profile_name, bulk_file.fingerprint)
        except (FileBusy, StateUnusable) as exc:
            self._say(f"Not started: {exc}")
            return
        with state:
            context = self.fp_app.context
            if context.kind == "production":
                from fpconsole.production_guard import production_where
                from fpconsole.tui.screens.bulk_guard import BulkProductionGuard

                records = await asyncio.to_thread(state.rows)
                question = production_question(production_where(context), bulk_file, records)
                if question is not None and not await self.app.push_screen_wait(
                    BulkProductionGuard(question)
                ):
                    self._say("Not confirmed: nothing was sent.")
                    return
            runner = BulkRunner(
                backend.client,
                bulk_file.rows,
                store=state,
                in_flight=in_flight,
                cards="bulk" if mode == "bulk" else "each",
                on_progress=self._progress,
                on_row=self._row,
                monotonic=self._monotonic(),
            )
            self.runner = runner
            self._set_running(True)
            try:
                results = await runner.run()
            finally:
                self._set_running(False)
        # The table ends as the result CSV reads: every row, those an earlier run had done too.
        self.results.items[:] = [result_row(result) for result in results]
        self.query_one("#results", PagedTable).reload()
        self.result_path = await asyncio.to_thread(_write_results, bulk_file.path, results)
        from fpconsole.locations import display_path

        beside = self.result_path.parent == bulk_file.path.parent
        # Next to the input as a rule; in the state folder when the input's folder is read-only.
        where = (
            f"{self.result_path.name}, next to the input file" if beside else display_path(self.result_path)
        )
        self._say(finish_text(results, where, runner.stop_reason))
        self.notify(f"Bulk result written to {where}", timeout=8)
        self.runner = None

    def _monotonic(self) -> Callable[[], float]:
        """The runner's clock for rate and ETA: the console's own clock when one is set (tests
        and screenshots freeze it), else the machine's."""
        clock = self.fp_app.context.clock
        if clock is None:
            return time.monotonic

        def seconds() -> float:
            value = clock()
            return value.timestamp() if isinstance(value, datetime) else float(value)

        return seconds

    def _set_running(self, running: bool) -> None:
        self.query_one("#start", Button).disabled = running or self.fp_app.context.read_only
        self.query_one("#pause", Button).disabled = not running
        self.query_one("#cancel", Button).disabled = not running
        file_input = self.query_one("#file", Input)
        file_input.disabled = running
        if not running and (self.focused is None or isinstance(self.focused, Button)):
            # Disabling the box for the run took its focus (nothing, or a button that is now
            # disabled, held it): a path typed next would be lost and ctrl+s would run the old
            # file again. Back in the box, the old path selected, typing replaces it.
            file_input.focus()

    # --- runner callbacks (called on the event loop) ---------------------------------------

    def _progress(self, progress: Progress) -> None:
        self.last_progress = progress
        bar = self.query_one("#bar", ProgressBar)
        bar.update(total=max(progress.total, 1), progress=progress.finished)
        self.query_one("#progress-line", Static).update(progress_text(progress))
        self.query_one("#pause", Button).label = "Resume p" if progress.paused else "Pause p"

    def _row(self, result: RowResult) -> None:
        # In file order, whatever order the rows finish in (several are in flight at once).
        import bisect

        bisect.insort(self.results.items, result_row(result), key=lambda row: int(row.key))
        table = self.query_one("#results", PagedTable)
        table.reload()

    # --- control -------------------------------------------------------------------------

    def action_pause(self) -> None:
        runner = self.runner
        if runner is None:
            return
        if runner.progress.paused:
            runner.resume()
        else:
            runner.pause()

    def action_cancel_run(self) -> None:
        if self.runner is not None:
            self.runner.cancel()
            self._say("Cancelling: no new rows start; polling stopped. Run the file again to resume.")
