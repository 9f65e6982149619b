"""NO_COLOR: errors carry a ✗ marker, not only their colour. TERM=linux: nothing is drawn with a
glyph the Linux console's fonts lack (rounded or heavy lines, eighth blocks, ● ◌ ✕ …)."""

from __future__ import annotations

import pytest
from form_helpers import FakeBackend, FormHost, set_fields, text_of
from snapshot_apps import make_app, press_for_form, wait_ready, wait_until
from textual.widgets import Label, Static

from fpconsole.api import methods as api
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.glyphs import PLAIN, PlainGlyphs, error_marker, marked, plain_text

LACKING = "".join(lacks for lacks, _ in PLAIN)
RID = "828cf71d-a447-4a67-a149-c1df8bc197ca"


def test_the_marker_follows_no_color_and_term(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert error_marker() == "" and marked("bad") == "bad"
    monkeypatch.setenv("NO_COLOR", "1")
    assert marked("bad") == "✗ bad" and marked(marked("bad")) == "✗ bad" and marked("") == ""
    monkeypatch.setenv("TERM", "linux")
    assert marked("bad") == "× bad"


def test_plain_glyphs_keep_every_cell() -> None:
    fancy = "╭──╮ ━━ ● ◌ ✕ ▔▁ ⏎ ▜▖"
    plain = plain_text(fancy)
    assert len(plain) == len(fancy) and not set(plain) & set(LACKING)
    assert plain == "┌──┐ ── * o x ▀▄ ← █▄"


async def test_no_color_marks_a_forms_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    app = FormHost(lambda: RequestFormScreen(api.CLIENT_ADD, new_request_id=lambda: RID), FakeBackend())
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, RequestFormScreen)
        set_fields(screen, {"product_id": "2000", "client.phone": "12"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        phone = text_of(screen.query_one("#error-client_phone", Label))
        assert phone.startswith("✗ Phone: expected")
        assert text_of(screen.query_one("#form-error", Static)).startswith("✗ Not sent:")


@pytest.mark.usefixtures("deterministic_console")
async def test_no_color_marks_error_toasts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        app.notify("Export failed: disk full", severity="error")
        app.notify("Saved", severity="information")
        await wait_until(pilot, lambda: len(list(app._notifications)) >= 2)
        messages = [n.message for n in app._notifications]
        assert "✗ Export failed: disk full" in messages and "Saved" in messages


@pytest.mark.usefixtures("deterministic_console")
async def test_term_linux_draws_no_glyph_the_console_font_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert any(isinstance(f, PlainGlyphs) for f in app._filters)
        form = await press_for_form(pilot, "n")  # a form: a rounded border, a scrollbar
        await wait_until(pilot, lambda: form.is_mounted)
        await pilot.pause()
        drawn = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "┌" in drawn and not set(drawn) & set(LACKING), sorted(set(drawn) & set(LACKING))
