"""What a key repaints: over SSH every repainted cell is written to the terminal again, so a
cursor move in a list must not lay the screen out again nor repaint the whole list or panel.

Structural, not timed: the regions the screen's compositor is asked to repaint are recorded
(bench/ssh_bytes.py prints what they cost in bytes in a real terminal)."""

from __future__ import annotations

from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from snapshot_apps import make_app, settle, wait_ready, wait_until
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip

from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.widgets.line_diff import changed_span

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (120, 40)


class Repaints:
    """Records the screen's layout passes and the regions each repaint covers."""

    def __init__(self, screen: ListScreen) -> None:
        self.layouts = 0
        self.regions: list[Region] = []
        compositor = screen._compositor
        render_update = compositor.render_update
        refresh_layout = screen._refresh_layout

        def recording_render_update(*args: Any, **kwargs: Any) -> Any:
            self.regions.extend(compositor._dirty_regions)
            return render_update(*args, **kwargs)

        def recording_refresh_layout(*args: Any, **kwargs: Any) -> None:
            self.layouts += 1
            refresh_layout(*args, **kwargs)

        compositor.render_update = recording_render_update  # type: ignore[method-assign]
        screen._refresh_layout = recording_refresh_layout  # type: ignore[method-assign]

    def lines_within(self, region: Region) -> set[int]:
        return {y for found in self.regions if (part := found.intersection(region)) for y in part.line_range}


async def to_section(pilot: Pilot[Any], key: str) -> ListScreen:
    if key != "f2":
        await pilot.press(key)
        await wait_until(
            pilot, lambda: isinstance(pilot.app.screen, ListScreen) and pilot.app.screen.is_current
        )
    screen = pilot.app.screen
    assert isinstance(screen, ListScreen)
    await wait_until(pilot, lambda: screen.table.row_count > 2)
    await settle(pilot)
    return screen


@pytest.mark.parametrize("section", ["f2", "f3", "f5"], ids=["clients", "cards", "transactions"])
async def test_a_cursor_move_repaints_two_list_lines_and_lays_nothing_out(section: str) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await to_section(pilot, section)
        table = screen.table
        top = table.region.y + 1  # the header line
        first = table.cursor_row
        await pilot.pause()
        repaints = Repaints(screen)

        await pilot.press("down")
        await settle(pilot)  # the detail's fetch and what it writes to the cache included

        assert table.cursor_row == first + 1
        assert repaints.layouts == 0, "a cursor move laid the screen out again"
        assert repaints.lines_within(table.region) == {top + first, top + first + 1}
        # The detail panel repaints the lines whose content changed, one line at a time, never
        # the whole panel (its labels and blank lines stay).
        detail = screen.detail.region
        assert all(region.height == 1 for region in repaints.regions if region.overlaps(detail))
        assert len(repaints.lines_within(detail)) < detail.height


async def test_moving_back_to_a_row_repaints_only_what_differs_in_the_detail() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await to_section(pilot, "f2")
        await pilot.press("down")
        await settle(pilot)
        await pilot.press("up")
        await settle(pilot)
        repaints = Repaints(screen)

        screen.show_detail(screen.table.current_row, fetch=False)  # the same row shown again
        await pilot.pause()
        await pilot.pause()

        assert repaints.lines_within(screen.detail.region) == set()


def test_changed_span_is_the_cells_that_differ() -> None:
    plain, bold = Style(), Style(bold=True)
    old = Strip([Segment("client_id ", plain), Segment("CL-100040", plain)])
    assert changed_span(old, old, 40) is None
    assert changed_span(old, Strip([Segment("client_id ", plain), Segment("CL-100039", plain)]), 40) == (
        17,
        19,
    )
    assert changed_span(old, Strip([Segment("client_id ", bold), Segment("CL-100040", plain)]), 40) == (0, 10)
    assert changed_span(None, old, 40) == (0, 40)  # never painted: all of it
    assert changed_span(old, Strip([Segment("client_id", plain)]), 40) == (9, 19)  # shorter: the rest
    assert changed_span(old, Strip([Segment("名前", plain)]), 40) == (0, 40)  # wide characters: all
    # Equal cells in other segments: repainted at the first cell, so the paint records the new.
    assert changed_span(Strip([]), Strip([Segment("", plain)]), 40) == (0, 1)
