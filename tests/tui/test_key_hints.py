"""The key line (widgets/key_hints.py): the keys of the focused widget and its screen, a click
presses one, a focus move repaints it without mounting anything, and a key that does not fit is
left out whole rather than cut."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from fpconsole.tui.widgets.key_hints import KeyHints


class Host(App[None]):
    BINDINGS = [
        Binding("f2", "note('f2')", "Second"),
        Binding("f3", "note('f3')", "Third"),
        Binding("ctrl+x", "note('x')", "Hidden", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")
        yield KeyHints()

    def action_note(self, what: str) -> None:
        self.notes.append(what)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "note" and parameters == ("f3",):
            return None  # shown, dimmed: not now
        return True


def line_text(app: Host) -> str:
    return app.screen._compositor.render_strips()[-1].text


async def test_the_line_names_the_shown_keys_and_a_click_presses_one() -> None:
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        hints = app.query_one(KeyHints)
        line = line_text(app)
        assert " f2 Second " in line and " f3 Third " in line and "Hidden" not in line
        assert line.rstrip().endswith("▏^p palette")  # the palette's key at the right end
        start = line.index(" f2 ")
        await pilot.click(KeyHints, offset=(start + 1, 0))
        assert app.notes == ["f2"]
        await pilot.click(KeyHints, offset=(line.index(" f3 ") + 1, 0))  # disabled: a bell
        assert app.notes == ["f2"]
        assert {hint.key for hint in hints.hints()} >= {"f2", "f3"}
        assert not list(hints.children)


async def test_a_focus_move_repaints_the_line_and_mounts_nothing() -> None:
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        hints = app.query_one(KeyHints)
        mounted_before = len(list(app.screen.walk_children()))
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is app.query_one("#second")
        assert len(list(app.screen.walk_children())) == mounted_before
        assert " f2 Second " in line_text(app)
        assert not list(hints.children)


async def test_a_key_that_does_not_fit_is_left_out_whole() -> None:
    app = Host()
    async with app.run_test(size=(30, 10)) as pilot:
        await pilot.pause()
        hints = app.query_one(KeyHints)
        drawn = hints.drawn()
        line = line_text(app)
        assert drawn[-1].key == "ctrl+p"  # the palette keeps its place
        for hint in hints.hints():
            shown = hint in drawn
            assert (f" {hint.display} {hint.description} " in line) is shown, (hint, line)
        assert len(line) == 30


async def test_the_last_key_may_do_without_the_space_that_ends_it() -> None:
    app = Host()
    async with app.run_test(size=(32, 10)) as pilot:  # " f2 Second " + " f3 Third" + the palette's 12
        await pilot.pause()
        hints = app.query_one(KeyHints)
        assert [hint.key for hint in hints.drawn()][-2:] == ["f3", "ctrl+p"]
        assert " f3 Third▏^p palette " in line_text(app)
