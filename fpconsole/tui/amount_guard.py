"""The amount guard: a clearing or refund form refuses, before anything is sent, an amount the
ledger does not allow (clearing > still held; refund > cleared − refunded), and shows the limit
under the amount field.

The request model already refuses zero, negatives and more than two decimals; this adds what
only the transaction's state can tell. The limit comes from `transaction.info` (fetched when
the form opens, and again if the transaction id is changed); until it arrives the cached
amounts are shown, and a submit waits for the fresh answer. If transaction.info fails, the form
says the limit is unknown and lets the API decide.

`RequestFormScreen` has no hook for extra checks, so `AmountGuardForm` overrides the two places
every check passes through: `_show_check` (what the fields show) and `_send` (the only way out).
See docs/console-transactions.md for the extension point this would rather use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final, Literal

from textual import work
from textual.widgets import Static

from fpconsole.api import errors
from fpconsole.api import methods as api
from fpconsole.api.validation import FieldError
from fpconsole.tui.forms.body import FormCheck, check_form
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.ledger_limits import GuardKind, LedgerAmounts, amount_problem, kind_of, limit_note

if TYPE_CHECKING:
    from fpconsole.tui.forms.screen import Clock

AMOUNT: Final = "amount"
TRANSACTION_ID: Final = "transaction_id"


class AmountGuardForm(RequestFormScreen):
    """A clearing or refund form that knows the transaction's ledger limit."""

    def __init__(
        self,
        method: api.Method,
        *,
        amounts: LedgerAmounts | None,
        initial: Mapping[str, str] | None = None,
        form_key: str | None = None,
        clock: Clock | None = None,
        new_request_id: Callable[[], str] | None = None,
    ) -> None:
        kind = kind_of(method.name)
        if kind is None:
            raise ValueError(f"{method.name} has no ledger limit to guard")
        super().__init__(
            method, initial=initial, form_key=form_key, clock=clock, new_request_id=new_request_id
        )
        self.kind: GuardKind = kind
        self.amounts = amounts
        self.limit_state: Literal["fetching", "known", "unknown"] = "fetching"
        self.limit_problem = ""
        self._asked_for: str | None = None  # the transaction id transaction.info was asked about
        self._base_help = next(
            (item.help for item in self.spec.fields if item.name == AMOUNT and item.help), ""
        )

    def on_mount(self) -> None:
        super().on_mount()
        self._fetch_if_needed()
        self._show_limit()

    # --- the limit ------------------------------------------------------------------------------

    def _typed_transaction(self) -> str:
        return self.read_input().values.get(TRANSACTION_ID, "").strip()

    def _fetch_if_needed(self) -> None:
        transaction_id = self._typed_transaction()
        if not transaction_id or transaction_id == self._asked_for:
            return
        self._asked_for = transaction_id
        if self.amounts is not None and self.amounts.transaction_id != transaction_id:
            self.amounts = None  # another transaction: the old limit says nothing about it
        self.limit_state = "fetching"
        self.fetch_limit(transaction_id)

    @work(exclusive=True, group="amount-guard", exit_on_error=False)
    async def fetch_limit(self, transaction_id: str) -> None:
        backend = getattr(self.app, "backend", None)
        if backend is None or not hasattr(backend, "read"):
            self._limit_unknown("not connected")
            return
        try:
            result = await backend.read(api.TRANSACTION_INFO, {TRANSACTION_ID: transaction_id})
        except errors.CardApiError as exc:
            self._limit_unknown(exc.message)
            return
        state = dict(result.raw.get("transaction") or {})
        state.setdefault(TRANSACTION_ID, transaction_id)
        if transaction_id != self._typed_transaction():
            return  # the user moved on to another id meanwhile
        self.amounts = LedgerAmounts.from_record(state, fresh=True)
        self.limit_state = "known"
        from fpconsole.tui import data

        data.remember_transaction(getattr(self.app, "cache", None), state)
        self._show_limit()
        self._validate_typed()

    def _limit_unknown(self, why: str) -> None:
        self.limit_state, self.limit_problem = "unknown", why
        self._show_limit()

    def _show_limit(self) -> None:
        known = self.amounts is not None and self.amounts.limit(self.kind) is not None
        if self.limit_state == "unknown":
            note = f"Limit unknown ({self.limit_problem}); the API checks it."
        else:
            note = limit_note(self.kind, self.amounts)
        # A known limit says it all ("empty = all of it"); otherwise the model's help stays.
        text = note if known or not self._base_help else f"{self._base_help} · {note}"
        for label in self.query(f"#help-{AMOUNT}").results(Static):
            label.update(text)

    def guard_errors(self, values: Mapping[str, str]) -> list[FieldError]:
        amounts = self.amounts
        if amounts is None or values.get(TRANSACTION_ID, "").strip() != amounts.transaction_id:
            return []
        limit = amounts.limit(self.kind)
        if limit is None:
            return []
        problem = amount_problem(self.kind, values.get(AMOUNT, ""), limit, amounts.currency)
        return [FieldError(AMOUNT, problem)] if problem else []

    # --- the two overrides ------------------------------------------------------------------------

    def _show_check(self, check: FormCheck) -> None:
        self._fetch_if_needed()
        extra = self.guard_errors(self.read_input().values)
        super()._show_check(FormCheck(check.body, [*check.errors, *extra]) if extra else check)

    def _send(self) -> None:
        waiting = self.limit_state == "fetching"
        if not waiting and not self.guard_errors(self.read_input().values):
            super()._send()
            return
        # Refused here: nothing goes out, and the form is back to editing.
        self.phase = "editing"
        self._lock(False)
        self._attempted = True
        self._show_check(check_form(self.spec, self.read_input(), self.request_id))
        self._refresh_buttons()
        if waiting:
            self._form_error("Not sent: still asking transaction.info what the ledger allows. Submit again.")
        else:
            self._focus_first_error()
