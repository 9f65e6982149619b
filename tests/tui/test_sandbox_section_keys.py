"""The Sandbox section (F7) takes keys as the other sections do, and says what is wrong in the
console's words (QA findings 4, 9 and 11e):

* arriving in F7 from another section, the section's keys work (its letters, `:`, the F-keys)
  and nothing typed lands in the box that had the focus when the operator left; a box takes text
  once the operator goes into it;
* Load… checks the name against the backups before asking, and says "pick one from the list";
* a box's red error goes once its value is cleared or right;
* a delay of 0 is worded as what it means.
"""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import text_of
from snapshot_apps import SnapshotApp, make_app, wait_ready, wait_until
from test_sandbox_section import idle, open_sandbox
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, Static

from fpconsole.tui.command_line import CommandLine
from fpconsole.tui.confirm import ConfirmScreen
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.sandbox import SandboxScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)


async def leave_and_come_back(pilot: Pilot[Any], screen: SandboxScreen) -> None:
    await pilot.press("f2")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ListScreen))
    await pilot.pause()
    await pilot.press("f7")
    await wait_until(pilot, lambda: pilot.app.screen is screen)
    await pilot.pause()


def box(screen: SandboxScreen, key: str) -> Input:
    return screen.query_one(f"#sb-{key}", Input)


def error(screen: SandboxScreen, key: str) -> str:
    label = screen.query_one(f"#error-{key}", Label)
    return text_of(label) if label.has_class("-shown") else ""


def result(screen: SandboxScreen, panel: str) -> str:
    return text_of(screen.query_one(f"#result-{panel}", Static))


async def sandbox_delay(app: SnapshotApp) -> float:
    from fpconsole.tui.sandbox_link import control_call

    assert app.backend is not None
    answer = await control_call(app.backend, lambda control: control.get_delay())
    return float(answer.seconds)


# --- (4) arriving in F7 ---------------------------------------------------------------------------


async def test_a_letter_typed_on_arrival_opens_its_panel_not_the_box_left_behind() -> None:
    """QA: Top up, F2, F7, `b` gave Timeouts `100%b`."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("f", "tab", "tab", "tab", *"100%")
        assert app.focused is box(screen, "timeout_rate")
        await leave_and_come_back(pilot, screen)
        await pilot.press("b")
        await pilot.pause()
        assert box(screen, "timeout_rate").value == "100%"  # nothing landed in the box left behind
        assert screen.panel == "backups"
        assert app.focused is box(screen, "backup")  # the letter's panel, as on the first visit


async def test_colon_on_arrival_opens_the_command_line_and_ctrl_s_sends_nothing_typed_there() -> None:
    """QA: `:card 7001057` in F7 went into Delay (`1h:card 7001057`), and ctrl+s set it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("c", "tab", *"1h")  # typed, never sent
        assert app.focused is box(screen, "delay")
        before = await sandbox_delay(app)
        await leave_and_come_back(pilot, screen)
        assert "colon" in screen.active_bindings  # the footer shows ": Open", as in the lists
        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandLine))
        await pilot.press(*"card", "space", *"7001057")
        assert app.screen.query_one("#command", Input).value == "card 7001057"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        assert box(screen, "delay").value == "1h"
        await pilot.press("ctrl+s")  # in the menu of the clock panel: Settle, nothing typed
        await idle(pilot, screen)
        assert box(screen, "delay").value == "1h"
        assert await sandbox_delay(app) == before
        assert not result(screen, "clock").startswith("Delay set")


async def test_tab_from_the_menu_goes_into_the_panel_shown() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("c", "tab")
        assert app.focused is box(screen, "delay")
        await leave_and_come_back(pilot, screen)
        assert app.focused is screen.query_one("#sb-menu", OptionList)
        assert screen.panel == "clock"  # the panel left is still the one shown
        await pilot.press("tab", *"5")
        assert app.focused is box(screen, "advance") and box(screen, "advance").value == "5"


async def test_a_dialog_closing_leaves_the_focus_where_it_was() -> None:
    """Only arriving from another section moves the focus: after a confirmation or the help, the
    operator is where they were."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("d")
        reset = screen.query_one("#btn-reset")
        reset.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.pause()
        assert app.focused is reset


# --- (9) loading a backup by a name that does not exist -----------------------------------------


async def test_load_checks_the_name_before_asking_and_names_the_fix() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("b", *"before-close", "enter")  # saved
        await idle(pilot, screen)
        listed = screen.query_one("#backup-list", OptionList)
        await wait_until(pilot, lambda: listed.option_count == 1)
        box(screen, "backup").value = "before-closebefore-close"
        screen.query_one("#btn-load").focus()
        await pilot.press("enter")
        await idle(pilot, screen)
        assert not isinstance(app.screen, ConfirmScreen)  # not asked: there is nothing to load
        said = error(screen, "backup")
        assert said.startswith("Name: no backup named 'before-closebefore-close'"), said
        assert "pick one from the list below" in said
        assert "Name: name" not in said and "/sandbox" not in said
        assert result(screen, "backups").startswith("Not sent")
        assert box(screen, "backup").value == "before-closebefore-close"  # kept, to be corrected


async def test_load_reads_the_list_again_when_the_name_is_not_in_the_one_shown() -> None:
    """A backup saved elsewhere (the CLI) since the list was read: asked, not refused."""
    from fpconsole.tui.sandbox_link import control_call

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("b")
        await idle(pilot, screen)
        assert screen.backups == []
        assert app.backend is not None
        await control_call(app.backend, lambda control: control.save_backup("from-cli"))
        box(screen, "backup").value = "from-cli"
        screen.query_one("#btn-load").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert error(screen, "backup") == ""
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        assert [b.name for b in screen.backups] == ["from-cli"]  # the list below was refreshed


async def test_no_backups_at_all_says_how_to_make_one() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("b", *"nothing-here")
        screen.query_one("#btn-load").focus()
        await pilot.press("enter")
        await idle(pilot, screen)
        said = error(screen, "backup")
        assert said.startswith("Name: no backup named 'nothing-here'") and "Save" in said, said


# --- (9) red errors go once the value is cleared or right ----------------------------------------


async def test_an_error_goes_when_its_box_is_cleared_or_fixed() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("c", "tab", *"soon", "enter")
        await pilot.pause()
        assert error(screen, "delay").startswith("Delay:")
        assert result(screen, "clock").startswith("Not sent: 1 box")
        await pilot.press(*["backspace"] * 4, *"1.5")
        await pilot.pause()
        assert error(screen, "delay") == ""  # right now: the red line goes
        assert result(screen, "clock") == ""  # and "1 box to correct" with it
        await pilot.press("x")
        await pilot.pause()
        assert error(screen, "delay") == ""  # not shown again until the next try

        # Another try, then cleared: the error goes too.
        await pilot.press("enter")
        await pilot.pause()
        assert error(screen, "delay").startswith("Delay:")
        await pilot.press(*["backspace"] * 4)
        await pilot.pause()
        assert box(screen, "delay").value == ""
        assert error(screen, "delay") == ""

        # A wrong name kept its error after the box was cleared (QA).
        await pilot.press("escape", "b", *"no-such")
        screen.query_one("#btn-load").focus()
        await pilot.press("enter")
        await idle(pilot, screen)
        assert error(screen, "backup").startswith("Name: no backup named")
        box(screen, "backup").value = ""
        await pilot.pause()
        assert error(screen, "backup") == ""


async def test_a_still_wrong_value_keeps_saying_what_is_wrong_with_it_now() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("c", "tab", *"soon", "enter")
        await pilot.pause()
        assert error(screen, "delay").startswith("Delay: type a duration")
        box(screen, "delay").value = "2d"
        await pilot.pause()
        assert error(screen, "delay").startswith("Delay: must be from 0s to 1d")


async def test_nothing_to_inject_goes_once_a_rate_is_typed() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("f", "enter")
        await pilot.pause()
        assert error(screen, "latency").startswith("Nothing to inject")
        await pilot.press("tab", "tab", *"30%")
        await pilot.pause()
        assert error(screen, "latency") == ""


# --- (11e) a delay of 0 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("0", "Delay set to 0: changes settle at once"),
        ("1.5s", "Delay set to 1.5 s: changes settle that long after they are sent."),
        ("1h30m", "Delay set to 5400 s: changes settle that long after they are sent."),
    ],
)
async def test_the_delay_set_is_worded_for_what_it_means(typed: str, says: str) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("c", "tab", *typed, "enter")
        await idle(pilot, screen)
        assert result(screen, "clock").startswith(says), result(screen, "clock")


async def test_a_y_typed_behind_load_waits_for_the_question() -> None:
    """Load… of a backup not in the list shown reads the list first; a `y` typed right behind
    it (one write over SSH) answers the question once it is asked, instead of hitting the
    button meanwhile (type_ahead: app.KEY_ROUTING_WORKERS)."""
    import threading

    from textual import events

    from fpconsole.api.sandbox_control import SandboxControl
    from fpconsole.tui.sandbox_link import control_call

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("b")
        await idle(pilot, screen)
        assert app.backend is not None
        await control_call(app.backend, lambda control: control.save_backup("from-cli"))
        box(screen, "backup").value = "from-cli"
        screen.query_one("#btn-load").focus()
        await pilot.pause()

        may_answer = threading.Event()
        reads: list[str] = []
        list_backups = SandboxControl.list_backups

        async def held(self: SandboxControl) -> Any:
            reads.append("list")
            may_answer.wait(timeout=30)  # in the embedded sandbox's own thread
            return await list_backups(self)

        loads: list[str] = []
        load_backup = SandboxControl.load_backup

        async def load(self: SandboxControl, name: str) -> Any:
            loads.append(name)
            return await load_backup(self, name)

        SandboxControl.list_backups = held  # type: ignore[method-assign]
        SandboxControl.load_backup = load  # type: ignore[method-assign]
        try:
            app.post_message(events.Key("enter", None))
            app.post_message(events.Key("y", "y"))
            line = app._key_line
            await wait_until(pilot, lambda: bool(reads) and app._routing() and app._settled())
            assert [key.key for key, _ in line.waiting] == ["y"]  # held, not sent to the button
            may_answer.set()
            await wait_until(pilot, lambda: loads == ["from-cli"])
        finally:
            SandboxControl.list_backups = list_backups  # type: ignore[method-assign]
            SandboxControl.load_backup = load_backup  # type: ignore[method-assign]
        await idle(pilot, screen)
        assert app.screen is screen
        assert result(screen, "backups").startswith("Loaded backup from-cli")
