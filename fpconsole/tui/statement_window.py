"""A statement's date window: the presets (today, 7 days, this month) and a From/To dialog.

Days are the console user's local days; the request carries RFC 3339 times with the local
offset, which the API accepts (SPEC §3.16).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar, Final, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from fpconsole.tui.widgets.in_place import InPlaceInput

Preset = Literal["today", "7d", "month", "custom"]
PRESET_TITLES: Final[dict[Preset, str]] = {
    "today": "Today",
    "7d": "7 days",
    "month": "This month",
    "custom": "From…to",
}
MAX_DAYS: Final = 366  # a longer window is almost surely a typo, and the API caps answers anyway


def rfc3339(moment: datetime) -> str:
    return moment.astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime
    preset: Preset

    @property
    def title(self) -> str:
        return PRESET_TITLES[self.preset]

    def label(self) -> str:
        start, end = self.start.astimezone(), self.end.astimezone()
        return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} ({self.title})"

    def body(self, card_id: str) -> dict[str, Any]:
        # The API's times have whole seconds: the end is rounded up, not cut, or a window ending
        # now leaves out what happened earlier in this second (a refund settled just before).
        end = self.end
        if end.microsecond:
            end = end.replace(microsecond=0) + timedelta(seconds=1)
        return {"card_id": card_id, "start_date": rfc3339(self.start), "end_date": rfc3339(end)}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()


def preset_window(preset: Preset, now: datetime) -> Window:
    """`now` is the window's end; the start is local midnight today, 7 × 24 h back, or the
    first of the month."""
    local = now.astimezone()
    if preset == "today":
        start = _midnight(local.date())
    elif preset == "7d":
        start = local - timedelta(days=7)
    elif preset == "month":
        start = _midnight(local.date().replace(day=1))
    else:
        raise ValueError("a custom window needs its days: use custom_window")
    return Window(start, local, preset)


def custom_window(first: date, last: date) -> Window:
    """Whole local days, `last` included."""
    return Window(_midnight(first), _midnight(last + timedelta(days=1)) - timedelta(seconds=1), "custom")


def parse_days(first: str, last: str) -> tuple[Window | None, str]:
    """(window, "") or (None, what is wrong: the field and the fix)."""
    start = _day(first)
    if isinstance(start, str):
        return None, f"From: {start or 'a date such as 2026-05-01'}"
    end = _day(last) if last.strip() else start
    if isinstance(end, str):
        return None, f"To: {end or 'a date such as 2026-05-31 (empty: the same day)'}"
    if end < start:
        return None, "To is before From"
    days = (end - start).days + 1  # both ends included, as the dialog says
    if days > MAX_DAYS:
        return None, (
            f"From {start:%Y-%m-%d} to {end:%Y-%m-%d} is {days} days; at most {MAX_DAYS}: "
            "move From later or To earlier"
        )
    try:
        return custom_window(start, end), ""
    except (OverflowError, ValueError):  # 9999-12-31 has no next day; 0001-01-01 no local midnight
        return None, "a date between 0002-01-01 and 9999-12-30"


# English whatever the locale (calendar.month_name follows LC_TIME), as every other message.
_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_YMD: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def _day(text: str) -> date | str:
    """The day typed, or why it is not one: "" when it is not a date at all (the caller gives an
    example), else what makes YYYY-MM-DD not a day of the calendar (2026-02-30)."""
    typed = text.strip()
    try:
        return date.fromisoformat(typed)
    except ValueError:
        pass
    found = _YMD.fullmatch(typed)
    if found is None:
        return ""
    year, month, day = (int(part) for part in found.groups())
    if not 1 <= month <= 12:
        return f"{typed} is not a real date: months go from 01 to 12"
    if day == 0:
        return f"{typed} is not a real date: days start at 01"
    if year == 0:
        return f"{typed} is not a real date: years start at 0001"
    length = calendar.monthrange(year, month)[1]
    return f"{typed} is not a real date: {_MONTHS[month - 1]} {year} has {length} days"


class WindowDialog(ModalScreen[Window | None]):
    """From/To as YYYY-MM-DD; Enter applies, Esc cancels."""

    DEFAULT_CSS = """
    WindowDialog { align: center middle; }
    WindowDialog > Vertical { width: 50; height: auto; border: round $primary; background: $surface; padding: 0 1; }
    WindowDialog .title { text-style: bold; }
    WindowDialog .row { height: auto; }
    WindowDialog .row Label { width: 6; }
    WindowDialog .row Input { width: 1fr; }
    WindowDialog #window-error { color: $error; height: auto; }
    WindowDialog #window-buttons { height: auto; margin-top: 1; }
    WindowDialog #window-buttons Button { margin: 0 2 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="statement-window-cancel")
    ]

    def __init__(self, current: Window) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Statement window (local days, both included)", classes="title")
            with Horizontal(classes="row"):
                yield Label("From")
                yield InPlaceInput(
                    f"{self.current.start.astimezone():%Y-%m-%d}", id="window-from", compact=True
                )
            with Horizontal(classes="row"):
                yield Label("To")
                yield InPlaceInput(f"{self.current.end.astimezone():%Y-%m-%d}", id="window-to", compact=True)
            yield Static("", id="window-error", markup=False)
            with Horizontal(id="window-buttons"):
                yield Button("Apply", id="window-apply", variant="primary", compact=True)
                yield Button("Cancel", id="window-cancel", compact=True)

    def on_mount(self) -> None:
        for box in self.query(Input).results(Input):
            box.cursor_blink = False  # no redraws twice a second (SSH, snapshots)
        self.query_one("#window-from", Input).focus()

    def _apply(self) -> None:
        window, problem = parse_days(
            self.query_one("#window-from", Input).value, self.query_one("#window-to", Input).value
        )
        self.query_one("#window-error", Static).update(problem)
        if window is not None:
            self.dismiss(window)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "window-from":
            self.query_one("#window-to", Input).focus()
        else:
            self._apply()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "window-apply":
            self._apply()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
