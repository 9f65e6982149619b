"""ctrl+r in a list asks the sandbox what changed since the last prime (one short read now), so
a card blocked, a backup loaded or a reset from the CLI or another console shows without a
restart (QA 20: ctrl+r only re-read the cache, and a CLI backup load showed after a restart)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from snapshot_apps import SnapshotApp, make_app, settle, wait_ready, wait_until

from fpconsole.api import methods as api
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.screens.cards import CardsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

_IDS = itertools.count(1)


def block_elsewhere(app: SnapshotApp, card_id: str) -> None:
    """As the CLI or another console would: straight to the sandbox, not through this console."""
    body = {
        "request_id": f"00000000-0000-4000-9000-{next(_IDS):012d}",
        "card_id": card_id,
        "description": "x",
    }
    app.engine.handle(api.CARD_BLOCK, api.CARD_BLOCK.request.model_validate(body), partner=PARTNER)
    app.engine.snapshot(partner=PARTNER, limit=1)  # its delay is 0: this settles it


def cached_status(app: SnapshotApp, card_id: str) -> Any:
    assert app.cache is not None
    entity = app.cache.get("cards", card_id)
    return getattr(entity, "status", None)


async def test_ctrl_r_shows_what_changed_in_the_sandbox_elsewhere() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        await settle(pilot)
        card_id = next(
            c["card_id"] for c in app.engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active"
        )
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        block_elsewhere(app, card_id)
        assert cached_status(app, card_id) == "active"  # nothing told the console

        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: cached_status(app, card_id) == "blocked")


async def test_ctrl_r_after_a_reset_elsewhere_empties_the_lists() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        await settle(pilot)
        assert app.cache is not None and app.cache.count("clients", None) > 0
        app.engine.reset(PARTNER)

        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.cache is not None and app.cache.count("clients", None) == 0)
