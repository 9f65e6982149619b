"""Full garbage collections wait for a pause in the typing (fpconsole/tui/gc_pacing.py)."""

from __future__ import annotations

import gc

from fpconsole.tui.gc_pacing import IDLE_S, OVERDUE_FACTOR, START_HOLD, CollectionPacer, StartHold


class FakeCollector:
    def __init__(self) -> None:
        self.threshold = (700, 10, 10)
        self.count = (0, 0, 0)
        self.collected = 0
        self.frozen = 0
        self.enabled = True

    def get_threshold(self) -> tuple[int, int, int]:
        return self.threshold

    def set_threshold(self, threshold0: int, threshold1: int = 10, threshold2: int = 10, /) -> None:
        self.threshold = (threshold0, threshold1, threshold2)

    def get_count(self) -> tuple[int, int, int]:
        return self.count

    def collect(self, generation: int = 2) -> int:
        self.collected += 1
        self.count = (0, 0, 0)
        return 0

    def freeze(self) -> None:
        self.frozen += 1

    def unfreeze(self) -> None:
        self.frozen = 0

    def isenabled(self) -> bool:
        return self.enabled

    def enable(self) -> None:
        self.enabled = True

    def disable(self) -> None:
        self.enabled = False


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def started() -> tuple[CollectionPacer, FakeCollector, Clock]:
    collector, clock = FakeCollector(), Clock()
    pacer = CollectionPacer(collector, clock)
    pacer.start()
    return pacer, collector, clock


def test_cpython_never_starts_a_full_collection_while_the_pacer_runs_and_gets_its_rule_back() -> None:
    pacer, collector, _ = started()
    young, middle, oldest = collector.threshold
    assert (young, middle) == (700, 10)
    assert oldest > 10_000_000
    pacer.stop()
    assert collector.threshold == (700, 10, 10)


def test_no_collection_while_the_operator_types_even_when_one_is_due() -> None:
    pacer, collector, clock = started()
    collector.count = (0, 0, 10)
    for _ in range(20):
        clock.now += IDLE_S / 2
        pacer.typed()
        assert not pacer.tick()
    assert collector.collected == 0


def test_the_first_pause_collects_and_freezes_what_the_start_built() -> None:
    pacer, collector, clock = started()
    clock.now += IDLE_S
    assert pacer.tick()
    assert (collector.collected, collector.frozen) == (1, 1)
    clock.now += IDLE_S
    assert not pacer.tick()  # nothing due since
    assert collector.frozen == 1
    pacer.stop()
    assert collector.frozen == 0  # collectable again once the console closes


def test_a_pause_collects_only_once_a_collection_is_due() -> None:
    pacer, collector, clock = started()
    clock.now += IDLE_S
    pacer.tick()  # the first: collect and freeze
    collector.count = (0, 0, 9)
    clock.now += 10 * IDLE_S
    assert not pacer.tick()
    collector.count = (0, 0, 10)
    assert pacer.tick()
    assert collector.collected == 2


def test_typing_without_a_pause_still_collects_once_far_overdue() -> None:
    pacer, collector, _ = started()
    collector.count = (0, 0, 10 * OVERDUE_FACTOR - 1)
    pacer.typed()
    assert not pacer.tick()
    collector.count = (0, 0, 10 * OVERDUE_FACTOR)
    assert pacer.tick()
    assert collector.frozen == 0  # freezing waits for a pause: it should follow a full collection


def test_a_stopped_pacer_does_nothing() -> None:
    pacer, collector, clock = started()
    pacer.stop()
    clock.now += IDLE_S
    collector.count = (0, 0, 500)
    assert not pacer.tick()
    assert collector.collected == 0


def test_nothing_is_collected_while_the_console_starts_and_the_pacer_freezes_what_the_start_built() -> None:
    collector, clock = FakeCollector(), Clock()
    hold = StartHold(collector)
    hold.hold()
    assert not collector.enabled
    pacer = CollectionPacer(collector, clock, hold)
    pacer.start()
    assert collector.enabled
    assert (collector.frozen, collector.collected) == (1, 0)  # frozen, not walked
    assert collector.threshold[2] > 10_000_000  # and paced from here on
    pacer.stop()
    assert collector.enabled and collector.frozen == 0
    assert collector.threshold == (700, 10, 10)


def test_a_start_that_ends_before_the_pacer_gives_collections_back_unfrozen() -> None:
    collector = FakeCollector()
    hold = StartHold(collector)
    hold.hold()
    CollectionPacer(collector, Clock(), hold).stop()
    assert collector.enabled and collector.frozen == 0
    hold.hold()
    hold.cancel()
    assert collector.enabled and collector.frozen == 0


def test_a_hold_leaves_collections_someone_else_turned_off_as_they_were() -> None:
    collector = FakeCollector()
    collector.enabled = False
    hold = StartHold(collector)
    hold.hold()
    pacer = CollectionPacer(collector, Clock(), hold)
    pacer.start()
    pacer.stop()
    assert not collector.enabled
    assert collector.frozen == 0


def test_the_real_gc_module_fits_the_pacer() -> None:
    before = gc.get_threshold()
    pacer = CollectionPacer()
    pacer.start()
    try:
        assert gc.get_threshold()[2] > before[2]
    finally:
        pacer.stop()
    assert gc.get_threshold() == before


async def test_the_console_paces_collections_from_backend_ready_until_it_closes() -> None:
    from snapshot_apps import make_app, wait_until

    before = gc.get_threshold()
    app = make_app()
    app.pace_collections = True  # Pilot runs headless, where the console leaves gc alone
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.backend is not None)
        assert app.collections.running
        assert gc.get_threshold()[2] > before[2]
        await wait_until(pilot, lambda: app.collections.frozen, timeout=60)  # the first pause
    assert not app.collections.running
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_the_console_releases_the_start_hold_when_its_backend_is_up() -> None:
    from snapshot_apps import make_app, wait_until

    app = make_app()
    app.pace_collections = True
    START_HOLD.hold()  # as `fpconsole` takes it before importing the console
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.backend is not None)
            assert gc.isenabled() and not START_HOLD.holding
            assert gc.get_freeze_count() > 0  # the start's objects, frozen rather than collected
    finally:
        START_HOLD.cancel()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


async def test_a_console_whose_backend_cannot_start_releases_the_start_hold() -> None:
    import dataclasses

    from snapshot_apps import embedded_profile, make_app, wait_until

    resolved = embedded_profile("test")
    unset_secret = dataclasses.replace(resolved.profile, secret_env="FPCONSOLE_TEST_NO_SUCH_SECRET")
    app = make_app(profile=dataclasses.replace(resolved, profile=unset_secret))
    app.pace_collections = True
    START_HOLD.hold()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.connection.broken)
            assert app.backend is None
            assert gc.isenabled() and not START_HOLD.holding
    finally:
        START_HOLD.cancel()
    assert gc.isenabled()


async def test_a_headless_console_leaves_the_collector_alone() -> None:
    from snapshot_apps import make_app, wait_until

    before = gc.get_threshold()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.backend is not None)
        assert not app.collections.running
        assert gc.get_threshold() == before
