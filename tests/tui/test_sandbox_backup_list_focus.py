"""F7, Backups (QA): the panel says "Enter on a backup in the list loads it", so Tab into the list
highlights a backup at once (it highlighted none, and Enter did nothing); the list read again
while it has the focus keeps a backup highlighted (the one that was, if it is still there). The
List button's line counts in words ("1 backup.", "3 backups."), and Save or Load… with an empty
Name says to type one (the rule for a name's characters is for a name typed wrong)."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import text_of
from snapshot_apps import SnapshotApp, make_app, wait_ready, wait_until
from test_sandbox_section import idle, open_sandbox
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, Static

from fpconsole.tui.confirm import ConfirmScreen
from fpconsole.tui.screens.sandbox import SandboxScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)
EMPTY_NAME = "Name: type a name for the backup, e.g. before-refunds"


def backup_list(screen: SandboxScreen) -> OptionList:
    return screen.query_one("#backup-list", OptionList)


def result(screen: SandboxScreen) -> str:
    return text_of(screen.query_one("#result-backups", Static))


def name_error(screen: SandboxScreen) -> str:
    label = screen.query_one("#error-backup", Label)
    return text_of(label) if label.has_class("-shown") else ""


async def save_backups(app: SnapshotApp, *names: str) -> None:
    """Saved from outside the panel (as the CLI would), oldest first."""
    from fpconsole.tui.sandbox_link import control_call

    assert app.backend is not None
    for name in names:
        await control_call(app.backend, lambda control, name=name: control.save_backup(name))


async def backups_panel(pilot: Pilot[Any], app: SnapshotApp, listed: int) -> SandboxScreen:
    """F7, `b`, and the list below showing `listed` backups; the focus in the Name box."""
    screen = await open_sandbox(pilot)
    await pilot.press("b")
    await idle(pilot, screen)
    if listed:
        await wait_until(pilot, lambda: len(screen.backups) == listed)
    assert app.focused is screen.query_one("#sb-backup", Input)
    return screen


async def tab_to_the_list(pilot: Pilot[Any], screen: SandboxScreen) -> OptionList:
    listed = backup_list(screen)
    for _ in range(6):  # Name, Save, Load…, List, then the list
        if pilot.app.focused is listed:
            break
        await pilot.press("tab")
    assert pilot.app.focused is listed
    return listed


async def test_tab_into_the_list_highlights_the_first_backup_and_enter_loads_it() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await save_backups(app, "older", "newer")
        screen = await backups_panel(pilot, app, listed=2)
        listed = await tab_to_the_list(pilot, screen)
        await pilot.pause()
        assert listed.highlighted == 0
        first = listed.get_option_at_index(0).id
        assert first in {"older", "newer"}

        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen) and confirm.spec.title == f"Load backup {first}?"
        await pilot.press("tab", "enter")  # Load
        await wait_until(pilot, lambda: app.screen is screen)
        await idle(pilot, screen)
        assert result(screen).startswith(f"Loaded backup {first}")

        # The list is read again after the load; the focus is still on it, and so is a highlight:
        # Enter works again at once.
        assert app.focused is listed
        await wait_until(pilot, lambda: listed.option_count == 2)
        await pilot.pause()
        assert listed.highlighted is not None
        assert listed.get_option_at_index(listed.highlighted).id == first
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)


async def test_a_backup_moved_to_is_kept_highlighted_when_the_list_is_read_again() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await save_backups(app, "one", "two", "three")
        screen = await backups_panel(pilot, app, listed=3)
        listed = await tab_to_the_list(pilot, screen)
        await pilot.press("down")
        await pilot.pause()
        chosen = listed.get_option_at_index(1).id
        assert listed.highlighted == 1
        screen.refresh_backups()
        await idle(pilot, screen)
        assert listed.highlighted is not None
        assert listed.get_option_at_index(listed.highlighted).id == chosen


async def test_tab_into_an_empty_list_highlights_nothing_and_enter_does_nothing() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await backups_panel(pilot, app, listed=0)
        listed = await tab_to_the_list(pilot, screen)
        await pilot.pause()
        assert listed.option_count == 1 and listed.get_option_at_index(0).disabled  # "No backups yet"
        assert listed.highlighted is None
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and not isinstance(app.screen, ConfirmScreen)


@pytest.mark.parametrize(
    ("names", "said"),
    [((), "No backups yet."), (("only",), "1 backup."), (("a", "b", "c"), "3 backups.")],
    ids=["none", "one", "three"],
)
async def test_list_counts_the_backups_in_words(names: tuple[str, ...], said: str) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await save_backups(app, *names)
        screen = await backups_panel(pilot, app, listed=len(names))
        screen.query_one("#btn-list").focus()
        await pilot.press("enter")
        await idle(pilot, screen)
        assert result(screen) == said


@pytest.mark.parametrize("typed", ["", "   "], ids=["empty", "spaces"])
@pytest.mark.parametrize("button", ["btn-save", "btn-load", None], ids=["save", "load", "enter-in-name"])
async def test_an_empty_name_is_told_to_type_one(typed: str, button: str | None) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await backups_panel(pilot, app, listed=0)
        screen.query_one("#sb-backup", Input).value = typed
        if button is not None:
            screen.query_one(f"#{button}").focus()
        await pilot.press("enter")
        await idle(pilot, screen)
        assert name_error(screen) == EMPTY_NAME
        assert result(screen).startswith("Not sent: 1 box to correct")
        assert not isinstance(app.screen, ConfirmScreen)
        assert screen.backups == []


async def test_a_name_with_bad_characters_still_gets_the_rule() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await backups_panel(pilot, app, listed=0)
        await pilot.press(*"before test", "enter")
        await idle(pilot, screen)
        said = name_error(screen)
        assert said.startswith("Name: letters, digits, '.', '_' or '-'"), said
        assert screen.query_one("#sb-backup", Input).value == "before test"  # kept, to be corrected
