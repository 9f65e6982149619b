"""Regenerate the README's screenshots from the real app.

The console runs over a seeded in-memory sandbox with a fixed clock and fixed ids (the same
deterministic factory the snapshot tests use, tests/tui/snapshot_apps.py), so the pictures only
change when the screens do. Run: python screenshots/generate.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "tui")]

SIZE = (120, 34)


def _pin_machine() -> None:
    """What the app reads from the machine rather than its context (see tests/tui/conftest.py)."""
    import tempfile

    os.environ["FPCONSOLE_HOME"] = tempfile.mkdtemp(prefix="fpconsole-shots-")
    os.environ["TZ"] = "<+05>-5"
    time.tzset()
    from snapshot_apps import START

    from fpconsole.store import cache as cache_module
    from fpconsole.tui.screens.base import ListScreen

    pinned = cache_module.to_micros(START)
    cache_module.now_us = lambda: pinned  # type: ignore[assignment]
    ListScreen.DETAIL_DELAY = 0.01  # type: ignore[attr-defined]


Scene = Callable[[Any], Awaitable[None]]


async def _clients(pilot: Any) -> None:
    return None


async def _cards(pilot: Any) -> None:
    from snapshot_apps import settle

    await pilot.press("f3")
    await settle(pilot)


async def _create_client(pilot: Any) -> None:
    from snapshot_apps import press_for_form

    await press_for_form(pilot, "n")
    await pilot.pause(0.2)


async def _requests(pilot: Any) -> None:
    from snapshot_apps import settle, wait_until

    from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID

    app = pilot.app
    backend = app.backend
    # A few changes among the reads the lists make, as an operator's session has them.
    cards = app.engine.snapshot(partner=BUILTIN_SANDBOX_AUTH_ID)["cards"]
    inactive = [c["card_id"] for c in cards if c["status"] == "inactive"]
    active = [c["card_id"] for c in cards if c["status"] == "active"]
    await pilot.press("f3")
    await settle(pilot)
    for method, body in (
        ("card.activate", {"card_id": inactive[0]}),
        ("card.block", {"card_id": active[0], "description": "card lost"}),
        ("card.unblock", {"card_id": inactive[1], "description": "found"}),  # refused: inactive
    ):
        backend.follow(await backend.submit(method, body))
    await wait_until(pilot, lambda: backend.in_process == 0)
    await pilot.press("f4")
    await settle(pilot)
    await pilot.press("v")  # changes only
    await settle(pilot)


async def _transactions(pilot: Any) -> None:
    from snapshot_apps import settle

    await pilot.press("f5")
    await settle(pilot)


async def _help(pilot: Any) -> None:
    await pilot.press("f3")
    await pilot.pause(0.2)
    await pilot.press("f1")
    await pilot.pause(0.2)


SCENES: dict[str, Scene] = {
    "clients": _clients,
    "cards": _cards,
    "create-client": _create_client,
    "requests": _requests,
    "transactions": _transactions,
    "help": _help,
}


async def _shoot(name: str, scene: Scene) -> Path:
    from snapshot_apps import make_app, wait_ready

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await scene(pilot)
        await pilot.pause(0.1)
        svg = app.export_screenshot(title=f"fpconsole · {name}")
    path = HERE / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


def main() -> int:
    _pin_machine()
    for name, scene in SCENES.items():
        path = asyncio.run(_shoot(name, scene))
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
