"""The widgets for one field or group of a form, with the ids the screen (and tests) rely on.

For a field whose dotted name maps to `ID` (`client.phone` → `client_phone`):
`row-ID` (a FieldRow: it draws the label itself), `field-ID` (Input or Select), `help-ID`, `error-ID` (a Label
with class `-error`, shown with class `-shown`), and for a field `api.advice` may warn about,
`warning-ID` (a FieldWarning, shown with class `-shown`). A secret also has `field-ID-repeat` /
`error-ID-repeat`, and when it is optional `generate-ID`. A group has `group-ID` and `error-ID`.

Cursors never blink: blinking redraws the screen twice a second (bandwidth over SSH) and makes
snapshots depend on timing. This is on always, not behind an environment variable, so the
console looks the same in tests, snapshots and real use.

Rows are laid out as "label | control" on one line with help and error under the control, so
a field costs two or three lines and a form stays usable at 80x24.
"""

from __future__ import annotations

from dataclasses import replace

from textual.containers import Vertical
from textual.content import Content
from textual.style import Style
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from fpconsole.api.advice import request_warnings
from fpconsole.fields_input import FieldSyntaxError, parse_assignments
from fpconsole.tui.forms.spec import FieldSpec, GroupSpec, widget_id
from fpconsole.tui.forms.styles import default_css
from fpconsole.tui.widgets.choice_select import ChoiceSelect
from fpconsole.tui.widgets.compact import made_compact
from fpconsole.tui.widgets.in_place import InPlaceInput, update_in_place

REQUIRED_MARK = " *"
SELECT_PROMPT = "Select…"


class StateCheckbox(Checkbox):
    """A Checkbox whose glyph itself says its state: `[X]` ticked, `[ ]` not. Textual's own
    draws `▐X▌` either way and only colours the X (and its half-block sides in the panel's
    colour), which 16 colours and NO_COLOR lose: plain brackets in the text colour show the box
    on any terminal, and the X is there only when it is ticked."""

    BUTTON_LEFT = "["
    BUTTON_RIGHT = "]"
    BUTTON_OFF = " "

    @property
    def _button(self) -> Content:
        # As ToggleButton._button (textual 8.2.8), with the inner character following the value
        # and the brackets in the widget's own colours rather than the button's background.
        button_style = self.get_visual_style("toggle--button")
        inner = Style(foreground=button_style.foreground, bold=True)
        return Content.assemble(
            self.BUTTON_LEFT,
            (self.BUTTON_INNER if self.value else self.BUTTON_OFF, inner),
            self.BUTTON_RIGHT,
        )


class FieldWarning(Static):
    """A warning under a field (`api.advice`): what is probably a mistake but not a rule the docs
    confirm, so it is shown and never stops the submit. It re-checks itself whenever a field
    it reads changes (`FieldSpec.warn_reads`), so the form screen takes no part in it."""

    DEFAULT_CSS = default_css("widgets.tcss")

    def __init__(self, item: FieldSpec) -> None:
        super().__init__("", id=f"warning-{item.widget_id}", markup=False)
        self.item = item
        self.shown = ""  # the warning's text now: a key that keeps it repaints nothing

    def on_mount(self) -> None:
        # After the refresh: the rows of the fields it reads may be mounted after this one.
        self.call_after_refresh(self._connect)

    def _controls(self) -> list[tuple[str, Widget]]:
        found: list[tuple[str, Widget]] = []
        for path in self.item.warn_reads:
            found += [(path, w) for w in self.screen.query(f"#field-{widget_id(path)}").results(Widget)]
        return found

    def _connect(self) -> None:
        for _, control in self._controls():
            self.watch(control, "value", self.recheck, init=False)
        self.recheck()

    def recheck(self) -> None:
        typed: list[str] = []
        for path, control in self._controls():
            value = getattr(control, "value", None)  # a Select with nothing chosen is not text
            if isinstance(value, str) and value.strip():
                typed.append(f"{path}={value.strip()}")
        try:
            body = parse_assignments(typed)
        except FieldSyntaxError:  # the spec's names are well formed; a safety net
            body = {}
        text = "; ".join(w.message for w in request_warnings(body) if w.field == self.item.name)
        if text != self.shown:
            self.shown = text
            update_in_place(self, text)
            self.set_class(bool(text), "-shown")


def _input(widget_id: str, value: str, *, password: bool = False, suggestions: tuple[str, ...] = ()) -> Input:
    field = made_compact(
        InPlaceInput(
            value=value,
            id=widget_id,
            password=password,
            classes="-secret" if password else None,
            suggester=SuggestFromList(suggestions, case_sensitive=False) if suggestions else None,
            select_on_focus=False,
            # The form alone marks a field -invalid (RequestFormScreen._show_check). An Input left
            # to validate itself has no validators, so each key typed would clear that mark.
            validate_on=(),
        )
    )
    field.cursor_blink = False
    return field


def control_for(item: FieldSpec, value: str) -> Widget:
    widget_id = f"field-{item.widget_id}"
    if item.kind == "choice":
        codes = {choice.value for choice in item.choices}
        return made_compact(
            ChoiceSelect(
                [(choice.prompt, choice.value) for choice in item.choices],
                prompt=SELECT_PROMPT,
                allow_blank=True,
                value=value if value in codes else Select.NULL,
                id=widget_id,
            )
        )
    return _input(widget_id, value, password=item.secret, suggestions=item.suggestions)


class FieldRow(Widget):
    """One field's row: its label drawn by the row itself on the first line, the control to its
    right, and the lines under it (help, error, warning) as children.

    A form opens with dozens of rows, and every widget costs styling, layout and a message pump
    twice over when a screen opens (mount, then resume): drawing the label here instead of in a
    Label inside a Horizontal halves what a row costs, and the form looks the same."""

    COMPONENT_CLASSES = {"field-row--label"}
    LABEL_WIDTH = 22

    def __init__(self, label: str, *children: Widget, id: str | None = None, classes: str = "") -> None:
        super().__init__(*children, id=id, classes=f"field-row {classes}".strip())
        self.label = label

    def render(self) -> Content:
        # Only the first line is ours: the control covers the rest of it, the notes the lines below.
        text = self.label[: self.LABEL_WIDTH - 1]
        return Content.styled(text, self.get_visual_style("field-row--label")) if text else Content("")


def _row(
    row_id: str,
    label: str,
    control: Widget,
    error_id: str,
    help_text: str = "",
    help_id: str = "",
    warning: FieldWarning | None = None,
) -> FieldRow:
    children: list[Widget] = [control]
    if help_text:
        children.append(Static(help_text, classes="field-help", id=help_id or None, markup=False))
    children.append(Label("", id=error_id, classes="-error", markup=False))
    if warning is not None:
        children.append(warning)
    return FieldRow(label, *children, id=f"row-{row_id}")


def field_row(item: FieldSpec, value: str) -> FieldRow:
    mark = REQUIRED_MARK if item.required else ""
    return _row(
        item.widget_id,
        item.label + mark,
        control_for(item, value),
        f"error-{item.widget_id}",
        item.help,
        f"help-{item.widget_id}",
        FieldWarning(item) if item.warn_reads else None,
    )


def secret_rows(item: FieldSpec, *, generate: bool) -> list[Widget]:
    """A secret is typed twice (hidden, so a typo cannot be seen); an optional one can be left to
    the processor instead ("generate"), which leaves it out of the request."""
    rows: list[Widget] = []
    if not item.required:
        switch = made_compact(
            StateCheckbox(
                f"Let the processor generate the {item.label}",
                value=generate,
                id=f"generate-{item.widget_id}",
            )
        )
        rows.append(FieldRow("", switch, id=f"row-{item.widget_id}-generate", classes="generate-line"))
        # The API's words ("leave empty to have the processor generate one") are not the form's
        # way: an empty box with the switch off is refused, so the help points at the switch.
        what = item.help.split(";")[0].strip()
        how = "to have the processor generate it, tick the box above"
        item = replace(item, help=f"{what}; {how}" if what else how[0].upper() + how[1:])
    rows.append(field_row(item, ""))  # secrets never come from drafts or initial values
    repeat = _input(f"field-{item.widget_id}-repeat", "", password=True)
    rows.append(
        _row(f"{item.widget_id}-repeat", f"Repeat {item.label}", repeat, f"error-{item.widget_id}-repeat")
    )
    return rows


def group_header(group: GroupSpec) -> Vertical:
    title = group.label + (" (optional: fill every * field, or none)" if group.optional else "")
    children: list[Widget] = [Static(title, classes="group-title", markup=False)]
    if group.help:
        children.append(Static(group.help, classes="group-help", markup=False))
    children.append(Label("", id=f"error-{group.widget_id}", classes="-error", markup=False))
    return Vertical(*children, id=group.row_id, classes="group-row")
