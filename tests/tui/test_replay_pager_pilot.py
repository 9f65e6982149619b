"""Requests: R replays a past request in its form (pre-filled, a new request_id, the secrets empty
and marked to be typed again); o shows the raw request and answer in $PAGER with the console
suspended and back intact, or in the console itself where there is no pager."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from snapshot_apps import SnapshotApp, make_app, settle, wait_ready, wait_until
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from fpconsole import pager
from fpconsole.api.methods import REGISTRY
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.screens.requests import RequestsScreen
from fpconsole.tui.text_pager import TextView

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (110, 32)
PIN = "4921"


async def set_pin_in_requests(pilot: Pilot[Any]) -> str:
    """Send card.set_pin for a sandbox card (as the form would), go to Requests and select it."""
    app = pilot.app
    assert isinstance(app, SnapshotApp) and app.backend is not None
    card = next(c for c in app.engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active")
    method = REGISTRY.resolve("card.set_pin")
    prepared = app.backend.client.prepare(method, {"card_id": card["card_id"], "pin": PIN})
    await app.backend.client.call(method, prepared)
    request_id = str(prepared.request_id)
    await pilot.press("f4")
    await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
    screen = app.screen
    assert isinstance(screen, RequestsScreen)
    # On top before it has composed its list (CI: NoMatches '#list'), as a section first shown is.
    await wait_until(pilot, lambda: bool(screen.query("#list")))
    screen.reload()
    await wait_until(pilot, lambda: screen.table.move_to_key(request_id))
    await settle(pilot)
    return request_id


def field(form: RequestFormScreen, name: str, suffix: str = "") -> Input:
    item = form.spec.get_field(name)
    assert item is not None
    return form.query_one(f"#field-{item.widget_id}{suffix}", Input)


async def test_replay_opens_the_form_prefilled_with_a_new_request_id_and_the_pin_to_type_again() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        request_id = await set_pin_in_requests(pilot)
        entry = app.screen.table.current_row.data  # type: ignore[attr-defined]
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen))
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        assert form.method.name == "card.set_pin"
        assert field(form, "card_id").value == entry["request"]["card_id"]
        assert form.request_id != request_id
        pin = field(form, "pin")
        assert pin.value == "" and pin.placeholder == "re-enter: never kept in the journal"
        assert field(form, "pin", "-repeat").placeholder == "re-enter: never kept in the journal"
        notes = [str(n.message) for n in app._notifications]
        assert any(
            f"Replay of {request_id[:8]}…: a new request with a new request_id; re-enter" in n for n in notes
        )


@contextlib.contextmanager
def handed_over() -> Iterator[None]:
    """What App.suspend does on a real terminal; the test's headless driver cannot suspend."""
    yield


async def test_o_shows_the_raw_json_in_the_pager_and_the_console_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paged = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(f"import sys\nopen({str(paged)!r}, 'w').write(sys.stdin.read())\n")
    monkeypatch.setenv("PAGER", f"{sys.executable} {script}")
    suspended: list[bool] = []

    def suspend(self: App[Any]) -> contextlib.AbstractContextManager[None]:
        suspended.append(True)
        return handed_over()

    monkeypatch.setattr(App, "suspend", suspend)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        request_id = await set_pin_in_requests(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert suspended == [True]
        text = paged.read_text()
        assert '"method": "card.set_pin"' in text and request_id in text
        assert PIN not in text.replace(request_id, "")  # the journal's redacted copy only
        assert isinstance(app.screen, RequestsScreen)  # back where it was, nothing pushed
        assert app.screen.table.current_row is not None and app.screen.table.current_row.key == request_id


async def test_without_a_pager_or_a_terminal_to_hand_over_the_json_shows_in_the_console(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        request_id = await set_pin_in_requests(pilot)
        monkeypatch.setattr(pager.shutil, "which", lambda name: None)  # no less, no $PAGER to run
        monkeypatch.delenv("PAGER", raising=False)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, TextView))
        body = str(app.screen.query_one("#text-body", Static).render())
        assert '"method": "card.set_pin"' in body and request_id in body
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))

        # A PAGER that names no program: said (QA found it silent), then shown here.
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        monkeypatch.setenv("PAGER", "/nonexistent/pager")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, TextView))
        notes = [str(n.message) for n in app._notifications]
        assert any("/nonexistent/pager is not a program found on PATH; shown here" in n for n in notes)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))

        # A pager that exists, on a driver that cannot suspend (this one): said, then shown here.
        monkeypatch.setenv("PAGER", sys.executable)
        monkeypatch.setattr(pager.shutil, "which", lambda name: name)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, TextView))
        notes = [str(n.message) for n in app._notifications]
        assert any("cannot hand the screen to a pager; shown here instead" in n for n in notes)


async def test_an_export_can_be_read_in_the_pager_instead_of_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from fpconsole.tui.actions_menu import ActionsMenu

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        request_id = await set_pin_in_requests(pilot)
        monkeypatch.setattr(pager.shutil, "which", lambda name: None)
        monkeypatch.delenv("PAGER", raising=False)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        menu = app.screen
        assert isinstance(menu, ActionsMenu)
        choice = next(a for a in menu.actions if a.title.endswith("· view in pager"))
        await pilot.press(choice.key)
        await wait_until(pilot, lambda: isinstance(app.screen, TextView))
        assert request_id in str(app.screen.query_one("#text-body", Static).render())
        assert not (app.screenshot_folder().parent / "exports").exists()  # shown, not written
