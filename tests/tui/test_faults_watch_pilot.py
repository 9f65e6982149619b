"""QA 18, findings 1 and 2: the top bar's fault warning stays current and readable.

Faults set or cleared by anyone else (another shell's `fpconsole sandbox faults set`, another
console) show in every section's top bar and in F7's "In force" line within a few seconds, with
no key pressed; the console reads them itself, one read at a time, repainting nothing when
nothing changed and saying nothing when a read fails. The bar's text is fitted to the room it
has at 80 and 120 columns, worst fault first, the rest counted.

The faults are changed through the sandbox's engine directly, as another process writing the
same sandbox file would. The watch reads every READ_EVERY_S; the tests shorten it (or lengthen
it, to see what only an injected fault's answer triggers)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from form_helpers import text_of
from rich.cells import cell_len
from snapshot_apps import SnapshotApp, make_app, wait_ready, wait_until
from test_repaint_regions import Repaints
from textual.pilot import Pilot
from textual.widgets import Static

from fpconsole.api import errors
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui import faults_watch
from fpconsole.tui.faults_watch import FaultsWatch, watching
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.sandbox import SandboxScreen
from fpconsole.tui.widgets.top_bar import FaultsNote, TopBar

pytestmark = pytest.mark.usefixtures("deterministic_console")

QA_FAULTS = {
    "latency_ms": 200.0,
    "error_rate": 0.2,
    "http5xx_rate": 0.1,
    "timeout_rate": 0.05,
    "methods": {"card.issue": {"drop_rate": 1.0}},
}
SLOW = 30.0  # seconds: the periodic read stays out of the way while a test drives reads itself
# Only against hanging: a read queued behind the engine's other work (the demo history seeding
# after the first prime) waited past wait_until's 5 s on a loaded CI machine.
WATCH_DEADLINE_S = 30.0


@pytest.fixture
def quick_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faults_watch, "READ_EVERY_S", 0.05)


@pytest.fixture
def slow_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faults_watch, "READ_EVERY_S", SLOW)


def bar(app: SnapshotApp) -> TopBar:
    return app.screen.query_one(TopBar)


def bar_faults(app: SnapshotApp) -> str:
    found = bar(app)
    return text_of(found.query_one(FaultsNote)) if found.has_class("-faults") else ""


def set_elsewhere(app: SnapshotApp, faults: dict[str, Any] | None) -> None:
    """What another shell's `fpconsole sandbox faults set/clear` does to the sandbox file."""
    app.engine.set_controls(PARTNER, faults=faults)


def the_watch(app: SnapshotApp) -> FaultsWatch:
    watch = watching(app)
    assert watch is not None, "the console does not watch the faults"
    return watch


async def reads_done(pilot: Pilot[Any], watch: FaultsWatch, more: int) -> None:
    """Wait for `more` whole reads after this point (each one finished, none in flight)."""
    target = watch.reads + more + (1 if watch.reading else 0)
    await wait_until(pilot, lambda: watch.reads >= target and not watch.reading)


@pytest.mark.usefixtures("quick_reads")
async def test_faults_set_and_cleared_elsewhere_show_in_the_bar_with_no_key_pressed() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        assert isinstance(app.screen, ListScreen)
        assert bar_faults(app) == ""

        set_elsewhere(app, {"methods": {"card.issue": {"drop_rate": 1.0}}})
        await wait_until(
            pilot, lambda: bar_faults(app) == "⚠ faults: 100% drops card.issue", timeout=WATCH_DEADLINE_S
        )

        set_elsewhere(app, {})  # `fpconsole sandbox faults clear`
        await wait_until(pilot, lambda: bar_faults(app) == "", timeout=WATCH_DEADLINE_S)
        assert not bar(app).has_class("-faults")


async def test_the_default_pace_is_a_few_seconds() -> None:
    """Unshortened: a fault set elsewhere shows within the watch's own interval (3 s)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        set_elsewhere(app, {"error_rate": 0.3})
        await wait_until(pilot, lambda: bar_faults(app) == "⚠ faults: 30% errors", timeout=30)


@pytest.mark.usefixtures("quick_reads")
async def test_f7_in_force_line_follows_while_it_is_shown() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, SandboxScreen))
        screen = app.screen
        state = screen.query_one("#faults-state", Static)
        await wait_until(pilot, lambda: text_of(state).startswith("In force: none"), timeout=WATCH_DEADLINE_S)

        set_elsewhere(app, {"timeout_rate": 0.05})
        await wait_until(pilot, lambda: text_of(state) == "In force: 5% timeouts", timeout=WATCH_DEADLINE_S)
        await wait_until(pilot, lambda: bar_faults(app) == "⚠ faults: 5% timeouts", timeout=WATCH_DEADLINE_S)

        set_elsewhere(app, {})
        await wait_until(pilot, lambda: text_of(state).startswith("In force: none"), timeout=WATCH_DEADLINE_S)
        await wait_until(pilot, lambda: bar_faults(app) == "", timeout=WATCH_DEADLINE_S)


@pytest.mark.usefixtures("quick_reads")
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80", "120"])
@pytest.mark.parametrize("section", ["f2", "f7"], ids=["clients", "sandbox"])
async def test_the_worst_fault_shows_first_and_the_rest_are_counted(
    size: tuple[int, int], section: str
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_ready(pilot)
        if section != "f2":
            await pilot.press(section)
            await wait_until(pilot, lambda: isinstance(app.screen, SandboxScreen))
        set_elsewhere(app, QA_FAULTS)
        await wait_until(pilot, lambda: bar_faults(app) != "", timeout=WATCH_DEADLINE_S)
        await pilot.pause()
        note = bar(app).query_one(FaultsNote)
        text = bar_faults(app)

        assert "100% drops card.issue" in text.split(",")[0], text  # the worst, first and whole
        assert text.endswith(" more") and "…" in text, text  # the rest counted, visibly cut
        assert cell_len(text) <= note.content_size.width  # nothing cut off past the note
        # Nothing hidden under the connection state, which keeps its place at the right.
        live = bar(app).query_one("#live", Static)
        assert note.region.right <= live.region.x
        assert text_of(live) == "● connected"
        # 120 columns: room for the label too; 80: the warning sign says it.
        worst = "⚠ faults: 100% drops card.issue" if size[0] >= 120 else "⚠ 100% drops card.issue"
        assert text.startswith(worst), text


@pytest.mark.usefixtures("quick_reads")
async def test_reads_that_find_nothing_new_repaint_nothing() -> None:
    """Over SSH every repainted cell is written again: an idle console writes nothing."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        set_elsewhere(app, {"error_rate": 0.3})
        await wait_until(pilot, lambda: bar_faults(app) == "⚠ faults: 30% errors", timeout=WATCH_DEADLINE_S)
        watch = the_watch(app)
        await reads_done(pilot, watch, 1)
        repaints = Repaints(app.screen)  # type: ignore[arg-type]

        await reads_done(pilot, watch, 3)
        await pilot.pause()

        assert repaints.regions == []
        assert repaints.layouts == 0


@pytest.mark.usefixtures("quick_reads")
async def test_a_change_repaints_only_the_faults_on_the_bar_line() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        set_elsewhere(app, {"error_rate": 0.3})
        await wait_until(pilot, lambda: bar_faults(app) == "⚠ faults: 30% errors", timeout=WATCH_DEADLINE_S)
        await reads_done(pilot, the_watch(app), 1)
        note = bar(app).query_one(FaultsNote)
        repaints = Repaints(app.screen)  # type: ignore[arg-type]

        set_elsewhere(app, {"error_rate": 0.5})
        await wait_until(pilot, lambda: bar_faults(app) == "⚠ faults: 50% errors", timeout=WATCH_DEADLINE_S)
        await pilot.pause()

        assert repaints.regions
        assert all(note.region.contains_region(region) for region in repaints.regions), repaints.regions
        assert repaints.layouts == 0


@pytest.mark.usefixtures("quick_reads")
@pytest.mark.parametrize(
    "failure",
    [errors.CannotConnect("cannot connect to http://x: refused"), RuntimeError("a bug in the read")],
    ids=["connection", "anything"],
)
async def test_a_failed_read_says_nothing_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        set_elsewhere(app, {"error_rate": 0.3})
        await wait_until(pilot, lambda: bar_faults(app) == "⚠ faults: 30% errors", timeout=WATCH_DEADLINE_S)
        watch = the_watch(app)

        async def fails() -> Any:
            raise failure

        monkeypatch.setattr(watch.control, "get_faults", fails)
        failed = watch.failed
        await wait_until(pilot, lambda: watch.failed >= failed + 3)
        await pilot.pause()

        assert list(app._notifications) == []
        assert app.return_code is None and app.is_running
        assert bar_faults(app) == "⚠ faults: 30% errors"  # what was last known stays
        assert watch.running


@pytest.mark.usefixtures("slow_reads")
async def test_one_read_at_a_time_however_slow_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        watch = the_watch(app)
        answer = asyncio.Event()
        started = 0
        real = watch.control.get_faults

        async def slow() -> Any:
            nonlocal started
            started += 1
            await answer.wait()
            return await real()

        monkeypatch.setattr(watch.control, "get_faults", slow)
        watch.refresh_soon()
        await wait_until(pilot, lambda: started == 1)
        for _ in range(5):  # asked again and again while the sandbox is slow
            watch.refresh_soon()
            await pilot.pause()
        assert started == 1

        answer.set()
        await wait_until(pilot, lambda: started == 2 and not watch.reading)  # one more, then quiet
        await pilot.pause()
        assert started == 2


@pytest.mark.usefixtures("slow_reads")
async def test_an_injected_fault_answered_refreshes_the_bar_at_once() -> None:
    """No periodic read comes for SLOW seconds: only the answer itself can show the faults."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        assert app.backend is not None
        set_elsewhere(app, {"methods": {"card.info": {"error_rate": 1.0}}})
        await pilot.pause()
        assert bar_faults(app) == ""

        card_id = next(c["card_id"] for c in app.engine.snapshot(partner=PARTNER)["cards"])
        with pytest.raises(errors.ApiError) as raised:
            await app.backend.client.call("card.info", {"card_id": card_id})
        assert raised.value.error_code == "injected_error"

        await wait_until(
            pilot, lambda: bar_faults(app) == "⚠ faults: 100% errors card.info", timeout=WATCH_DEADLINE_S
        )


async def test_the_watch_ends_with_the_console() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        watch = the_watch(app)
        assert watch.running
    assert not watch.running
    assert watching(app) is None
    reads = watch.reads
    watch.refresh_soon()  # a late answer's event after the console closed: nothing happens
    await asyncio.sleep(0)
    assert watch.reads == reads


async def test_no_watch_on_a_profile_that_is_not_a_sandbox() -> None:
    app = make_app(kind="test")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        assert watching(app) is None
