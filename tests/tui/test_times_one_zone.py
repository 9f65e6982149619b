"""Every screen shows a moment at the same time, in the console's zone, and says which (QA finding
10: F7's card history showed a refund at 15:20, the sandbox's +05:00 wall clock, unlabelled, while
the statement showed it at 10:20, the console's UTC).

The console here runs in UTC-03:00: neither the sandbox's +05:00 nor UTC, so a time shown as
stored, in either, is caught.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from snapshot_apps import SnapshotApp, make_app, wait_ready, wait_until

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui import display_time
from fpconsole.tui.card_history import CardChange, changes_title
from fpconsole.tui.statement_model import shown_time

ZONE = "UTC-03:00"


pytestmark = pytest.mark.usefixtures("console_in_minus_three")

REFUND_AT = "2026-12-06T15:20:00+05:00"  # the sandbox's answer: 10:20 UTC, 07:20 in UTC-03:00


def test_each_screens_time_of_one_moment_is_the_same_and_the_zone_is_said() -> None:
    moment = display_time.parse_time(REFUND_AT)
    assert moment is not None
    assert shown_time(moment) == "2026-12-06 07:20"  # the statement
    assert CardChange(moment.astimezone(UTC), "card.block", "success", "").when == "2026-12-06 07:20"  # Cards
    assert changes_title() == f"Last changes ({ZONE})"
    assert display_time.with_zone(REFUND_AT) == f"2026-12-06 07:20:00 {ZONE}"
    assert display_time.header("When") == f"When ({ZONE})"


def test_times_that_are_not_times_are_shown_as_they_came() -> None:
    assert display_time.shown("") == "" and display_time.shown(None) == ""
    assert display_time.shown("yesterday") == "yesterday"
    assert display_time.shown("2026-12-06T10:20:00Z") == "2026-12-06 07:20"
    naive = display_time.parse_time("2026-12-06T10:20:00")  # no offset: taken as the console's
    assert naive is not None and naive.utcoffset() is not None


def _active_card(app: SnapshotApp) -> str:
    cards = app.engine.snapshot(partner=PARTNER)["cards"]
    return str(next(c["card_id"] for c in cards if c["status"] == "active"))


async def test_the_requests_detail_says_when_a_request_was_sent_with_its_zone() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        card_id = _active_card(app)
        assert app.backend is not None
        await app.backend.read("card.info", {"card_id": card_id})
        await pilot.press("f4")
        await wait_until(pilot, lambda: getattr(app.screen, "SECTION", "") == "Requests")
        screen: Any = app.screen
        await wait_until(pilot, lambda: screen.table.row_count > 0, timeout=30)
        entry = screen.table.current_row.data
        sent = display_time.with_zone(entry["sent_at"])
        assert sent.endswith(ZONE)
        await wait_until(pilot, lambda: sent in "\n".join(s.text for s in screen.detail._lines), timeout=30)
