"""The Requests detail over SSH: a cursor move between journal entries of different heights
repaints only the panel's lines that changed, never its scrollbar nor the layout (the scrollbar
shows while the panel has focus; without it a ▼/▲ says more is below/above), and the whole
request and answer stay reachable by scrolling.

Structural, not timed (bench/ssh_bytes.py prints the bytes in a real terminal)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from snapshot_apps import make_app, settle, wait_ready, wait_until
from test_repaint_regions import Repaints, to_section
from textual.pilot import Pilot

from fpconsole.tui.screens.requests import RequestsScreen
from fpconsole.tui.widgets.json_layout import json_lines
from fpconsole.tui.widgets.request_detail import MORE_ABOVE, MORE_BELOW, RequestDetail

SIZE = (120, 40)


def panel_lines(panel: RequestDetail) -> list[str]:
    return [panel.render_line(y).text for y in range(panel.scrollable_content_region.height)]


async def requests_with_reads(pilot: Pilot[Any]) -> RequestsScreen:
    """Moving through Cards reads each card (info, balance, limits): a journal whose neighbouring
    entries have details of different heights, some taller than the panel."""
    await wait_ready(pilot)
    await to_section(pilot, "f3")
    for _ in range(4):
        await pilot.press("down")
        await settle(pilot)
    screen = await to_section(pilot, "f4")
    assert isinstance(screen, RequestsScreen)
    return screen


@pytest.mark.usefixtures("deterministic_console")
async def test_a_cursor_move_between_entries_of_other_heights_repaints_only_changed_lines() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await requests_with_reads(pilot)
        panel = screen.detail
        window = panel.scrollable_content_region.height
        heights = {panel.virtual_size.height}
        for _ in range(4):
            before = panel.virtual_size.height
            repaints = Repaints(screen)

            await pilot.press("down")
            await settle(pilot)

            heights.add(panel.virtual_size.height)
            assert panel.virtual_size.height != before, "neighbours of the same height test nothing"
            assert repaints.layouts == 0, "a cursor move laid the screen out again"
            # One line at a time, never the scrollbar's column from top to bottom nor the panel.
            touching = [region for region in repaints.regions if region.overlaps(panel.region)]
            assert touching and all(region.height == 1 for region in touching), touching
        # The moves went from entries that fit to entries taller than the panel, and back.
        assert min(heights) <= window < max(heights)


@pytest.mark.usefixtures("deterministic_console")
async def test_the_scrollbar_shows_with_focus_and_a_cue_without_it() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await requests_with_reads(pilot)
        panel = screen.detail
        window = panel.scrollable_content_region.height
        while panel.virtual_size.height <= window:  # an entry taller than the panel
            await pilot.press("down")
            await settle(pilot)
        lines = panel_lines(panel)
        assert lines[-1].endswith(MORE_BELOW) and not lines[0].endswith(MORE_ABOVE)
        text = list(panel._lines)

        await pilot.press("tab")  # the panel: its scrollbar takes the column the cue was in
        await pilot.pause()
        assert app.focused is panel and panel.scrollbar_size_vertical == 1
        assert not any(line.rstrip().endswith(MORE_BELOW) for line in panel_lines(panel))
        assert panel._lines == text, "taking focus rewrapped the text"

        await pilot.press("end")  # all of it is there: the answer's last line
        await wait_until(pilot, lambda: panel_lines(panel)[-1].strip() == "}")  # scrolled on the next frame
        shown = panel_lines(panel)
        assert any("status_reason" in line for line in shown)

        await pilot.press("shift+tab")  # back to the list: scrolled down, so a cue above
        await pilot.pause()
        assert app.focused is not panel and panel.scrollbar_size_vertical == 0
        lines = panel_lines(panel)
        assert lines[0].endswith(MORE_ABOVE) and not lines[-1].endswith(MORE_BELOW)


async def test_another_entry_opens_at_its_top_and_the_same_one_keeps_its_place() -> None:
    # QA: scrolled down in one entry, every entry chosen after it opened scrolled down too, its
    # method, request_id and status hidden above the ▲.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:  # where most entries are taller than the panel
        screen = await requests_with_reads(pilot)
        panel = screen.detail
        window = panel.scrollable_content_region.height
        while panel.virtual_size.height <= window:
            await pilot.press("down")
            await settle(pilot)
        await pilot.press("tab", "end")
        await wait_until(pilot, lambda: panel.scroll_y > 0)  # End scrolls after the next refresh
        row = screen.table.current_row
        screen.show_detail(row)  # the same entry again (its status moved on): it stays put
        await pilot.pause()
        assert panel.scroll_y > 0
        shown = screen.table.current_row
        await pilot.press("shift+tab", "down")
        await settle(pilot)
        assert screen.table.current_row is not None and shown is not None
        assert screen.table.current_row.key != shown.key
        assert panel.virtual_size.height > window  # it could have stayed scrolled down
        assert panel.scroll_y == 0
        assert panel_lines(panel)[0].strip().startswith(str(screen.table.current_row.data.get("method")))


@pytest.mark.usefixtures("deterministic_console")
async def test_the_detail_shows_the_request_and_the_answer_whole() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await requests_with_reads(pilot)
        row = screen.table.current_row
        assert row is not None
        text = "\n".join(strip.text for strip in screen.detail._lines)
        for part in ("Request (redacted)", "Response (redacted)", row.key):
            assert part in text
        # Every value of the answer is in the panel, laid out as json_lines does it.
        answer = json_lines(row.data["response"], screen.detail._lines_width)
        assert "\n".join(answer) in "\n".join(strip.text.rstrip() for strip in screen.detail._lines)


# --- json_lines ---------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=20,
)


@given(value=JSON, width=st.integers(min_value=4, max_value=60))
def test_json_lines_fit_the_width_and_lose_nothing(value: Any, width: int) -> None:
    lines = json_lines(value, width)
    assert all(cell_len(line) <= width for line in lines)
    # Only whitespace is added (indents, line breaks): every character is there, in order.
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", json.dumps(value, ensure_ascii=False))


def test_json_lines_keep_a_long_value_with_its_comma() -> None:
    entry = {
        "request_id": "42320e6e-e97e-4962-b41e-2b92c76fc40f",
        "card": {"card_token": "f2208c9f-979e-4a8a-a70a-57279f7f6c34", "list": [1, 2], "none": {}},
    }
    assert json_lines(entry, 40) == [
        "{",
        ' "request_id":',
        ' "42320e6e-e97e-4962-b41e-2b92c76fc40f",',  # one deeper would not fit: as deep as fits
        ' "card": {',
        '  "card_token":',
        ' "f2208c9f-979e-4a8a-a70a-57279f7f6c34",',
        '  "list": [1, 2],',  # small enough for its line
        '  "none": {}',
        " }",
        "}",
    ]
    assert json_lines(entry, 80)[1] == ' "request_id": "42320e6e-e97e-4962-b41e-2b92c76fc40f",'
    assert json_lines(entry, 20)[1:4] == [' "request_id":', '  "42320e6e-e97e-496', "   2-b41e-2b92c76fc4"]
