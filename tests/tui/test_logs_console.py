"""`fpconsole --debug` in the console: keys (never the characters typed), actions and failed
workers go to the log file; without --debug none of it does."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from snapshot_apps import make_app, wait_ready, wait_until

from fpconsole import logs

pytestmark = pytest.mark.usefixtures("deterministic_console")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root, own = logging.getLogger(), logging.getLogger(logs.OWN_LOGGER)
    levels = root.level, own.level
    yield
    for handler in logs._installed:
        root.removeHandler(handler)
        handler.close()
    logs._installed.clear()
    root.setLevel(levels[0])
    own.setLevel(levels[1])


async def _session(debug: bool) -> str:
    path = logs.setup_logging(debug=debug)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("/")  # the filter box: what is typed there is an operator's text
        await pilot.press("4", "4", "0", "0", "escape", "f3")

        async def broken() -> None:
            raise RuntimeError("the card 4400430000000007 could not be read")

        worker = app.run_worker(broken(), name="read-card", exit_on_error=False)
        await wait_until(pilot, lambda: worker.is_finished)
        await pilot.pause()
    return path.read_text() if path.exists() else ""


async def test_debug_logs_keys_actions_and_failed_workers(isolated_home: Path) -> None:
    text = await _session(debug=True)
    assert "key a character on" in text and "key escape on" in text and "key f3 on" in text
    assert "action section('cards')" in text
    assert "worker read-card of" in text and "failed" in text
    assert "RuntimeError: the card 440043******0007 could not be read" in text  # the traceback, redacted
    assert "4400430000000007" not in text
    assert "key 4" not in text and "key 0" not in text  # which characters were typed: never


async def test_without_debug_the_console_logs_no_keys(isolated_home: Path) -> None:
    text = await _session(debug=False)
    assert "key " not in text and "worker read-card" not in text
