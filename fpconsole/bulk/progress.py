"""Where a bulk run stands: the Progress snapshot the runner hands its listener, the counter
that produces it, and the one-line rendering the headless command prints.

Counts are of rows. `done` includes rows a previous run had already finished (`skipped` of them),
so a progress bar is simply `finished` (done + failed + unknown) / total.
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

    def snapshot(self) -> Progress:
        elapsed = self._monotonic() - self._started
        rate = self.worked / elapsed if elapsed > 0 and self.worked else 0.0
        remaining = max(self.total - self.done - self.failed - self.unknown, 0)
        eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
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
    failed when some outcome is unknown, and what the run waits on at the end."""
    parts = [f"{progress.done}/{progress.total} done"]
    if progress.skipped:
        parts[0] += f" ({progress.skipped} earlier)"
    parts.append(f"{progress.failed} failed")
    if progress.unknown:
        parts.append(f"{progress.unknown} unknown")
    parts += [f"{progress.in_flight} in flight", f"{progress.rate:.1f} rows/s"]
    running = not (progress.paused or progress.cancelled or progress.note)
    if running and progress.eta_seconds is not None and progress.remaining:
        parts.append(f"ETA {_duration(progress.eta_seconds)}")  # an estimate only while it runs
    if progress.cancelled:
        parts.append("cancelling" if progress.in_flight else "cancelled")
    elif progress.paused:
        parts.append("paused")
    if progress.note:
        parts.append(progress.note)
    return " · ".join(parts)
