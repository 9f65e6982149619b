"""`fpconsole bulk FILE.csv [--profile P] [--result FILE] [--in-flight N] [--cards each|bulk]`:
onboard the file's clients without the console.

stderr gets the bad rows (line and field), a progress line at most every half second and each
row that fails; stdout gets the summary. Ctrl+C starts no new rows and lets those in flight
finish (a second Ctrl+C stops waiting for them); either way the state is saved and the result
file written, and running the same command again continues where this one stopped.

Exit codes: 0 every row done; 1 some rows failed; 2 bad file, header or options; 3 nothing could
be sent (the server could not be reached); 130 interrupted with Ctrl+C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from fpconsole.cli import EXIT_API_ERROR, EXIT_INVALID_INPUT, EXIT_OK, EXIT_TRANSPORT

if TYPE_CHECKING:
    from fpconsole.api.client import PollPolicy
    from fpconsole.bulk.csvfile import BulkFile
    from fpconsole.bulk.progress import Progress
    from fpconsole.bulk.runner import BulkRunner, CardsMode, RowResult
    from fpconsole.bulk.state import FileState
    from fpconsole.session import Session

EXIT_INTERRUPTED: Final = 130
MAX_IN_FLIGHT: Final = 64
PROGRESS_INTERVAL_S: Final = 0.5
PROG: Final = "fpconsole bulk"


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
        self._last = float("-inf")
        self.latest: Progress | None = None

    def progress(self, progress: Progress) -> None:
        from fpconsole.bulk.progress import format_progress

        self.latest = progress
        now = self._monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self._err.write(format_progress(progress) + "\n")
            self._err.flush()

    def row(self, result: RowResult) -> None:
        if result.status == "failed" and result.line not in self._quiet:
            self._err.write(f"line {result.line}: {result.error}\n")


def run_bulk(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from fpconsole.bulk.csvfile import CsvFormatError, read_bulk_file
    from fpconsole.bulk.state import FileBusy, open_file_state
    from fpconsole.session import SetupError, open_session

    in_flight: int = args.in_flight
    if not 1 <= in_flight <= MAX_IN_FLIGHT:
        err.write(f"{PROG}: --in-flight must be between 1 and {MAX_IN_FLIGHT}, got {in_flight}\n")
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
    for row in bulk_file.invalid_rows:
        for problem in row.errors:
            err.write(f"{problem}\n")
    try:
        session = open_session(profile_name=args.profile)
    except SetupError as exc:
        err.write(f"{PROG}: {exc}\n")
        return EXIT_INVALID_INPUT
    if session.read_only:
        err.write(f"{PROG}: profile {session.profile_name} is read-only; bulk onboarding changes state\n")
        asyncio.run(session.aclose())
        return EXIT_INVALID_INPUT
    try:
        state = open_file_state(session.profile_name, bulk_file.fingerprint)
    except FileBusy as exc:
        err.write(f"{PROG}: {exc}\n")
        asyncio.run(session.aclose())
        return EXIT_INVALID_INPUT
    result_path = Path(args.result) if args.result else None
    with state:
        return asyncio.run(_run(session, bulk_file, state, in_flight, cards, result_path, out, err))


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
    from fpconsole.bulk.progress import format_progress
    from fpconsole.bulk.results import default_result_path, write_results
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
    interrupted = False

    def on_interrupt() -> None:
        nonlocal interrupted
        if not interrupted:
            interrupted = True
            err.write(
                f"{PROG}: cancelling: no new rows; waiting for those in flight (Ctrl+C again: stop now)\n"
            )
            runner.cancel()
        else:
            err.write(f"{PROG}: stopping; rows in flight will be asked about on the next run\n")
            runner.abort()

    try:
        with _sigint(on_interrupt):
            results = await runner.run()
    finally:
        await session.aclose()
    progress = runner.progress
    err.write(format_progress(progress) + "\n")
    if runner.stop_reason:
        err.write(f"{PROG}: {runner.stop_reason}\n")
    if runner.adopted:
        err.write(
            f"{PROG}: {len(runner.adopted)} row(s) are unchanged from an earlier version of this file; "
            "they continued from what that run had sent, not sent again\n"
        )
    written = write_results(result_path or default_result_path(bulk_file.path), results)
    out.write(_summary(results, written, progress.skipped) + "\n")
    return _exit_code(runner, results, interrupted)


def _poll_policy(session: Session) -> PollPolicy | None:
    """In-process polls cost next to nothing: ask often, so the embedded sandbox's settle delay
    is all the waiting there is. A real server gets the client's own, gentler policy."""
    if not session.embedded:
        return None
    from fpconsole.api.client import PollPolicy

    return PollPolicy(first_delay=0.02, factor=1.5, max_delay=1.0)


@contextlib.contextmanager
def _sigint(handler: Callable[[], None]) -> Iterator[None]:
    """Route Ctrl+C to `handler` for the duration of the run (where the loop can do that: the
    main thread on Unix); elsewhere Ctrl+C keeps its default effect."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, handler)
    except (NotImplementedError, RuntimeError, ValueError):
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def _summary(results: list[RowResult], path: Path, skipped: int) -> str:
    counts = {
        status: sum(1 for r in results if r.status == status) for status in ("done", "failed", "pending")
    }
    parts = [f"{counts['done']} done" + (f" ({skipped} by an earlier run)" if skipped else "")]
    parts.append(f"{counts['failed']} failed")
    if counts["pending"]:
        parts.append(f"{counts['pending']} not finished (run again to continue)")
    return " · ".join(parts) + f"; results in {path}"


def _exit_code(runner: BulkRunner, results: list[RowResult], interrupted: bool) -> int:
    if interrupted:
        return EXIT_INTERRUPTED
    if all(r.status == "done" for r in results):
        return EXIT_OK
    if runner.unreachable:
        return EXIT_TRANSPORT
    return EXIT_API_ERROR
