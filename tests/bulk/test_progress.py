"""Progress: counts, rate, ETA and the one-line rendering."""

from __future__ import annotations

from fpconsole.bulk.progress import ProgressCounter, format_progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_and_eta_count_only_this_runs_work() -> None:
    clock = Clock()
    counter = ProgressCounter(200, clock)
    counter.done = counter.skipped = 50  # an earlier run's rows: no work now
    counter.failed = 3
    assert counter.snapshot().rate == 0 and counter.snapshot().eta_seconds is None
    clock.now += 2
    counter.done += 70
    counter.worked = 70
    counter.in_flight = 8
    progress = counter.snapshot()
    assert progress.rate == 35.0
    assert progress.remaining == 200 - 120 - 3
    assert progress.eta_seconds == (200 - 123) / 35.0
    assert progress.fraction == 123 / 200
    assert (
        format_progress(progress)
        == "120/200 done (50 earlier) · 3 failed · 8 in flight · 35.0 rows/s · ETA 2s"
    )


def test_format_shows_long_etas_only_while_running_and_pause_and_cancel() -> None:
    clock = Clock()
    counter = ProgressCounter(100_000, clock)
    clock.now += 10
    counter.done = counter.worked = 10
    assert format_progress(counter.snapshot()).endswith("1.0 rows/s · ETA 27h46m")
    counter.paused = True
    text = format_progress(counter.snapshot())
    assert text == "10/100000 done · 0 failed · 0 in flight · 1.0 rows/s · paused"  # no ETA: not running
    counter.paused, counter.cancelled = False, True
    counter.in_flight = 2
    assert format_progress(counter.snapshot()).endswith("2 in flight · 1.0 rows/s · cancelling")
    counter.in_flight = 0
    assert format_progress(counter.snapshot()).endswith("0 in flight · 1.0 rows/s · cancelled")


def test_a_finished_run_has_no_eta_shown() -> None:
    clock = Clock()
    counter = ProgressCounter(2, clock)
    clock.now += 1
    counter.done = counter.worked = 2
    progress = counter.snapshot()
    assert progress.eta_seconds == 0.0 and progress.fraction == 1.0
    assert format_progress(progress) == "2/2 done · 0 failed · 0 in flight · 2.0 rows/s"
    assert ProgressCounter(0).snapshot().fraction == 1.0


def test_in_a_run_of_phases_the_eta_is_the_phases_own() -> None:
    """QA: `--cards bulk` showed an ETA of 36 minutes during client.add for a run of 56 s: no
    row finishes before its card is linked, so the rate of finished rows (2 failures in 40 s)
    said nothing. The ETA is the phase's: 150 clients in 40 s, 50 left."""
    clock = Clock()
    counter = ProgressCounter(200, clock)
    counter.begin_phase("client.add", 200)
    assert counter.snapshot().eta_seconds is None  # no rate for the phase yet: no ETA
    assert "ETA" not in format_progress(counter.snapshot())
    clock.now += 40
    counter.phase_done = 150
    counter.failed = counter.worked = 2
    progress = counter.snapshot()
    assert progress.eta_seconds == 50 / (150 / 40)
    assert format_progress(progress) == (
        "0/200 done · 2 failed · 0 in flight · 0.1 rows/s · client.add 150/200 · ETA 13s for client.add"
    )
    counter.end_phase()
    assert counter.snapshot().phase is None
