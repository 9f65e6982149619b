"""made_compact (widgets/compact.py): a control made compact quietly looks as `compact=True`
makes it, and building it restyles nothing (Textual's own flag restyles it on the spot)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Button, Checkbox, Input, Select, Static

from fpconsole.tui.widgets.compact import COMPACT_CLASS, made_compact


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("placeholder")


async def test_a_quietly_compact_control_is_styled_as_a_compact_one() -> None:
    app = Host()
    async with app.run_test(size=(60, 12)) as pilot:
        restyled: list[object] = []
        original = app.update_styles

        def counting(node: object, animate: bool = True) -> None:
            restyled.append(node)
            original(node, animate=animate)  # type: ignore[arg-type]

        app.update_styles = counting  # type: ignore[method-assign]
        stock = Input(value="x", compact=True, id="stock")
        quiet = made_compact(Input(value="x", id="quiet"))
        # Textual's flag restyles the unmounted control once more (its other classes, once each).
        assert restyled.count(quiet) == restyled.count(stock) - 1

        await app.mount(quiet, stock)
        await pilot.pause()
        assert quiet.compact and quiet.has_class(COMPACT_CLASS)
        assert quiet.region.height == stock.region.height == 1  # no border: one line, as stock
        assert quiet.styles.border == stock.styles.border


@pytest.mark.parametrize(
    "widget",
    [lambda: Button("ok"), lambda: Checkbox("x"), lambda: Select[str]([("a", "a")])],
    ids=["button", "checkbox", "select"],
)
def test_every_compact_control_kind_is_accepted(widget: object) -> None:
    built = made_compact(widget())  # type: ignore[operator]
    assert built.compact and built.has_class(COMPACT_CLASS)


def test_a_widget_without_a_compact_style_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="Static has no compact style"):
        made_compact(Static("x"))
