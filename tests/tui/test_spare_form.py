"""The form a section's `n` opens is built while the operator reads the list (spare_form.py): it
opens as the form built at once would, and is not used once it is out of date."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from typing import Any

import pytest
from snapshot_apps import (
    SnapshotApp,
    current_form,
    make_app,
    press_for_form,
    settle,
    wait_ready,
    wait_until,
)
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from fpconsole.tui import spare_form
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.spare_form import SpareForms

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (110, 36)
REQUEST_ID = re.compile(r"00000000-0000-4000-8000-\d{12}")
DEADLINE_S = 30.0  # only guards against a hang: the build waits for a pause, then mounts a form


def spare_app(**overrides: Any) -> SnapshotApp:
    app = make_app(**overrides)
    app.build_spare_forms = True  # a headless console builds none unless told to
    return app


async def spare_built(pilot: Pilot[Any], method: str) -> RequestFormScreen:
    app = pilot.app
    assert isinstance(app, SnapshotApp)

    def ready() -> bool:
        spare = app.spare_forms.spare
        return spare is not None and spare.method.name == method

    await wait_until(pilot, ready, timeout=DEADLINE_S)
    spare = app.spare_forms.spare
    assert spare is not None
    return spare


def screen_text(app: SnapshotApp) -> list[str]:
    """The top screen's lines, its request_id blanked (the spare spent its id when it was built)."""
    return [REQUEST_ID.sub("<id>", strip.text) for strip in app.screen._compositor.render_strips()]


async def form_built_at_once(size: tuple[int, int] = SIZE) -> list[str]:
    """What Create client shows opened on a console that builds no form ahead."""
    fresh = make_app()
    async with fresh.run_test(size=size) as pilot:
        await wait_ready(pilot)
        await press_for_form(pilot, "n")
        await pilot.pause()
        assert fresh.spare_forms.taken == 0
        return screen_text(fresh)


async def test_n_opens_the_form_built_ahead_and_it_shows_what_a_form_built_at_once_shows() -> None:
    expected = await form_built_at_once()

    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        spare = await spare_built(pilot, "client.add")
        form = await press_for_form(pilot, "n")
        await pilot.pause()
        assert form is spare and app.spare_forms.taken == 1
        assert screen_text(app) == expected
        # It is the form in every way: the focus is on its first field, and typing goes there.
        assert form.focused is not None and form.focused.id == "field-product_id"
        await pilot.press("tab", "tab", *"77011234567")
        assert form.read_input().values["client.phone"] == "77011234567"


async def test_after_the_form_closes_the_next_one_is_built_and_a_kept_draft_is_in_it() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        first = await spare_built(pilot, "client.add")
        await press_for_form(pilot, "n")
        await pilot.press("tab", "tab", *"77011234567", "escape", "k")  # keep it as a draft
        await wait_until(pilot, lambda: not isinstance(app.screen, RequestFormScreen))
        second = await spare_built(pilot, "client.add")
        assert second is not first and not first.is_attached
        form = await press_for_form(pilot, "n")
        assert form is second and app.spare_forms.taken == 2
        assert form.draft_restored and form.read_input().values["client.phone"] == "77011234567"


async def test_a_spare_built_before_a_draft_was_kept_elsewhere_is_not_used() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        spare = await spare_built(pilot, "client.add")
        assert app.drafts is not None
        app.drafts.save_draft("client.add", {"client.phone": "77015550000"})  # another console's, say
        form = await press_for_form(pilot, "n")
        assert form is not spare and app.spare_forms.taken == 0
        assert form.read_input().values["client.phone"] == "77015550000"
        await wait_until(pilot, lambda: not spare.is_attached)


async def test_a_spare_built_under_another_theme_is_not_used() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        spare = await spare_built(pilot, "client.add")
        app.theme = next(name for name in app.available_themes if name != app.theme)
        form = await press_for_form(pilot, "n")
        assert form is not spare and app.spare_forms.taken == 0


async def test_each_section_gets_its_own_n_form_and_a_filled_in_form_is_built_at_once() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        clients_form = await spare_built(pilot, "client.add")
        await pilot.press("f3")
        await wait_ready(pilot)
        cards_form = await spare_built(pilot, "card.issue")
        assert not clients_form.is_attached
        assert await press_for_form(pilot, "n") is cards_form  # what n opens in Cards
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, RequestFormScreen))
        # `i` on a client opens Issue card filled in for it: not a blank one built ahead.
        await pilot.press("f2")
        await wait_ready(pilot)
        form = await press_for_form(pilot, "i")
        assert form.read_input().values["client_id"]
        assert app.spare_forms.taken == 1


async def test_a_read_only_profile_builds_no_form_it_could_not_send() -> None:
    app = spare_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        app.spare_forms._paused()  # what the pause's timer runs
        await pilot.pause()
        assert app.spare_forms.spare is None and not app.spare_forms._building


async def test_a_headless_console_builds_none_unless_told_to() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert not app.spare_forms.enabled
        app.spare_forms._paused()
        assert app.spare_forms.spare is None


async def test_a_spare_that_cannot_be_built_turns_spares_off_and_n_still_opens_the_form() -> None:
    app = spare_app()

    def broken(name: str) -> RequestFormScreen:
        raise RuntimeError("compose failed")

    app.spare_forms = SpareForms(app, broken, app._form_wanted_next, app._form_conditions)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await wait_until(pilot, lambda: app.spare_forms.failure, timeout=DEADLINE_S)
        assert "compose failed" in app.spare_forms.failure
        await press_for_form(pilot, "n")
        assert current_form(app).method.name == "client.add"
        app.spare_forms.schedule()
        assert app.spare_forms._timer is None  # off for the session


async def test_the_console_ends_cleanly_with_a_spare_built() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        spare = await spare_built(pilot, "client.add")
        await pilot.press("ctrl+q")
    assert not spare.is_attached and app.return_code in (0, None)


async def test_none_is_built_before_the_starts_first_listing_is_over() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        spare = await spare_built(pilot, "client.add")
        app.spare_forms.discard()
        await wait_until(pilot, lambda: not spare.is_attached)
        app.waiting_for_data = "Loading the sandbox's clients, cards and transactions…"
        app.spare_forms._paused()  # a pause during the start: the prime has the loop
        assert app.spare_forms.spare is None and not app.spare_forms._building
        app._first_listing_over()  # schedules the build for the next pause
        assert await spare_built(pilot, "client.add") is not spare


async def test_n_while_the_form_is_being_built_takes_it_rather_than_building_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = await form_built_at_once()

    # The build is held after the form has mounted and before it is laid out off screen.
    gate = asyncio.Event()
    mount = spare_form.mount_offstage

    def held_mount(app: Any, screen: RequestFormScreen) -> Awaitable[None]:
        mounted = mount(app, screen)

        async def held() -> None:
            await mounted
            await gate.wait()

        return held()

    monkeypatch.setattr(spare_form, "mount_offstage", held_mount)
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        spares = app.spare_forms

        def mounting() -> bool:
            return spares._pending is not None and spares._pending.is_running

        await wait_until(pilot, mounting, timeout=DEADLINE_S)
        pending = spares._pending
        form = await press_for_form(pilot, "n")
        assert form is pending and spares.taken == 1
        gate.set()
        await wait_until(pilot, lambda: not spares._building, timeout=DEADLINE_S)
        await pilot.pause()
        assert spares.spare is None and app.screen is form  # not kept as the next spare as well
        assert screen_text(app) == expected
        await pilot.press("tab", "tab", *"77011234567")
        assert form.read_input().values["client.phone"] == "77011234567"


async def test_a_burst_typed_with_n_leaves_a_small_terminals_form_where_it_opened() -> None:
    """80x24: the fields scroll, so their scrollbar shows once they are laid out. A form built
    ahead was pushed with its boxes a column wider than the fields beside the scrollbar, so a
    Tab right behind `n` found Branch id "not wholly in view" and scrolled Product away."""
    app = spare_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        spare = await spare_built(pilot, "client.add")
        for key, character in (("n", "n"), ("tab", None), ("B", "B")):  # one burst, as over SSH
            app.post_message(events.Key(key, character))
        await wait_until(pilot, lambda: spare.read_input().values.get("branch_id") == "B")
        await settle(pilot)
        assert app.screen is spare
        assert spare.query_one("#fields").scroll_y == 0


# --- a form closed as it opened is kept for the next `n` -----------------------------------------


async def closed(pilot: Pilot[Any]) -> None:
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, RequestFormScreen))
    await pilot.pause()


async def kept_form(pilot: Pilot[Any]) -> RequestFormScreen:
    """Create client opened from the spare built ahead and closed with Esc as it opened."""
    await wait_ready(pilot)
    await spare_built(pilot, "client.add")
    form = await press_for_form(pilot, "n")
    await closed(pilot)
    return form


async def test_a_form_closed_as_it_opened_is_kept_and_n_shows_it_again_as_it_first_was() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await spare_built(pilot, "client.add")
        form = await press_for_form(pilot, "n")
        first_look = screen_text(app)
        await closed(pilot)
        assert app.spare_forms.spare is form and app.spare_forms.kept == 1 and form.is_running
        again = await press_for_form(pilot, "n")
        await pilot.pause()
        assert again is form and app.spare_forms.taken == 2
        assert screen_text(app) == first_look
        assert form.focused is not None and form.focused.id == "field-product_id"
        await pilot.press("tab", "tab", *"77011234567")
        assert form.read_input().values["client.phone"] == "77011234567"


async def test_a_form_built_at_once_closed_as_it_opened_is_kept_too() -> None:
    expected = await form_built_at_once()
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        app.spare_forms.discard()  # none built ahead: `n` builds it now
        form = await press_for_form(pilot, "n")
        assert app.spare_forms.taken == 0
        await closed(pilot)
        assert app.spare_forms.spare is form
        assert await press_for_form(pilot, "n") is form
        await pilot.pause()
        assert screen_text(app) == expected


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("tab", "tab", "7", "backspace", "shift+tab", "shift+tab"), id="typed-then-deleted"),
        pytest.param(("tab", "shift+tab"), id="focus-moved-and-back"),
    ],
)
async def test_a_form_any_key_reached_is_not_kept_even_if_it_looks_as_it_opened(
    keys: tuple[str, ...],
) -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await spare_built(pilot, "client.add")
        form = await press_for_form(pilot, "n")
        await pilot.press(*keys)
        await pilot.pause()
        assert form.as_opened()  # as far as the form can tell
        await closed(pilot)
        assert app.spare_forms.spare is not form and app.spare_forms.kept == 0
        await wait_until(pilot, lambda: not form.is_attached)
        assert not app.is_screen_installed(form)


async def test_a_click_on_the_form_is_the_operators_too() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await spare_built(pilot, "client.add")
        form = await press_for_form(pilot, "n")
        # A click on the title changes nothing, but it is the operator's doing. Posted to the
        # app as the terminal's driver does (Pilot.click hands it to the screen directly).
        title = form.query_one("#form-title").region
        for kind in (events.MouseDown, events.MouseUp):
            app.post_message(kind(None, title.x + 1, title.y, 0, 0, 1, False, False, False))
        await pilot.pause()
        await closed(pilot)
        assert app.spare_forms.kept == 0
        await wait_until(pilot, lambda: not form.is_attached)


async def test_a_form_changed_from_code_is_not_kept() -> None:
    """The form's own word counts as well as the input seen: a submit tried with nothing typed
    shows errors, and a form showing them is not the one `n` opens."""
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await spare_built(pilot, "client.add")
        form = await press_for_form(pilot, "n")
        assert form.as_opened()
        form.action_submit()
        await pilot.pause()
        assert not form.as_opened()
        await closed(pilot)
        assert app.spare_forms.kept == 0
        await wait_until(pilot, lambda: not form.is_attached)


async def test_a_kept_form_is_not_shown_under_another_theme_and_goes() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await kept_form(pilot)
        assert app.spare_forms.spare is form
        app.theme = next(name for name in app.available_themes if name != app.theme)
        assert await press_for_form(pilot, "n") is not form
        await wait_until(pilot, lambda: not form.is_attached)
        assert not app.is_screen_installed(form)


async def test_a_kept_form_used_the_next_time_goes_when_closed() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await kept_form(pilot)
        assert await press_for_form(pilot, "n") is form
        await pilot.press("tab", "tab", *"77011234567", "escape", "k")  # kept as a draft
        await wait_until(pilot, lambda: not isinstance(app.screen, RequestFormScreen))
        await wait_until(pilot, lambda: not form.is_attached)
        assert not app.is_screen_installed(form) and app.spare_forms.spare is not form
        again = await press_for_form(pilot, "n")
        assert again is not form and again.read_input().values["client.phone"] == "77011234567"


async def test_a_kept_form_goes_when_the_section_opens_another() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await kept_form(pilot)
        await pilot.press("f3")
        await wait_ready(pilot)
        assert (await spare_built(pilot, "card.issue")) is not form
        await wait_until(pilot, lambda: not form.is_attached)
        assert not app.is_screen_installed(form)


async def test_the_console_ends_cleanly_with_a_kept_form() -> None:
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await kept_form(pilot)
        assert app.spare_forms.spare is form
        await pilot.press("ctrl+q")
    assert not form.is_attached and app.return_code in (0, None)


async def test_a_kept_form_shown_after_the_terminal_was_resized_is_laid_out_at_the_new_size() -> None:
    expected = await form_built_at_once((90, 30))
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await kept_form(pilot)
        await pilot.resize_terminal(90, 30)
        await settle(pilot)
        assert await press_for_form(pilot, "n") is form
        await pilot.pause()
        assert screen_text(app) == expected


async def test_n_typed_right_behind_the_esc_opens_the_kept_form() -> None:
    """Both keys come before the form handled the Esc: the `n` is for the list (QA 24)."""
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await spare_built(pilot, "client.add")
        form = await press_for_form(pilot, "n")
        for key, character in (("escape", "\x1b"), ("n", "n")):  # one burst, as over SSH
            app.post_message(events.Key(key, character))
        await wait_until(pilot, lambda: app.spare_forms.taken == 2)
        await pilot.pause()
        assert app.screen is form and app.spare_forms.kept == 1


async def test_a_kept_form_that_changed_after_it_closed_is_not_shown_again() -> None:
    """A key on its way to the form as it closed lands in it once kept: never shown so."""
    app = spare_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await kept_form(pilot)
        assert app.spare_forms.spare is form
        form.query_one("#field-client_phone", Input).value = "7"  # the stray key
        again = await press_for_form(pilot, "n")
        assert again is not form and again.read_input().values["client.phone"] == ""
        await wait_until(pilot, lambda: not form.is_attached)
