"""A modal form for one registry method: typed fields, inline validation, confirmation, and the
live status of the request it sends.

The request_id rule and the phases (what ctrl+s does: submit, resubmit with a fresh id after an
error, send again with the same id when not received, check status after an unknown outcome) are
`submission.Submission`'s, without widgets; this screen shows them. A request_id is shown, never
typed (`initial["request_id"]` resumes a journal entry). The footer, the primary button and the
request_id line say which of these ctrl+s will do.

Network work runs in a worker that posts `_Answered`/`_Failed`; the handlers own the widgets.

A submit the form cannot check yet (a limit still being read) is held, not refused, and goes
on by itself once the subclass says the wait is over (`submit_waits_for`, `wait_over`); a state
change sent and not answered goes on if the form is closed (its worker is the app's, and the
follow-up polling is started by the submit itself), so Esc says Close there, not Cancel; after a
few seconds without an answer the form says what happens next, and when the client gives up
waiting (its `on_unknown`) the timeline shows the unknown step while request/status is asked.

Checks only a caller can make (an amount over what the ledger allows, say) come from the public
hook `extra_errors`: every check the form makes (`check`) adds them, so a subclass never has to
override the private ways in and out. A method whose form needs such checks names its
class in its registry entry (`Method.form_class`), and whoever opens a form by method (the app's
`open_form`) builds `form_class_for(method)`, so every way of opening it gets the same checks.
"""

from __future__ import annotations

import importlib
import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, Static

from fpconsole.api import errors
from fpconsole.api.client import CallResult
from fpconsole.api.methods import Method
from fpconsole.api.outcome import DUPLICATE_REQUEST, LATE_ANSWER_S, Outcome, answered
from fpconsole.api.redaction import redact
from fpconsole.api.validation import FieldError
from fpconsole.tui.confirm import ConfirmResult, ConfirmScreen, ConfirmSpec, describe_target
from fpconsole.tui.connection import not_connected_reason
from fpconsole.tui.forms.body import (
    FORM_ERROR,
    FormCheck,
    FormInput,
    check_form,
    draft_fields,
    locate,
    place_errors,
)
from fpconsole.tui.forms.created import Created, created_by
from fpconsole.tui.forms.drafts import FormDraft
from fpconsole.tui.forms.leave import LeaveChoice, LeaveScreen
from fpconsole.tui.forms.outcome import FormOutcome
from fpconsole.tui.forms.result_box import ResultBox
from fpconsole.tui.forms.same_address import same_as_pairs, same_row
from fpconsole.tui.forms.spec import (
    REQUEST_ID,
    FieldSpec,
    FormSpec,
    Item,
    build_form_spec,
    moved_before,
    widget_id,
)
from fpconsole.tui.forms.status import LiveStatus, result_lines
from fpconsole.tui.forms.styles import default_css
from fpconsole.tui.forms.submission import Phase, Submission, short_id
from fpconsole.tui.forms.widgets import field_row, group_header, secret_rows
from fpconsole.tui.glyphs import marked
from fpconsole.tui.keymap import SEND_KEYS, button_label, keys_for
from fpconsole.tui.messages import RequestUpdated, subscribe_news
from fpconsole.tui.widgets.compact import made_compact
from fpconsole.tui.widgets.in_place import update_in_place
from fpconsole.tui.widgets.key_hints import KeyHints

if TYPE_CHECKING:
    from fpconsole.store.drafts import FormDrafts
    from fpconsole.tui.forms.protocol import Backend

Clock = Callable[[], "float | datetime"]
REASON_FIELD: Final = "description"  # a confirmation's reason is sent as this field


def form_class_for(method: Method | str) -> type[RequestFormScreen]:
    """The form class a method opens in: its own subclass (the entry's `form_class`, named as
    "module:Class" and imported on first use: the subclass imports this module) if it has one."""
    if isinstance(method, str):
        from fpconsole.api.methods import REGISTRY

        method = REGISTRY.resolve(method)
    where = method.form_class
    if not where:
        return RequestFormScreen
    module_name, _, class_name = where.partition(":")
    found = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(found, type) and issubclass(found, RequestFormScreen)):
        raise TypeError(f"{where} is not a RequestFormScreen")
    return found


class RequestFormScreen(ModalScreen[FormOutcome | None]):
    AUTO_FOCUS = ""  # on_mount focuses the first field still to fill, not the first field
    VALIDATE_DELAY: ClassVar[float] = 0.3  # validate as the user types, once they pause
    DRAFT_DELAY: ClassVar[float] = 0.5
    TICK: ClassVar[float] = 0.2  # elapsed-time refresh while the request is not final
    # After this long without an answer the form says what happens next (timeout, polling).
    QUIET_AFTER: ClassVar[float] = LATE_ANSWER_S
    # The form's own order, over the request model's: (field, the field it is shown before).
    FIELD_ORDER: ClassVar[tuple[tuple[str, str], ...]] = ()
    RESULT_KEY_WIDTH: ClassVar[int] = 28  # a long answer's keys are padded to at most this
    SHORT_RESULT: ClassVar[int] = 3  # lines of an answer shown without lining values up

    DEFAULT_CSS = default_css("screen.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(SEND_KEYS, "submit", "Submit", id="form.submit"),
        # The same key once an answer is in: check_action shows the one that applies (submission.CTRL_S).
        Binding(SEND_KEYS, "resubmit", "Resubmit (new request)", id="form.submit"),
        Binding(SEND_KEYS, "send_again", "Send again (same request_id)", id="form.submit"),
        Binding(SEND_KEYS, "check_status", "Check status (same request_id)", id="form.submit"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        # The same key once the request has gone out: nothing is left to cancel (check_action
        # shows one of the two, as the Cancel and Close buttons are).
        Binding("escape", "close", "Close", id="form.close"),
        # A state change sent and not answered yet: closing the form does not stop it (the app
        # follows it; Requests shows it), so Esc says so rather than "Cancel".
        Binding("escape", "close('going_on')", "Close (the request goes on)", id="form.close"),
        # A submit held until the form can check it (a limit still being read): Esc drops it.
        Binding("escape", "stop_held", "Don't send", id="form.cancel"),
        # Priority: in a text box ctrl+d is the box's delete-right, which took it wherever most of
        # the form is typed. Only while a draft is restored (check_action); otherwise it is the box's.
        Binding("ctrl+d", "clear_draft", "Clear draft", show=False, priority=True, id="form.clear_draft"),
        # Once a card or client is created: go to it (forms/created.py). One of the two shows.
        Binding("o", "open_created('card')", "Open the new card", id="form.open_card"),
        Binding("o", "open_created('client')", "Open the new client", id="form.open_client"),
    ]

    class _Answered(Message):
        def __init__(self, result: CallResult, *, followed: bool) -> None:
            super().__init__()
            self.result = result
            self.followed = followed  # the app polls it now (see _follow_answer)

    class _Failed(Message):
        def __init__(self, error: Exception, *, followed: bool) -> None:
            super().__init__()
            self.error = error
            self.followed = followed

    class _NoAnswer(Message):
        """The client gave up waiting for the answer and asks request/status about it."""

        def __init__(self, request_id: str, why: str) -> None:
            super().__init__()
            self.request_id = request_id
            self.why = why

    def __init__(
        self,
        method: Method,
        *,
        initial: Mapping[str, str] | None = None,
        form_key: str | None = None,
        title: str | None = None,
        confirm: ConfirmSpec | None = None,
        clock: Clock | None = None,
        new_request_id: Callable[[], str] | None = None,
    ) -> None:
        """`initial` pre-fills fields by dotted name (a `request_id` there is reused, to resume a
        request); `form_key` turns drafts on; `clock` (seconds, or a datetime) and
        `new_request_id` can be frozen so snapshots do not change from run to run: the form shows
        no wall-clock time, only the elapsed time between two clock readings."""
        super().__init__(classes="-danger" if confirm is not None and confirm.danger else None)
        self.method = method
        self.spec: FormSpec = build_form_spec(method)
        for name, before in self.FIELD_ORDER:
            self.spec = moved_before(self.spec, name, before)
        self.form_key = form_key
        self.confirm = confirm
        self.form_title = title or method.title
        self._clock: Clock = clock or time.monotonic
        self._new_id = new_request_id or (lambda: str(uuid.uuid4()))
        given = dict(initial or {})
        resumed_id = given.pop(REQUEST_ID, "").strip()
        names = {item.name for item in self.spec.fields if not item.secret}
        self._given = {name: str(value) for name, value in given.items() if name in names}
        # What the form holds before the user does anything: defaults, then the caller's values.
        self._baseline: dict[str, str] = {item.name: item.default for item in self.spec.fields}
        self._baseline.update(self._given)

        self.submission = Submission(self._new_id, request_id=resumed_id, changes_state=method.changes_state)
        self.live = LiveStatus()
        self.response: dict[str, Any] = {}
        self.error_code: str | None = None
        self.error_description: str | None = None
        self.draft = FormDraft(form_key, lambda: self.drafts)
        self._attempted = False  # after a submit, every error shows, not only typed fields'
        self._last: FormInput | None = None
        self._controls: dict[str, Input | Select[str]] = {}
        self._rows: dict[str, Widget] = {}  # item path → its row, for showing and hiding
        self._parts: dict[str, Widget] = {}  # the fields' rows and controls by id (compose)
        self._deferred: dict[str, Item] = {}  # items hidden since the form opened, not built yet
        self._offstage: dict[str, str] = {}  # their fields' values (a default, a draft's)
        self._shown_errors: dict[str, str] = {}  # error line id → the text it shows
        # Why the last submit was refused (cannot connect, read-only…), with what was typed then:
        # it stays until the next submit or an edit, not until a check that was already due.
        self._refusal: tuple[str, FormInput | None] = ("", None)
        self._invalid: set[str] = set()  # names of the fields marked -invalid
        self._error_lines: list[Static] | None = None  # every error line (found once, see _show_check)
        self._recheck_pending = False  # a check of a field showing an error is due after the paint
        self._resumed = False  # see on_screen_resume
        # What the form showed when it opened: the focused field and what the fields held (see
        # `as_opened`).
        self._first_focus: Widget | None = None
        self._opened_with: FormInput | None = None
        self._validate_timer: Timer | None = None
        self._draft_timer: Timer | None = None
        self._tick_timer: Timer | None = None
        self._reveal_pending = False  # a scroll to the focused field is due after the refresh
        self._told_typing_on: Widget | None = None  # the button typing on was explained for
        self._wait_explained = False  # the "no answer yet" note is shown for this send
        self._no_answer_why = ""  # why the client gave up waiting for this send's answer
        # News about the request sent that came before the form read its own answer: the submit
        # starts the app's polling first, and a fast poll can beat the answer to the form.
        self._early_news: RequestUpdated | None = None
        # A submit held until the form can check it (`submit_waits_for`): what was typed then,
        # and what it waits for. At most one: a second ctrl+s meanwhile sends nothing more.
        self._held: tuple[FormInput, str] | None = None
        self._same = same_as_pairs(self.spec)  # "same as registration address" boxes
        self._triggers = self.spec.triggers  # fields whose value shows or hides rows

    # --- context ---------------------------------------------------------------------------------

    @property
    def backend(self) -> Backend | None:
        found: Backend | None = getattr(self.app, "backend", None)
        return found

    @property
    def draft_restored(self) -> bool:
        """The form opened with values from an earlier draft (and they are not cleared)."""
        return self.draft.restored

    @property
    def drafts(self) -> Backend | FormDrafts | None:
        """Drafts are local state, kept whether or not the profile ever connected: the app's own
        store; a host app without one (tests) keeps them in its backend."""
        found: FormDrafts | None = getattr(self.app, "drafts", None)
        return found if found is not None else self.backend

    def _now(self) -> float:
        reading = self._clock()
        return reading.timestamp() if isinstance(reading, datetime) else float(reading)

    @property
    def request_id(self) -> str:
        """The id the form shows: the next send's while one can be made (a fresh one after a
        final error), else the id of the request out there (see the module docstring)."""
        return self.submission.request_id

    @property
    def phase(self) -> Phase:
        return self.submission.phase

    @property
    def submissions(self) -> int:
        """How many requests this form has sent."""
        return self.submission.submissions

    def read_only_reason(self) -> str | None:
        backend = self.backend
        if backend is not None and backend.read_only and self.method.changes_state:
            return f"Read-only profile: {self.method.title} changes state, so it cannot be sent from here."
        return None

    # --- layout ----------------------------------------------------------------------------------

    def _opening_values(self) -> dict[str, str]:
        return {**self._baseline, **self.draft.restore(self.spec, self._given, self._baseline)}

    def compose(self) -> ComposeResult:
        values = self._opening_values()
        with Vertical(id="dialog"):
            yield Static(
                Content.assemble((self.form_title, "bold"), "  ", (self.method.name, "dim")), id="form-title"
            )
            yield Static("", id="request-id", markup=False)
            with VerticalScroll(id="fields", can_focus=False):
                yield from self._field_widgets(values)
            with Horizontal(id="notice-row"):
                yield Static("", id="notice", markup=False)
                yield made_compact(Button("Clear draft", id="clear-draft"))
            yield Static("", id=FORM_ERROR, classes="-error", markup=False)
            yield Static("", id="status")
            # A long answer (transaction.info) scrolls here rather than pushing the buttons away.
            with ResultBox(id="result-box"):
                yield Static("", id="result", markup=False)
            with Horizontal(id="buttons"):
                yield made_compact(
                    Button(button_label(self.app, "form.submit", "Submit"), id="submit", variant="primary")
                )
                yield made_compact(Button("Open", id="open-created"))
                yield made_compact(Button("Close", id="close"))
                yield made_compact(Button("Cancel", id="cancel"))
        yield KeyHints()

    def _field_widgets(self, values: Mapping[str, str]) -> list[Widget]:
        """The rows shown when the form opens. A row hidden then (the KYC fields until product
        1000 is chosen) is built when it is first shown (`_build_shown`): every widget costs
        styling, layout and a message pump when the form opens, and half of Create client's
        rows would be hidden. Until then its value (a default, a draft's) is kept here."""
        built: list[Item] = []
        for item in self.spec.items:
            secret = isinstance(item, FieldSpec) and item.secret  # typed twice: always built
            if secret or self.spec.is_visible(item, values):
                built.append(item)
            else:
                self._deferred[item.path] = item
                if isinstance(item, FieldSpec):
                    self._offstage[item.name] = values.get(item.name, "")
        made = self._build(built, values)
        self._register(built)
        # Watched, not only heard through Changed: a value set from code (a test, a caller) shows
        # its rows at once, before the next line looks for them.
        for name in self._triggers:
            trigger = self._controls.get(name)
            if trigger is not None:
                self.watch(trigger, "value", self._trigger_changed, init=False)
        return made

    def _build(self, items: list[Item], values: Mapping[str, str]) -> list[Widget]:
        """The rows of `items`, each kept by id (with its control) as it is made: the form never
        searches its own tree for them (each search walks every widget)."""
        made: list[Widget] = []
        for item in items:
            if not isinstance(item, FieldSpec):
                made.append(group_header(item))
                made += [same_row(same) for same in self._same if same.copy == item]
            elif item.secret:
                made += secret_rows(item, generate=False)
            else:
                made.append(field_row(item, values.get(item.name, "")))
        for widget in made:
            self._parts[widget.id or ""] = widget
            for child in widget._pending_children:  # the children given to the row (not yet mounted)
                if child.id:
                    self._parts[child.id] = child
        return made

    def _register(self, items: list[Item]) -> None:
        for item in items:
            if isinstance(item, FieldSpec):
                control = self._part(f"field-{item.widget_id}")
                assert isinstance(control, (Input, Select))
                self._controls[item.name] = control
            self._rows[item.path] = self._part(item.row_id)

    def _build_shown(self, values: Mapping[str, str]) -> None:
        """Build the rows hidden so far that `values` show, each run of them in its place among
        the rows built already (so Tab goes through them in the form's order)."""
        shown = {path for path, item in self._deferred.items() if self.spec.is_visible(item, values)}
        if not shown:
            return
        fields = self.query_one("#fields")
        items = self.spec.items
        run: list[Item] = []
        for index, item in enumerate((*items, None)):
            if item is not None and item.path in shown:
                run.append(item)
                continue
            if run:
                # Before the next row built already (one still hidden has no place yet).
                anchor = next((self._rows[i.path] for i in items[index:] if i.path in self._rows), None)
                for each in run:
                    del self._deferred[each.path]
                widgets = self._build(run, values)  # values hold the unbuilt fields' too
                self._register(run)
                for each in run:
                    self._offstage.pop(each.path, None)
                # A row's children would join the tree only once the row has composed, a turn of
                # the loop later: mounted here, the controls can be found (and set) at once.
                children = [(row, list(row._pending_children)) for row in widgets]
                for row in widgets:
                    row._pending_children.clear()
                if anchor is not None:
                    fields.mount(*widgets, before=anchor)
                else:
                    fields.mount(*widgets)
                for row, kids in children:
                    if kids:
                        row.mount(*kids)
                run = []
        self._error_lines = None  # found again, with the new rows' lines
        self._keep_focus_in_view()  # rows shown above the focused field move it

    def _trigger_changed(self) -> None:
        """A field others depend on changed (a Select, say, set from code): its rows are built at
        once, so whatever comes next (a test, a draft, a typed Tab) finds them."""
        if self.submission.editable:
            self._build_shown(self.read_input().values)

    def _part(self, widget_id: str) -> Widget:
        """A row, or a control in one, by its id (see `_field_widgets`); a subclass's own widgets
        are searched for."""
        found = self._parts.get(widget_id)
        return found if found is not None else self.query_one(f"#{widget_id}")

    def on_key(self, event: events.Key) -> None:
        """A letter typed while a button has the focus would vanish (a habitual Tab out of the last
        field lands on Submit): say where the focus is and the way back, once per button."""
        focused = self.focused
        if not isinstance(focused, Button) or not event.is_printable or event.key == "space":
            return
        if event.key in self.active_bindings or focused is self._told_typing_on:
            return  # the form's own key (o, ...), or said already
        self._told_typing_on = focused
        self.notify(
            f"The focus is on the {focused.label} button: typing does nothing there. "
            "shift+tab goes back to the fields.",
            timeout=5,
        )

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget is not self._told_typing_on:
            self._told_typing_on = None  # leaving the button: the next stay may be told again

    def on_mount(self) -> None:
        if not self.is_attached:
            # The console stopped as the form opened (a signal a moment after `n`): the screen
            # was taken off before its widgets were built, and a query for them raised
            # NoMatches onto the shell (QA 25).
            return
        self._last = self._opened_with = self.read_input()
        self._apply_visibility(self._last)
        self._refresh_notice()
        self._refresh_buttons()
        if self.draft_restored:
            # A restored draft may hold mistakes from last time: show them now.
            self._show_check(self.check(self._last, self.request_id))
        self._focus_first()
        subscribe_news(self, self.on_app_news)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first resume (being pushed) keeps the styles the widgets got as they mounted a
        moment ago: Textual restyles the whole screen on every resume, which for a fresh form
        is every widget styled a second time (the largest single cost of opening one). Later
        resumes (back from a confirmation or the leave dialog) restyle as usual: the theme may
        have changed meanwhile."""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def _focus_first(self) -> None:
        """Focus the first field still to be filled: a form opened for the selected card or
        client has its id filled in, and the user came to type what follows it. With every
        field filled (a restored draft), the first one the caller did not give: typing at once
        must not land behind the card id the form was opened for."""
        controls = [
            w for w in self.query_one("#fields").query("Input, Select").results(Widget) if w.focusable
        ]
        empty = [
            w
            for w in controls
            if (isinstance(w, Input) and not w.value) or (isinstance(w, Select) and w.value is Select.NULL)
        ]
        given = {self._controls[name] for name in self._given if name in self._controls}
        not_given = [w for w in controls if w not in given]
        first = (empty or not_given or controls or [self.query_one("#submit", Button)])[0]
        # set_focus, at once: keys typed while the form opens are held until then (type_ahead.py)
        self.set_focus(first)
        self._first_focus = first
        # The row's mark too, before the first paint: marked on the focus event, it came one
        # paint later and repainted the row.
        self._mark_row_of(first)

    def as_opened(self) -> bool:
        """Nothing here is the operator's or the form's doing since it opened: no value, focus,
        error, refusal, check or send. Closed so, it can open again as it is (spare_form.py)."""
        return (
            self.phase == "editing"
            and not self.submissions
            and not self._attempted
            and self._held is None
            and not self._refusal[0]
            and not any(self._shown_errors.values())
            and not self.draft_restored
            and self.focused is not None
            and self.focused is self._first_focus
            and self._opened_with is not None
            and self.read_input() == self._opened_with
            and not self.is_dirty()
        )

    def open_again(self) -> None:
        """Kept to be shown again as it is: its next push keeps its styles, as its first did (the
        theme it was styled under is checked before it is shown, `SpareForms`)."""
        self._resumed = False

    def _keep_focus_in_view(self) -> None:
        """After the next refresh, scroll the focused field (and its row) into the visible part
        of the fields: the rows' heights are only known then, and they change after the focus
        moved (a restored draft's errors, an error line shown or gone, a limit read late)."""
        if not self._reveal_pending:
            self._reveal_pending = True
            self.call_after_refresh(self.reveal_focused)

    def reveal_focused(self) -> None:
        """Scroll the focused field (and its row) into view, now (the rows are laid out)."""
        self._reveal_pending = False
        focused = self.focused
        if focused is None or not self.is_mounted:
            return
        fields = self.query_one("#fields")
        if fields not in focused.ancestors:
            return
        row = next((node for node in focused.ancestors if node.has_class("field-row")), None)
        if isinstance(row, Widget):
            fields.scroll_to_widget(row, animate=False, immediate=True)  # its label and help too
        fields.scroll_to_widget(focused, animate=False, immediate=True)  # the box wins in a tall row

    @on(events.DescendantFocus)
    def _mark_current_row(self, event: events.DescendantFocus) -> None:
        self._mark_row_of(event.widget)
        self._keep_focus_in_view()  # Textual's own scroll on focus runs before the rows settle

    def _mark_row_of(self, focused: Widget) -> None:
        # A class, not :focus-within: Textual does not restyle the labels when the focus is
        # moved from code (the first empty field, the first error), only on Tab.
        row = next((node for node in focused.ancestors_with_self if node.has_class("field-row")), None)
        for other in self.query(".field-row.-current"):
            if other is not row:
                other.remove_class("-current")
        if row is not None:
            row.add_class("-current")

    # --- reading the form ------------------------------------------------------------------------

    def read_input(self) -> FormInput:
        values: dict[str, str] = {}
        repeats: dict[str, str] = {}
        generate: set[str] = set()
        for item in self.spec.fields:
            control = self._controls.get(item.name)
            if control is None:
                values[item.name] = self._offstage.get(item.name, "")  # not built yet
            elif isinstance(control, Select):
                values[item.name] = "" if control.value is Select.NULL else str(control.value)
            elif isinstance(control, Input):
                values[item.name] = control.value
            if item.secret:
                repeat = self._part(f"field-{item.widget_id}-repeat")
                repeats[item.name] = repeat.value if isinstance(repeat, Input) else ""
                switch = self._parts.get(f"generate-{item.widget_id}")
                if isinstance(switch, Checkbox) and switch.value:
                    generate.add(item.name)
        return FormInput(values=values, repeats=repeats, generate=frozenset(generate))

    def is_dirty(self) -> bool:
        """Something here is the user's: typed, chosen, or restored from their draft."""
        data = self.read_input()
        typed_secret = any(data.values.get(n) or data.repeats.get(n) for n in data.repeats)
        plain = {k: v for k, v in data.values.items() if not self.spec.field(k).secret}
        return typed_secret or plain != {k: v for k, v in self._baseline.items() if k in plain}

    # --- reacting to typing ----------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event: Message) -> None:
        """A key's own work: only what decides where the next key goes (rows shown or hidden).
        Checking the form and saving the draft wait until typing pauses (`VALIDATE_DELAY`,
        `DRAFT_DELAY`), so a key pays for its echo and nothing else; an error already shown on
        the field typed into is checked again right after the key is painted, so it never
        lingers once the value is right (or says what is wrong with it now)."""
        event.stop()
        if self._last is None:  # still mounting (on_mount reads the form first)
            return
        if self._same:
            self._sync_same()
        data = self.read_input()
        previous = self._last
        if data == previous:
            return  # a widget reporting its own initial value
        self._last = data
        if not self.submission.editable:
            return  # locked fields change only from here (a confirmation's reason, clearing a PIN)
        if self._held is not None:
            # What was submitted is not what is typed now: it is not sent behind the user's back.
            self._drop_held("the form changed while the send was held. ctrl+s sends what is typed now.")
        if previous is None or self._moves_rows(previous, data):
            self._apply_visibility(data)
        self._validate_timer = self._restart(self._validate_timer, self.VALIDATE_DELAY, self._validate_typed)
        if self.form_key:
            self._draft_timer = self._restart(self._draft_timer, self.DRAFT_DELAY, self.save_draft)
        if previous is not None and not self._recheck_pending and self._shows_error_on(previous, data):
            self._recheck_pending = True
            self.call_after_refresh(self._recheck)

    def _moves_rows(self, before: FormInput, after: FormInput) -> bool:
        """A change that shows or hides rows: a field others depend on, or a 'generate' box."""
        return before.generate != after.generate or any(
            before.values.get(name) != after.values.get(name) for name in self._triggers
        )

    def _shows_error_on(self, before: FormInput, after: FormInput) -> bool:
        """Whether a field that just changed has an error line showing (soon to be stale)."""
        if not any(self._shown_errors.values()):
            return False
        changed = [name for name, text in after.values.items() if before.values.get(name) != text]
        changed += [f"{n}-repeat" for n, text in after.repeats.items() if before.repeats.get(n) != text]
        return any(self._shown_errors.get(f"error-{widget_id(name)}") for name in changed)

    def _recheck(self) -> None:
        self._recheck_pending = False
        self._validate_typed()

    def _restart(self, timer: Timer | None, delay: float, callback: Callable[[], object]) -> Timer:
        if timer is not None:
            timer.stop()
        return self.set_timer(delay, callback)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def _sync_same(self) -> None:
        """A ticked "same as" box: its group holds a copy of the original, and is locked."""
        for same in self._same:
            box = self._parts.get(same.box_id)  # None until its group is first shown
            ticked = isinstance(box, Checkbox) and box.value
            for copy_name, original_name in same.fields:
                copy, original = self._controls.get(copy_name), self._controls.get(original_name)
                if copy is None or original is None:
                    continue
                copy.disabled = ticked or not self.submission.editable
                if ticked and copy.value != original.value:
                    copy.value = original.value

    def _apply_visibility(self, data: FormInput) -> None:
        self._build_shown(data.values)
        for same in self._same:
            same_row = self._parts.get(same.row_id)
            if same_row is not None:
                same_row.display = self.spec.is_visible(same.copy, data.values)
        for item in self.spec.items:
            row = self._rows.get(item.path)
            if row is None:
                continue  # hidden since the form opened: not built yet
            shown = self.spec.is_visible(item, data.values)
            if row.display != shown:
                row.display = shown
                self._keep_focus_in_view()  # rows shown or hidden above it move the field
        for name in data.repeats:
            wid = widget_id(name)
            shown = self.spec.is_visible(self.spec.field(name), data.values)
            generated = name in data.generate
            self._part(f"row-{wid}-repeat").display = shown
            generate_row = self._parts.get(f"row-{wid}-generate")
            if generate_row is not None:
                generate_row.display = shown
            for suffix in ("", "-repeat"):
                entry = self._part(f"field-{wid}{suffix}")
                assert isinstance(entry, Input)
                entry.disabled = generated or not self.submission.editable
                if generated and entry.value:
                    entry.value = ""  # a PIN that will not be sent is not kept either

    # --- validation ------------------------------------------------------------------------------

    def extra_errors(self, data: FormInput, body: Mapping[str, Any]) -> list[FieldError]:
        """Checks the request model cannot make (a ledger limit, …), added wherever the model's
        are: while typing, on submit, and just before sending. `data` is what is typed, `body`
        what would be sent. An error on field "" is the form's: shown once the user submits, and
        it still stops the send. (What is not known yet, a limit being read, is not an error:
        see `submit_waits_for`.)"""
        return []

    def check(self, data: FormInput, request_id: str | None) -> FormCheck:
        """Every check the form makes: the model's, then the subclass's own."""
        built = check_form(self.spec, data, request_id)
        return FormCheck(built.body, [*built.errors, *self.extra_errors(data, built.body)])

    def set_field_note(self, name: str, text: str) -> None:
        """Replace the text under a field (its help line), e.g. a limit read after the form
        opened. A field without help has no line to write to, so nothing happens."""
        item = self.spec.get_field(name)
        if item is None:
            return
        for label in self.query(f"#help-{item.widget_id}").results(Static):
            update_in_place(label, text)
        self._keep_focus_in_view()  # a longer note pushes the rows below it down

    def _validate_typed(self) -> None:
        if self.submission.editable:
            self._show_check(self.check(self.read_input(), self.request_id))

    def _show_check(self, check: FormCheck) -> None:
        """Show a check's messages, touching only the lines and fields whose state changed: every
        update restyles and repaints, and a pause in typing must cost a few bytes, not a form."""
        messages = place_errors(self.spec, check.errors, self.read_input(), attempted=self._attempted)
        if self._error_lines is None:
            self._error_lines = list(self.query("Static.-error").results(Static))
        moved = False
        for label in self._error_lines:
            key = label.id or ""
            text = "; ".join(messages.get(key, []))
            if key == FORM_ERROR and not text:
                text = self._standing_refusal()
            if self._shown_errors.get(key, "") == text:
                continue
            self._shown_errors[key] = text
            update_in_place(label, marked(text))  # NO_COLOR: an error is not told by its colour alone
            label.set_class(bool(text), "-shown")
            moved = True
        invalid = {name for name in self._controls if f"error-{widget_id(name)}" in messages}
        for name in invalid ^ self._invalid:
            self._controls[name].set_class(name in invalid, "-invalid")
        self._invalid = invalid
        if moved:
            self._keep_focus_in_view()  # an error line shown or gone moves the rows below it

    def _focus_first_error(self) -> None:
        for label in self.query("#fields Static.-error.-shown").results(Static):
            row = label.parent
            if not isinstance(row, Widget):
                continue
            control = next(iter(row.query("Input, Select").results(Widget)), None)
            if control is not None and control.focusable:
                control.focus(scroll_visible=False)
            # After the refresh: the messages just shown move the rows down.
            self.call_after_refresh(row.scroll_visible, animate=False)
            return

    # --- submitting ------------------------------------------------------------------------------

    def action_submit(self) -> None:
        """ctrl+s: send what is typed (with `request_id`, see the module docstring), or, when the
        outcome is unknown, ask about the request already sent."""
        if self.submission.ctrl_s == "check_status":
            self.action_check_status()
            return
        if not self.submission.editable:
            self.app.bell()  # in flight or finished: never a second submission
            return
        if self._held is not None:
            self.notify(f"Already held: it is sent once {self._held[1]}.", timeout=3)
            return
        problem = self.read_only_reason() or (
            None if self.backend is not None else not_connected_reason(self.app)
        )
        if problem:
            self._form_error(problem)
            return
        self._refusal = ("", None)  # this submit goes ahead: the last one's refusal is history
        self._attempted = True
        check = self.check(self.read_input(), self.request_id)
        self._show_check(check)
        if not check.ok:
            self._focus_first_error()
            return
        waiting = self.submit_waits_for()
        if waiting:
            self._hold(waiting)
            return
        spec = self.confirmation(check.body)
        if spec is None:
            self._send()
            return
        self.submission.confirming()
        self._refresh_buttons()
        target, target_id = describe_target(self.method, check.body, spec.card_mask)
        reason = self.read_input().values.get(REASON_FIELD, "")
        self.app.push_screen(
            ConfirmScreen(spec, target=target, target_id=target_id, reason=reason), self._confirmed
        )

    # --- a submit held until the form can check it ---------------------------------------------

    def submit_waits_for(self) -> str | None:
        """What a submit must wait for before the form can check it (a limit still being read,
        said to follow "Sending once": "transaction.info says what the ledger allows"); None
        when nothing. A submit
        made meanwhile is held, not refused: it goes on by itself when the subclass calls
        `wait_over`, is dropped by an edit or Esc, and is never sent twice."""
        return None

    def _hold(self, waiting: str) -> None:
        self._held = (self.read_input(), waiting)
        self._set_result(f"Sending once {waiting}… esc to stop.")
        self.refresh_bindings()

    def wait_over(self, problem: str = "") -> None:
        """What a held submit waited for has come: it goes on (checked again, so a limit just
        read refuses an amount over it). With a `problem` (the read failed) nothing is sent and
        the form says why. Nothing happens when no submit is held."""
        held = self._held
        if held is None or not self.is_mounted:
            return
        self._held = None
        self.refresh_bindings()
        if problem:
            self._set_result(f"Not sent: {problem}", failed=True)
            return
        self._set_result("")
        if held[0] == self.read_input():  # an edit drops the hold; this is a second guard
            self.action_submit()

    def _drop_held(self, why: str) -> None:
        if self._held is None:
            return
        self._held = None
        self._set_result(f"Not sent: {why}", failed=True)
        self.refresh_bindings()

    def action_stop_held(self) -> None:
        """Esc while a submit is held: it is not sent; the form stays (Esc again closes it)."""
        if self._held is not None:
            self._drop_held("stopped before it was sent. ctrl+s sends it; esc closes the form.")

    def confirmation(self, body: Mapping[str, Any]) -> ConfirmSpec | None:
        """What to ask before sending `body` (None: send at once). The form's own `confirm` by
        default; a subclass may word it from what is about to go out (a refund's amount)."""
        return self.confirm

    def _confirmed(self, result: ConfirmResult | None) -> None:
        self.submission.confirmed()
        if result is None:
            self._refresh_buttons()
            self.notify("Not sent.", timeout=3)
            return
        control = self._controls.get(REASON_FIELD)
        if result.reason and isinstance(control, Input):
            control.value = result.reason  # the reason given in the confirmation is the one sent
        self._send()

    # The footer's other words for ctrl+s (submission.CTRL_S): each is a submit, said as what it will do.
    def action_resubmit(self) -> None:
        self.action_submit()

    def action_send_again(self) -> None:
        self.action_submit()

    def action_check_status(self) -> None:
        """An unknown outcome: poll request/status with the same request_id; nothing is resent."""
        if self.submission.ctrl_s != "check_status":
            return
        backend = self.backend
        short = short_id(self.submission.sent_id)
        follow_id = getattr(backend, "follow_id", None)
        if not callable(follow_id):
            self.notify(
                f"Not connected: check request_id {self.submission.sent_id} in Requests.", severity="warning"
            )
            return
        if self._is_polled():
            self.notify(f"Already polling request/status for {short}; the answer shows here by itself.")
            return
        follow_id(self.submission.sent_id, self.method.name)
        self.live.polling = True
        self._refresh_status()
        self._set_result(
            f"Checking request/status for {self.submission.sent_id} again; nothing is resent. "
            "The answer shows here by itself.",
            failed=True,
        )
        self.notify(f"Polling request/status for {short} (same request_id).", timeout=3)

    def _is_polled(self) -> bool:
        """The backend is polling the request sent (a fake backend in tests may not say)."""
        following = getattr(self.backend, "following", None)
        return isinstance(following, (set, frozenset)) and self.submission.sent_id in following

    def _send(self) -> None:
        waiting = self.submit_waits_for()
        if waiting:  # it began again while the question was open: held, not sent unchecked
            self._hold(waiting)
            return
        data = self.read_input()
        check = self.check(data, self.submission.request_id)
        if not check.ok:
            # Refused here (after a confirmation): nothing goes out, the id stays unspent, and
            # every problem is shown.
            self._attempted = True
            self._lock(False)
            self._show_check(check)
            self._refresh_buttons()
            self._focus_first_error()
            return
        self.submission.send()
        # What goes out is no longer a draft: kept, it would come back in a new form with a new
        # request_id and be sent twice. The journal has it; an error reopens editing here.
        self._drop_draft()
        self.error_code = self.error_description = None
        self._wait_explained, self._no_answer_why, self._early_news = False, "", None
        self.live.start(self._now())
        self._set_result("")
        self._lock(True)
        self._refresh_buttons()
        self._start_ticking()
        runner = self._submit_and_follow(check.body)
        # Not exclusive: a mutation is never cancelled by another worker. A state change runs in
        # the app's worker, not the form's: closing the form while it waits must not cancel it
        # (the request goes on, and is followed). A read is the form's, and closes with it.
        owner: App[Any] | RequestFormScreen = self.app if self.method.changes_state else self
        owner.run_worker(runner, group="form-submit", exit_on_error=False)

    async def _submit_and_follow(self, body: dict[str, Any]) -> None:
        """Send, then start whatever follow-up the answer needs (polling a `process` answer or an
        unknown outcome) here rather than in the form's handlers: the form may be closed by now,
        and its messages then go nowhere."""
        backend = self.backend
        try:
            if backend is None:
                raise errors.CannotConnect("not connected")
            result = await backend.submit(self.method, body, on_unknown=self._heard_no_answer)
        except Exception as exc:  # every failure becomes a status the user sees
            self.post_message(self._Failed(exc, followed=self._follow_failure(backend, exc)))
        else:
            self.post_message(self._Answered(result, followed=self._follow_answer(backend, result)))

    def _heard_no_answer(self, error: Exception) -> None:
        """From inside the client's call: it gave up waiting and asks request/status now."""
        why = error.message if isinstance(error, errors.CardApiError) else str(error)
        self.post_message(self._NoAnswer(self.submission.sent_id, why))

    def _follow_answer(self, backend: Backend, result: CallResult) -> bool:
        """Whether the app polls the request now: a `process` answer, or one that does not say
        whether it was applied."""
        outcome = answered(result.response.status, result.request_status)
        if outcome is Outcome.PROCESS:
            backend.follow(result)
            return True
        if outcome in (Outcome.SUCCESS, Outcome.ERROR):
            return False
        return self._follow_id(backend)

    def _follow_failure(self, backend: Backend | None, error: Exception) -> bool:
        """Whether the app polls the request now: it may have been applied (an unknown outcome,
        or refused as a duplicate of one the server has)."""
        if isinstance(error, errors.ApiError):
            return error.error_code == DUPLICATE_REQUEST and self._follow_id(backend)
        if isinstance(error, errors.InvalidRequest):
            return False
        if isinstance(error, errors.CardApiError) and not error.outcome_unknown:
            return False
        return self._follow_id(backend)

    def _follow_id(self, backend: Backend | None) -> bool:
        follow_id = getattr(backend, "follow_id", None)
        if not callable(follow_id):
            return False
        follow_id(self.submission.sent_id, self.method.name)
        return True

    @on(_NoAnswer)
    def _no_answer(self, message: _NoAnswer) -> None:
        if self.phase != "sending" or message.request_id != self.submission.sent_id:
            return
        self._no_answer_why = message.why
        self.live.polling = True
        self.live.advance("unknown", self._now())
        self._set_result(
            f"{message.why}\n{self.method.name} may have been applied: the client is asking "
            f"request/status with the same request_id ({short_id(message.request_id)}); nothing is "
            "resent. The answer shows here by itself.",
            failed=True,
        )
        self._refresh_status()
        self._refresh_request_id()

    @on(_Answered)
    def _answered(self, message: _Answered) -> None:
        result = message.result
        response = redact(result.raw, self.method.response_secret_fields)
        outcome = answered(result.response.status, result.request_status)
        if result.recovered:
            why = self._no_answer_why or "the connection failed after sending"
            self.notify(f"{why[:1].upper()}{why[1:]}; request/status (same request_id) answered.", timeout=6)
        if outcome is Outcome.PROCESS:
            self.submission.settle(outcome)
            self.live.advance("process", self._now())
            self._set_result("")  # the wait is over: nothing left to explain
            self._refresh_buttons()
            self._refresh_status()
            self._apply_early_news()
        elif outcome is Outcome.SUCCESS:
            self._succeed(response)
        elif outcome is Outcome.ERROR:
            self._fail(result.response.error_code, result.response.error_description, response)
        else:  # an answer that does not say whether it was applied: ask, never resend
            self._outcome_unknown(
                f"The answer's request_status '{result.request_status}' is not one the API uses.",
                followed=message.followed,
            )

    @on(_Failed)
    def _failed(self, message: _Failed) -> None:
        exc = message.error
        if isinstance(exc, errors.ApiError):
            self._fail(exc.error_code, exc.error_description, exc.response, followed=message.followed)
        elif isinstance(exc, errors.InvalidRequest):
            # Refused before sending (read-only, or the client's own checks): back to editing.
            self.submission.refused_before_sending()
            self.live.steps.clear()
            self._lock(False)
            self._refresh_status()
            self._refresh_buttons()
            if exc.errors:
                self._show_check(FormCheck({}, exc.errors))
            else:
                self._form_error(
                    self.read_only_reason() or exc.message or "The request was refused before sending."
                )
        elif isinstance(exc, errors.CardApiError) and not exc.outcome_unknown:
            self._not_received(exc.message)
        else:
            why = exc.message if isinstance(exc, errors.CardApiError) else f"{type(exc).__name__}: {exc}"
            self._outcome_unknown(why, followed=message.followed)

    # --- live status -----------------------------------------------------------------------------

    def on_app_news(self, message: object) -> None:
        """App-level news (the app's `news` signal): only our request matters here."""
        if isinstance(message, RequestUpdated):
            self._request_updated(message)

    def _request_updated(self, message: RequestUpdated) -> None:
        # While sending, the submit's own answer is authoritative; afterwards polls take over.
        if not self.submission.concerns(message.request_id):
            if self.phase == "sending" and message.request_id == self.submission.sent_id:
                self._early_news = message  # applied once the answer is in (_apply_early_news)
            return
        status = message.outcome
        if status == "success":
            self._succeed(message.response)
        elif status == "error":
            self._fail(message.error_code, message.error_description, message.response)
        elif status == "failed":
            self._not_received(message.error_description or "the request failed")
        elif status == "unknown":
            if self._is_polled():
                return  # the failure that made it unknown, told late: polling goes on
            self.submission.settle(Outcome.UNKNOWN)
            self.live.advance("unknown", self._now())
            self.live.polling = False
            self._set_result(
                f"Still unknown after polling ({message.error_description or 'no answer'}). "
                f"It may have been applied. {keys_for(self.app, 'form.submit', SEND_KEYS)} checks "
                "request/status again with the same "
                "request_id; nothing is resent.",
                failed=True,
            )
            self._refresh_status()
            self._refresh_buttons()
        elif status == "process" and self.live.advance("process", self._now()):
            self.submission.settle(Outcome.PROCESS)
            self._refresh_status()
            self._refresh_buttons()

    def _succeed(self, response: Mapping[str, Any]) -> None:
        self.submission.settle(Outcome.SUCCESS)
        self.response = dict(response)
        self.live.advance("success", self._now())
        self._stop_ticking()
        lines = result_lines(self.response)
        # A long answer (transaction.info) lines its values up after the keys (a very long key
        # does not push the rest right); a short one (an id or two) reads as it is. A long value
        # wraps rather than being cut.
        long_answer = len(lines) > self.SHORT_RESULT
        width = (
            min(max((len(key) for key, _ in lines), default=0), self.RESULT_KEY_WIDTH) if long_answer else 0
        )
        self._set_result("\n".join(f"{key:<{width}}  {value}" for key, value in lines) or "Done.")
        self._drop_draft()
        for control in self.query_one("#fields").query("Input.-secret").results(Input):
            control.value = ""  # done with: a PIN does not stay in memory longer than needed
        self._refresh_buttons()
        self.query_one("#close", Button).focus()

    def _fail(
        self,
        code: str | None,
        description: str | None,
        response: Mapping[str, Any] | None,
        *,
        followed: bool | None = None,
    ) -> None:
        """A final error: nothing was applied, and the id is spent (a second use is refused as
        duplicate_request_id), so what follows is a new request with a fresh id. `followed`: see
        `_outcome_unknown`."""
        if code == DUPLICATE_REQUEST:
            # The server already has a request with this id (sent again after a status lookup
            # that lagged): that one may have been applied. Ask about it; a fresh id would be a
            # second request the duplicate check exists to stop.
            self._outcome_unknown(
                f"{code}: the server already has request_id {self.submission.sent_id}, so it "
                "arrived earlier; this send was refused.",
                followed=followed,
            )
            return
        self.submission.settle(Outcome.ERROR)  # the id is spent: the next send gets a fresh one
        self.error_code, self.error_description = code, description
        self.response = dict(response or {})
        self.live.advance("error", self._now())
        self._stop_ticking()
        self._lock(False)
        self._set_result(self.submission.error_note(code, description), failed=True)
        self._refresh_buttons()
        named = self._control_named_in(description, self.response)
        # The field the server named, cursor at its end: what is typed next corrects it (on the
        # button, a BackSpace did nothing and ctrl+s sent the same value again).
        (named or self.query_one("#submit", Button)).focus()

    def _control_named_in(self, description: str | None, response: Mapping[str, Any]) -> Widget | None:
        """The form's editable control for the field an error names: `errors[].field` of the
        answer, else the description's `field: …` prefix (how the sandbox and the API word it),
        found as the form finds where to show any error (body.locate)."""
        named = [
            str(item.get("field") or "") for item in response.get("errors") or [] if isinstance(item, dict)
        ]
        prefix = re.match(r"\s*([A-Za-z_][\w.]*)\s*:", description or "")
        if prefix:
            named.append(prefix.group(1))
        for field in filter(None, named):
            control = self._controls.get(locate(self.spec, field))
            if control is not None and control.focusable:
                return control
        return None

    def _not_received(self, why: str) -> None:
        """Certainly not received: nothing was applied and the id is unspent, so it is kept."""
        self.submission.settle(Outcome.FAILED)
        self.error_code, self.error_description = None, why
        self.live.advance("failed", self._now())
        self._stop_ticking()
        self._lock(False)
        self._set_result(self.submission.not_received_note(why), failed=True)
        self._refresh_buttons()
        self.query_one("#submit", Button).focus()

    def _outcome_unknown(self, why: str, *, followed: bool | None = None) -> None:
        """Maybe applied. `followed`: whether the submit already had the app poll it (None: news
        about it, and the form asks for the polling itself)."""
        self.submission.settle(Outcome.UNKNOWN)
        self.error_description = why
        self.live.advance("unknown", self._now())
        # Never resend (and never with a new id): ask about this very request until it resolves.
        if followed is None:
            followed = self._follow_id(self.backend)
        self.live.polling = followed
        self._set_result(self.submission.unknown_note(why, polling=followed), failed=True)
        self._refresh_status()
        self._refresh_buttons()
        self.query_one("#close", Button).focus()
        self._apply_early_news()

    def _apply_early_news(self) -> None:
        """The poll's news that came while the form still waited for its own answer, now that the
        answer is in (process or unknown): as if it had come just now."""
        early, self._early_news = self._early_news, None
        if early is not None:
            self._request_updated(early)

    def _start_ticking(self) -> None:
        self._refresh_status()
        if self._tick_timer is None:
            self._tick_timer = self.set_interval(self.TICK, self._tick)
        else:
            self._tick_timer.resume()

    def _stop_ticking(self) -> None:
        if self._tick_timer is not None:
            self._tick_timer.pause()
        self._refresh_status()

    def _tick(self) -> None:
        if self.live.is_final:
            self._stop_ticking()
        else:
            self._refresh_status()
            self._explain_wait()

    def _explain_wait(self) -> None:
        """Once an answer is a few seconds late, say what happens next: the wait is bounded by
        the client's read timeout, after which a state change is asked about, never resent."""
        if self._wait_explained or self.phase != "sending" or self.live.current != "sent":
            return
        if self.live.elapsed(self._now()) < self.QUIET_AFTER:
            return
        self._wait_explained = True
        timeout = getattr(self.backend, "read_timeout", None)
        within = f"up to {timeout:g} s" if isinstance(timeout, (int, float)) else "a while"
        if self.method.changes_state:
            text = (
                f"No answer yet. The client waits {within} for one (its read timeout); then it asks "
                f"request/status with the same request_id, and {self.method.name} is never sent "
                "again. esc closes this form; the request goes on (the top bar counts it, "
                "Requests shows how it ends)."
            )
        else:
            text = (
                f"No answer yet. The client waits {within} for one (its read timeout). esc cancels the read."
            )
        self._set_result(text)

    # --- small views -----------------------------------------------------------------------------

    def _refresh_status(self) -> None:
        status = self.query_one("#status", Static)
        update_in_place(status, self.live.render(self._now()))
        status.set_class(bool(self.live.steps), "-shown")

    def _set_result(self, text: str, *, failed: bool = False) -> None:
        result = self.query_one("#result", Static)
        update_in_place(result, marked(text) if failed else text)
        result.set_class(bool(text), "-shown")
        result.set_class(failed, "-failed")
        self.query_one("#result-box").set_class(bool(text), "-shown")

    def _standing_refusal(self) -> str:
        text, typed = self._refusal
        return text if text and typed == self.read_input() else ""

    def _form_error(self, text: str) -> None:
        self._refusal = (text, self.read_input() if text else None)
        label = self.query_one(f"#{FORM_ERROR}", Static)
        self._shown_errors[FORM_ERROR] = text  # as _show_check keeps it
        update_in_place(label, marked(text))
        label.set_class(bool(text), "-shown")

    def _refresh_request_id(self) -> None:
        """Which id the next ctrl+s uses and why, in what fits after a full id at 80 columns."""
        line = self.query_one("#request-id", Static)
        line.display = self.spec.has_request_id
        why = self.submission.id_reason(self._status_word())
        update_in_place(line, f"request_id {self.submission.request_id} · {why}")

    def _status_word(self) -> str:
        """The request's live status in a word, for the request_id line."""
        current = self.live.current or "sent"
        return {"unknown": "outcome unknown", "failed": "not received"}.get(current, current)

    def _refresh_notice(self) -> None:
        read_only = self.read_only_reason()
        text = read_only or ("Draft restored from last time." if self.draft_restored else "")
        update_in_place(self.query_one("#notice", Static), text)
        self.query_one("#notice-row").set_class(bool(text), "-shown")
        self.query_one("#clear-draft", Button).display = self.draft_restored and not read_only

    def _refresh_buttons(self) -> None:
        submission = self.submission
        shown = {
            "submit": submission.ctrl_s is not None,
            "cancel": submission.can_cancel,
            "close": not submission.can_cancel,
        }
        for name, visible in shown.items():
            self.query_one(f"#{name}", Button).display = visible
        # What Esc does once a state change is out and not answered: the form closes, the
        # request does not stop.
        self.query_one("#close", Button).label = (
            "Close — the request goes on (Requests)" if submission.goes_on_when_closed else "Close"
        )
        submit = self.query_one("#submit", Button)
        submit.label = button_label(self.app, "form.submit", submission.ctrl_s_label)  # what the key does now
        # Disabled while in flight: one press, one request.
        submit.disabled = (
            submission.in_flight or submission.ctrl_s is None or self.read_only_reason() is not None
        )
        self.query_one("#cancel", Button).disabled = submission.phase == "confirming"
        created = self.created
        opener = self.query_one("#open-created", Button)
        opener.display = created is not None
        if created is not None:
            opener.label = f"Open {created.noun} {created.key} o"
        self._refresh_request_id()
        self.refresh_bindings()

    def _lock(self, locked: bool) -> None:
        for control in self.query_one("#fields").query("Input, Select, Checkbox").results(Widget):
            control.disabled = locked
        if not locked and self._last is not None:
            self._apply_visibility(self._last)  # re-disable PIN entries when 'generate' is ticked
            self._sync_same()  # and a copied address

    # --- drafts ----------------------------------------------------------------------------------

    def _drop_draft(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self.draft.discard()
        if self.is_mounted:
            self._refresh_notice()

    def has_draft_to_keep(self) -> bool:
        """Whether save_draft keeps something of the operator's (rather than nothing)."""
        return self.draft.can_keep and self.submission.keeps_draft and self.is_dirty()

    def save_draft(self) -> None:
        # Only what has not gone out (or was refused and is being edited) is a draft.
        if not self.draft.can_keep or not self.submission.keeps_draft:
            return
        self.draft.keep(draft_fields(self.spec, self.read_input()) if self.is_dirty() else {})

    def action_clear_draft(self) -> None:
        if not self.draft.can_keep or self.phase != "editing":
            return
        self.draft.discard()
        for name in self._offstage:
            self._offstage[name] = self._baseline.get(name, "")
        for name, control in self._controls.items():
            value = self._baseline.get(name, "")
            if isinstance(control, Select):
                control.value = value if value else Select.NULL
            else:
                control.value = value
        self._refresh_notice()
        self.notify("Draft cleared.", timeout=3)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The footer offers ctrl+s only when pressing it would do something, in the words of what
        # it does in this phase (submit, resubmit, send again, check status).
        if action in ("submit", "resubmit", "send_again", "check_status"):
            submission = self.submission
            return (
                submission.ctrl_s == action and not submission.in_flight and self.read_only_reason() is None
            )
        if action == "clear_draft":
            return self.draft_restored
        if action == "open_created":
            # The footer names what `o` opens: one of the two bindings, by the thing created.
            created = self.created
            return created is not None and parameters == (created.noun,)
        # Esc says Cancel while nothing has gone out (or a read is going: it stops), Close once
        # it has, and that the request goes on while a state change waits for its answer; while
        # a submit is held, Esc drops it.
        if action == "stop_held":
            return self._held is not None
        if action == "cancel":
            return self.submission.can_cancel and self._held is None
        if action == "close":
            going_on = self.submission.goes_on_when_closed
            return going_on if parameters == ("going_on",) else not (self.submission.can_cancel or going_on)
        return True

    # --- what the request created ----------------------------------------------------------------

    @property
    def created(self) -> Created | None:
        """The card or client this form's request created, once it succeeded."""
        if self.submission.phase != "success":
            return None
        return created_by(self.method.name, self.response)

    def action_open_created(self, noun: str = "") -> None:
        """Close the form and show what it created in its section (as `:card ID` would)."""
        created = self.created
        if created is None:
            return
        run = getattr(self.app, "run_command_line", None)
        self.dismiss(self.outcome())
        if callable(run):
            run(created.command)
        else:
            self.notify(f"{created.noun} {created.key}: open it with :{created.command}", timeout=6)

    # --- leaving ---------------------------------------------------------------------------------

    def outcome(self) -> FormOutcome | None:
        if not self.submissions:
            return None
        return FormOutcome(
            method=self.method,
            request_id=self.submission.sent_id,
            final_status=self.submission.final_status(self.live.current),
            response=self.response,
            error_code=self.error_code,
            error_description=self.error_description,
        )

    def action_cancel(self) -> None:
        if self._held is not None:
            self.action_stop_held()
            return
        if self.phase == "confirming":
            return  # the question on top answers Esc
        if self.phase == "sending":
            if self.submission.goes_on_when_closed:
                self.notify(
                    f"{self.method.title} goes on (request_id {short_id(self.submission.sent_id)}): "
                    "the top bar counts it; Requests shows how it ends.",
                    timeout=6,
                )
            # A read being sent stops with the form (its worker is the form's).
            self.dismiss(self.outcome())
            return
        if self.phase in ("process", "unknown", "success") or not self.is_dirty():
            if self.phase == "editing":
                self.save_draft()  # everything was cleared: an old draft goes too
            # A request still in process keeps being tracked by the app (see Requests).
            self.dismiss(self.outcome())
            return
        self.app.push_screen(LeaveScreen(can_keep=self.draft.can_keep), self._left)

    def action_close(self, going_on: str = "") -> None:
        """Esc once the request has gone out: the same rules as Cancel (an error's typed fields
        still ask before they are discarded; a state change still waiting goes on)."""
        self.action_cancel()

    def _left(self, choice: LeaveChoice | None) -> None:
        if choice == "discard":
            self.draft.discard()
            self.dismiss(self.outcome())
        elif choice == "keep":
            self.save_draft()
            self.dismiss(self.outcome())

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        actions: dict[str, Callable[[], None]] = {
            "submit": self.action_submit,
            "close": self.action_cancel,
            "cancel": self.action_cancel,
            "clear-draft": self.action_clear_draft,
            "open-created": lambda: self.action_open_created(),
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()
