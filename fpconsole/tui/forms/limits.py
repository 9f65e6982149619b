"""Set limits shows the limits in force: it reads `limits.list` for the object the form is for
(when it opens, and again when the object is changed) and lists them above the limit's fields;
choosing a transaction type and period that already has a limit fills in its maximum and
currency, so the operator edits the current figure rather than retyping it.

A read that fails leaves the form as it is (the limits are a help here, not a check), and says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from textual import on, work
from textual.widgets import Input, Select, Static

from fpconsole.api import errors
from fpconsole.api.names import MethodName
from fpconsole.tui.forms.screen import RequestFormScreen

OBJECT_TYPE: Final = "object.type"
OBJECT_VALUE: Final = "object.value"
RULE: Final = "limits.0."
TYPE, PERIOD = RULE + "transaction_type", RULE + "period"
MAXIMUM, CURRENCY = RULE + "amount.0.value", RULE + "amount.0.currency"
NOTE_ID: Final = "current-limits"


def limit_line(limit: Mapping[str, Any]) -> str:
    """`pay/day  max 100000 KZT · 40000 left`."""
    kind = f"{limit.get('transaction_type') or '?'}/{limit.get('period') or '-'}"
    line = f"{kind}  max {limit.get('max') or '?'} {limit.get('currency') or ''}".rstrip()
    if limit.get("available") not in (None, ""):
        line += f" · {limit['available']} left"
    return line


def current_text(target: str, limits: Sequence[Mapping[str, Any]] | None, problem: str = "") -> str:
    if problem:
        return f"Current limits of {target}: not read ({problem})."
    if limits is None:
        return f"Current limits of {target}: reading…"
    if not limits:
        return f"Current limits of {target}: none set."
    return f"Current limits of {target}:\n" + "\n".join(f"  {limit_line(limit)}" for limit in limits)


def matching(limits: Sequence[Mapping[str, Any]], kind: str, period: str) -> Mapping[str, Any] | None:
    return next(
        (
            limit
            for limit in limits
            if str(limit.get("transaction_type") or "") == kind and str(limit.get("period") or "") == period
        ),
        None,
    )


class SetLimitsForm(RequestFormScreen):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current: list[Mapping[str, Any]] | None = None  # None: not read (yet)
        self._read_for: tuple[str, str] | None = None

    def on_mount(self) -> None:
        super().on_mount()
        group = self.query_one(f"#group-{RULE.rstrip('.').replace('.', '_')}")
        self.query_one("#fields").mount(Static("", id=NOTE_ID, markup=False), before=group)
        self._read_if_needed()

    def _target(self) -> tuple[str, str]:
        values = self.read_input().values
        return values.get(OBJECT_TYPE, "").strip(), values.get(OBJECT_VALUE, "").strip()

    def _note(self, text: str) -> None:
        for note in self.query(f"#{NOTE_ID}").results(Static):
            note.update(text)
            note.display = bool(text)

    def _read_if_needed(self) -> None:
        target = self._target()
        if target == self._read_for:
            return
        self._read_for = target
        self.current = None
        kind, value = target
        if not kind or not value:
            self.workers.cancel_group(self, "current-limits")
            self._note("")
            return
        self._note(current_text(f"{kind} {value}", None))
        self.read_current(kind, value)

    @work(exclusive=True, group="current-limits", exit_on_error=False)
    async def read_current(self, kind: str, value: str) -> None:
        backend = self.backend
        read = getattr(backend, "read", None)
        if not callable(read):
            self._note(current_text(f"{kind} {value}", None, "not connected"))
            return
        try:
            result = await read(MethodName.LIMITS_LIST, {"object": {"type": kind, "value": value}})
        except errors.CardApiError as exc:
            if self._target() == (kind, value):
                self._note(current_text(f"{kind} {value}", None, exc.message))
            return
        if self._target() != (kind, value):
            return  # the user moved on to another object meanwhile
        found = result.raw.get("limits")
        self.current = (
            [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []
        )
        self._note(current_text(f"{kind} {value}", self.current))
        self._fill_from_current()

    def _fill_from_current(self) -> None:
        """A type and period that have a limit: its maximum and currency, when not typed yet."""
        if self.current is None or not self.submission.editable:
            return
        values = self.read_input().values
        found = matching(self.current, values.get(TYPE, ""), values.get(PERIOD, ""))
        if found is None:
            return
        maximum = self._controls.get(MAXIMUM)
        if isinstance(maximum, Input) and not maximum.value.strip() and found.get("max") not in (None, ""):
            maximum.value = str(found["max"])
        currency = self._controls.get(CURRENCY)
        if isinstance(currency, Input) and found.get("currency"):
            item = self.spec.get_field(CURRENCY)
            if not currency.value.strip() or (item is not None and currency.value == item.default):
                currency.value = str(found["currency"])

    @on(Select.Changed)
    @on(Input.Changed)
    def _limits_follow(self) -> None:
        # After the form's own handler (it stops the event; this one runs first on the class):
        # deferred, so read_input sees the new value either way.
        self.call_after_refresh(self._after_change)

    def _after_change(self) -> None:
        if not self.is_mounted:
            return
        self._read_if_needed()
        self._fill_from_current()
