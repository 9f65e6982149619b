"""A live status update while a list is shown (a request going process → success changes the
top bar's count) repaints the bar's line, not the list's scrollbar column nor the whole bar
from its container: over SSH that was ~40 lines written for one changed word.

Structural, not timed: the regions the compositor is asked to repaint are recorded."""

from __future__ import annotations

import pytest
from snapshot_apps import make_app, wait_ready
from test_repaint_regions import Repaints, to_section

from fpconsole.tui.widgets.top_bar import TopBar

pytestmark = pytest.mark.usefixtures("deterministic_console")


@pytest.mark.parametrize("section", ["f2", "f3"], ids=["clients", "cards"])
async def test_the_in_process_count_changing_repaints_only_the_top_bar_line(section: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        screen = await to_section(pilot, section)
        bar = screen.query_one(TopBar)
        for count in (1, 0):  # a request enters `process`, then settles
            repaints = Repaints(screen)

            app.bar_news.publish((count, app.connection))
            await pilot.pause()
            await pilot.pause()

            assert bar.in_process == count
            assert repaints.regions, "the count was not repainted"
            assert {region.y for region in repaints.regions} == {bar.region.y}
            assert all(region.height == 1 for region in repaints.regions)
            # The container is not repainted as a whole: only its children that moved.
            assert bar.region not in repaints.regions
