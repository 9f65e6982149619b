"""Where a bulk run stands: the Progress snapshot the runner hands its listener, the counter
that produces it, and the one-line rendering the headless command prints.

Counts are of rows. `done` includes rows a previous run had already finished (`skipped` of them),
so a progress bar is simply `finished` (done + failed + unknown) / total.

A run made of phases (`--cards bulk`: client.add for every row, then the card.bulk_issue batches,
then card.link row by row) finishes no row until its last phase, so a rate of rows finished says
nothing while the first one runs (a run of 56 s showed an ETA of 36 minutes). There the ETA is
the current phase's: its own items done over its own time, and it says which phase it is for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Progress:
    total: int  # data rows in the file, bad ones included
    done: int  # rows with a client and a card, this run or an earlier one
    failed: int  # bad rows and rows that failed (each with its reason)
    in_flight: int  # rows being worked on right now
    skipped: int  # of `done`: rows an earlier run had finished, not sent again
    started_at: datetime  # UTC
    rate: float  # rows finished per second by this run (skipped and bad rows not counted)
    eta_seconds: float | None  # None until there is a rate
    last_error: str | None  # "line 7: card.issue: ..." of the latest failure
    paused: bool = False
    cancelled: bool = False  # no new rows are started; in-flight ones stop at their next wait
    # rows whose last request was sent but never answered: a rerun asks request/status about it
    unknown: int = 0
    note: str | None = None  # what the run is waiting on, when not its rows: "server unreachable, …"
    # The phase running, in a run made of phases: its name, items done and total; eta_seconds is
    # then the phase's (None until one of its items is done).
    phase: str | None = None
    phase_done: int = 0
    phase_total: int = 0

    @property
    def finished(self) -> int:
        """Rows this run is through with (a row with an unknown outcome too: the rerun asks)."""
        return self.done + self.failed + self.unknown

    @property
    def remaining(self) -> int:
        return max(self.total - self.finished, 0)

    @property
    def fraction(self) -> float:
        return self.finished / self.total if self.total else 1.0


class ProgressCounter:
    """Mutable counts behind Progress; `snapshot()` computes rate and ETA."""

    def __init__(self, total: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.unknown = 0
        self.note: str | None = None
        self.skipped = 0
        self.in_flight = 0
        self.worked = 0  # rows finished (done, failed or unknown) by this run's own requests
        self.last_error: str | None = None
        self.paused = False
        self.cancelled = False
        self._monotonic = monotonic
        self._started = monotonic()
        self.started_at = datetime.now(UTC)
        self.phase: str | None = None
        self.phase_done = 0
        self.phase_total = 0
        self._phase_started = 0.0

    def begin_phase(self, name: str, total: int) -> None:
        self.phase, self.phase_done, self.phase_total = name, 0, total
        self._phase_started = self._monotonic()

    def end_phase(self) -> None:
        self.phase, self.phase_done, self.phase_total = None, 0, 0

    def snapshot(self) -> Progress:
        now = self._monotonic()
        elapsed = now - self._started
        rate = self.worked / elapsed if elapsed > 0 and self.worked else 0.0
        remaining = max(self.total - self.done - self.failed - self.unknown, 0)
        eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
        if self.phase is not None:
            phase_elapsed = now - self._phase_started
            left = max(self.phase_total - self.phase_done, 0)
            phase_rate = self.phase_done / phase_elapsed if phase_elapsed > 0 and self.phase_done else 0.0
            eta = left / phase_rate if phase_rate > 0 else (0.0 if left == 0 else None)
        return Progress(
            total=self.total,
            done=self.done,
            failed=self.failed,
            in_flight=self.in_flight,
            skipped=self.skipped,
            started_at=self.started_at,
            rate=rate,
            eta_seconds=eta,
            last_error=self.last_error,
            paused=self.paused,
            cancelled=self.cancelled,
            unknown=self.unknown,
            note=self.note,
            phase=self.phase,
            phase_done=self.phase_done,
            phase_total=self.phase_total,
        )


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_progress(progress: Progress) -> str:
    """`120/200 done · 3 failed · 8 in flight · 41.2 rows/s · ETA 2s`, with `· 2 unknown` after
    failed when some outcome is unknown, and what the run waits on at the end. In a run of
    phases: `0/200 done · … · client.add 150/200 · ETA 13s for client.add`."""
    parts = [f"{progress.done}/{progress.total} done"]
    if progress.skipped:
        parts[0] += f" ({progress.skipped} earlier)"
    parts.append(f"{progress.failed} failed")
    if progress.unknown:
        parts.append(f"{progress.unknown} unknown")
    parts += [f"{progress.in_flight} in flight", f"{progress.rate:.1f} rows/s"]
    if progress.phase is not None:
        parts.append(f"{progress.phase} {progress.phase_done}/{progress.phase_total}")
    running = not (progress.paused or progress.cancelled or progress.note)
    if running and progress.eta_seconds is not None and progress.remaining:
        eta = f"ETA {_duration(progress.eta_seconds)}"  # an estimate only while it runs
        parts.append(eta if progress.phase is None else f"{eta} for {progress.phase}")
    if progress.cancelled:
        parts.append("cancelling" if progress.in_flight else "cancelled")
    elif progress.paused:
        parts.append("paused")
    if progress.note:
        parts.append(progress.note)
    return " · ".join(parts)
