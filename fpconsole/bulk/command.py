"""`fpconsole bulk FILE.csv [--profile P] [--result FILE] [--in-flight N] [--cards each|bulk] [--yes]`:
onboard the file's clients without the console.

stderr gets the bad rows (line and field), a progress line at most every half second (and at
least every HEARTBEAT_S, saying what the run waits on) and each row that fails; stdout gets the
summary. Ctrl+C, SIGTERM or SIGHUP start no new rows and stop polling: the requests on the wire
get a few seconds to come back (a second signal cuts them at once); either way the state is
saved and the result file written, and running the same command again continues where this one
stopped. When the server stops answering the run stops by itself within seconds, the same way.

Exit codes: 0 every row done; 1 some rows failed; 2 bad file, header or options; 3 the server
could not be reached, or a row's outcome is unknown; 128 + the signal when stopped by one
(130 Ctrl+C, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from fpconsole.exit_codes import (
    EXIT_API_ERROR,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    EXIT_TRANSPORT,
    exit_for_signal,
)

if TYPE_CHECKING:
    from fpconsole.api.client import PollPolicy
    from fpconsole.bulk.csvfile import BulkFile
    from fpconsole.bulk.progress import Progress
    from fpconsole.bulk.runner import BulkRunner, CardsMode, RowResult
    from fpconsole.bulk.state import FileState, RowRecord
    from fpconsole.production_guard import Question
    from fpconsole.session import Session

MAX_IN_FLIGHT: Final = 64
PROGRESS_INTERVAL_S: Final = 0.5
HEARTBEAT_S: Final = 2.0  # the longest stderr stays silent during a run
PROG: Final = "fpconsole bulk"
STOP_SIGNALS: Final = ("SIGINT", "SIGTERM", "SIGHUP")
RESUME_HINT: Final = (
    f"{PROG}: run the same command again to continue: rows not finished are continued, and rows "
    "with an unknown outcome are asked about (request/status), never sent twice"
)


def say(stream: TextIO, text: str) -> None:
    """Write a line; a reader that went away (a closed pipe, a hung-up terminal) loses it, the
    run goes on and still saves its state and the result file."""
    with contextlib.suppress(OSError, ValueError):
        stream.write(text + "\n")
        stream.flush()


class ProgressPrinter:
    """Throttled progress lines and immediate row failures, on stderr."""

    def __init__(
        self,
        err: TextIO,
        *,
        quiet_lines: set[int],
        interval: float = PROGRESS_INTERVAL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._err = err
        self._quiet = quiet_lines  # bad rows: already listed, field by field, before the run
        self._interval = interval
        self._monotonic = monotonic
        self._last = float("-inf")  # the latest progress line
        self._last_any = float("-inf")  # the latest line of any kind
        self._last_text = ""
        self.latest: Progress | None = None

    def progress(self, progress: Progress) -> None:
        self.latest = progress
        if self._monotonic() - self._last >= self._interval:
            self._print(progress)

    def heartbeat(self, progress: Progress, *, every: float = HEARTBEAT_S) -> None:
        """Print `progress` unless a line went out within `every` seconds: a run that waits
        (rows in process, a server being retried) is never silent for long."""
        self.latest = progress
        if self._monotonic() - self._last_any >= every:
            self._print(progress)

    def row(self, result: RowResult) -> None:
        if result.status in ("failed", "unknown") and result.line not in self._quiet:
            self._last_any = self._monotonic()
            self._last_text = ""
            say(self._err, f"line {result.line}: {result.error}")

    def final(self, progress: Progress) -> None:
        """The run's last line, unless it is already the last line printed."""
        from fpconsole.bulk.progress import format_progress

        if format_progress(progress) != self._last_text:
            self._print(progress)

    def _print(self, progress: Progress) -> None:
        from fpconsole.bulk.progress import format_progress

        self._last = self._last_any = self._monotonic()
        self._last_text = format_progress(progress)
        say(self._err, self._last_text)


def run_bulk(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from fpconsole.bulk.csvfile import CsvFormatError, read_bulk_file
    from fpconsole.bulk.results import result_path_problem
    from fpconsole.bulk.state import FileBusy, StateUnusable, open_file_state
    from fpconsole.sandbox_commands import BadArgument, whole_number
    from fpconsole.session import SetupError, open_session

    try:
        # Typed as text (the parser keeps it so): read as every count of the CLI is read.
        in_flight = whole_number(
            "--in-flight",
            str(args.in_flight),
            1,
            MAX_IN_FLIGHT,
            example=8,
            past_high=f"the most bulk keeps in flight; use {MAX_IN_FLIGHT} or fewer",
        )
    except BadArgument as exc:
        err.write(f"{PROG}: {exc}\n")
        return EXIT_INVALID_INPUT
    cards: CardsMode = getattr(args, "cards", None) or "each"
    try:
        bulk_file = read_bulk_file(args.file)
    except CsvFormatError as exc:
        err.write(f"{PROG}: {exc}\n")
        return EXIT_INVALID_INPUT
    if not bulk_file.rows:
        err.write(f"{PROG}: {bulk_file.path} has a header but no data rows\n")
        return EXIT_INVALID_INPUT
    result_path = Path(args.result).expanduser() if args.result else None
    if result_path is not None and (unusable := result_path_problem(result_path, bulk_file.path)):
        err.write(f"{PROG}: --result {result_path} {unusable}\n")
        return EXIT_INVALID_INPUT
    for row in bulk_file.invalid_rows:
        for problem in row.errors:
            err.write(f"{problem}\n")
    try:
        session = open_session(profile_name=args.profile, read_only=bool(getattr(args, "read_only", False)))
    except SetupError as exc:
        err.write(f"{PROG}: {exc}\n")
        return EXIT_INVALID_INPUT
    if session.read_only:
        err.write(f"{PROG}: {session.profile.read_only_reason}; bulk onboarding changes state\n")
        asyncio.run(session.aclose())
        return EXIT_INVALID_INPUT
    try:
        state = open_file_state(session.profile_name, bulk_file.fingerprint)
    except (FileBusy, StateUnusable) as exc:
        err.write(f"{PROG}: {exc}\n")
        asyncio.run(session.aclose())
        return EXIT_INVALID_INPUT
    with state:
        refused = _confirm_production(
            session, bulk_file, state, yes=bool(getattr(args, "yes", False)), err=err
        )
        if refused is not None:
            asyncio.run(session.aclose())
            return refused
        return asyncio.run(_run(session, bulk_file, state, in_flight, cards, result_path, out, err))


def _confirm_production(
    session: Session, bulk_file: BulkFile, state: FileState, *, yes: bool, err: TextIO
) -> int | None:
    """Onboarding on production needs --yes or, on a terminal, the number of rows to send typed
    back (a wrong file or the wrong profile shows in that number). Asked after the bad rows are
    listed and before anything is sent; nothing left to send asks nothing."""
    import sys

    from fpconsole import production_guard as guard

    if not guard.needs_confirmation(session, changes_state=True, yes=yes):
        return None
    question = production_question(guard.production_where(session), bulk_file, state.rows())
    if question is None:
        return None
    return guard.confirm(question, sys.stdin, err)


def production_question(where: str, bulk_file: BulkFile, records: Mapping[int, RowRecord]) -> Question | None:
    """What the production guard asks (the console's Bulk screen asks the same): the file, its
    rows, how many will be sent; the answer is that number. None: nothing left to send."""
    from fpconsole import production_guard as guard

    done = sum(1 for row in bulk_file.valid_rows if (r := records.get(row.line)) and r.status == "done")
    to_send = len(bulk_file.valid_rows) - done
    if to_send == 0:
        return None
    notes = [f"{done} done by an earlier run"] if done else []
    if bulk_file.invalid_rows:
        notes.append(f"{len(bulk_file.invalid_rows)} bad, not sent")
    shown = f"{bulk_file.path}: {len(bulk_file.rows)} rows, {to_send} to send"
    return guard.Question(
        prog=PROG,
        where=where,
        change="bulk onboarding changes state",
        shown=shown + (f" ({', '.join(notes)})" if notes else ""),
        answer=str(to_send),
        answer_is="the number of rows to send",
        sends="them",
    )


async def _run(
    session: Session,
    bulk_file: BulkFile,
    state: FileState,
    in_flight: int,
    cards: CardsMode,
    result_path: Path | None,
    out: TextIO,
    err: TextIO,
) -> int:
    from fpconsole.bulk.calls import RetryPolicy
    from fpconsole.bulk.results import default_result_path
    from fpconsole.bulk.runner import BulkRunner

    printer = ProgressPrinter(err, quiet_lines={row.line for row in bulk_file.invalid_rows})
    runner = BulkRunner(
        session.client,
        bulk_file.rows,
        store=state,
        in_flight=in_flight,
        cards=cards,
        on_progress=printer.progress,
        on_row=printer.row,
        policy=RetryPolicy(poll=_poll_policy(session)),
    )
    stopped_by: signal.Signals | None = None

    def on_signal(signum: signal.Signals) -> None:
        nonlocal stopped_by
        name = "Ctrl+C" if signum == signal.SIGINT else signum.name
        if stopped_by is None:
            stopped_by = signum
            say(
                err,
                f"{PROG}: {name}: cancelling: no new rows, polling stopped; requests on the wire get a "
                f"few seconds to answer ({name} again: stop now)",
            )
            runner.cancel()
        else:
            say(err, f"{PROG}: stopping now; rows in flight will be asked about on the next run")
            runner.abort()

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S / 4)
            printer.heartbeat(runner.progress)

    beating = asyncio.create_task(heartbeat())
    try:
        with _stop_signals(on_signal):
            results = await runner.run()
    finally:
        beating.cancel()
        await session.aclose()
    progress = runner.progress
    printer.final(progress)
    if runner.stop_reason:
        say(err, f"{PROG}: {runner.stop_reason}")
    if runner.adopted:
        say(err, adopted_line(len(runner.adopted)))
    written = _write_results(result_path or default_result_path(bulk_file.path), results, err)
    say(out, _summary(results, written, progress.skipped))
    if any(r.status in ("pending", "unknown") for r in results):
        say(err, RESUME_HINT)
    return _exit_code(runner, results, stopped_by)


def adopted_line(count: int) -> str:
    """Rows a changed file kept as they were: carried on, not sent again (said in English)."""
    rows, went = ("1 row is", "it continued") if count == 1 else (f"{count} rows are", "they continued")
    return (
        f"{PROG}: {rows} unchanged from an earlier version of this file; "
        f"{went} from what that run had sent, not sent again"
    )


def _write_results(path: Path, results: list[RowResult], err: TextIO) -> Path:
    """The place was checked before the run; should it have gone since (a folder removed, a
    full disk), the results go to the state folder rather than being lost with a traceback."""
    from fpconsole.bulk.results import write_results
    from fpconsole.locations import ensure_private_dir, state_dir

    try:
        return write_results(path, results)
    except OSError as exc:
        fallback = ensure_private_dir(state_dir() / "bulk-results") / path.name
        say(err, f"{PROG}: cannot write {path} ({exc.strerror}); writing the results to {fallback}")
        return write_results(fallback, results)


def _poll_policy(session: Session) -> PollPolicy | None:
    """In-process polls cost next to nothing: ask often, so the embedded sandbox's settle delay
    is all the waiting there is. A real server gets the client's own, gentler policy."""
    if not session.embedded:
        return None
    from fpconsole.api.client import PollPolicy

    return PollPolicy(first_delay=0.02, factor=1.5, max_delay=1.0)


@contextlib.contextmanager
def _stop_signals(handler: Callable[[signal.Signals], None]) -> Iterator[None]:
    """Route Ctrl+C, SIGTERM (kill, systemd, a CI timeout) and SIGHUP (the SSH session dropped) to
    `handler` for the duration of the run, where the loop can do that (the main thread on Unix);
    elsewhere they keep their default effect."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for name in STOP_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            loop.add_signal_handler(signum, handler, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def _summary(results: list[RowResult], path: Path, skipped: int) -> str:
    counts = {
        status: sum(1 for r in results if r.status == status)
        for status in ("done", "failed", "unknown", "pending")
    }
    parts = [f"{counts['done']} done" + (f" ({skipped} by an earlier run)" if skipped else "")]
    parts.append(f"{counts['failed']} failed")
    if counts["unknown"]:
        parts.append(f"{counts['unknown']} unknown (a rerun asks about them)")
    if counts["pending"]:
        parts.append(f"{counts['pending']} not finished (run again to continue)")
    return " · ".join(parts) + f"; results in {path}"


def _exit_code(runner: BulkRunner, results: list[RowResult], stopped_by: signal.Signals | None) -> int:
    if stopped_by is not None:
        return exit_for_signal(stopped_by)  # as a shell reports a process the signal ended
    if all(r.status == "done" for r in results):
        return EXIT_OK
    if runner.unreachable or any(r.status == "unknown" for r in results):
        return EXIT_TRANSPORT
    return EXIT_API_ERROR
