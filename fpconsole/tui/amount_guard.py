"""The amount guard: a form refuses, before anything is sent, an amount the ledger does not allow,
and shows the limit under the amount field.

- Clearing and refund (`TransactionGuardForm`): a clearing takes at most what is still held, a
  refund at most what was cleared and not yet refunded. The limit comes from `transaction.info`
  (asked when the form opens, and again when the transaction id is changed); until it arrives
  the cached amounts are shown.
- Create transaction (`CreateTransactionForm`): at most the card's available balance, from
  `card.balance` (asked when the form opens, and again when the card id is changed), compared
  only in the balance's own currency.

The form shows Amount before Description (the request models keep their own order) and
focuses it while it is empty: an operator who opens a refund and types 2500 types the amount,
not the description. A refund always asks first, saying the amount (all that is left when
Amount is empty); so does a clearing with an empty Amount (see `confirm.ledger_confirm_spec`).

The request model already refuses zero, negatives and more than two decimals; this adds what
only the ledger can tell. One machinery (`AmountGuardForm`) serves both: it reads the limit in
an exclusive worker for the id typed in `KEY_FIELD`, re-reads it when that id changes (noticed
by the form's checks, which run once the user pauses typing: that is the debounce), writes the
limit under the amount, and adds its errors through `RequestFormScreen.extra_errors`. A submit
while the limit is still being read is held, not refused (`RequestFormScreen.submit_waits_for`):
the form says it sends once the limit is known, then checks the amount against it and sends or
shows the limit's error; an edit or Esc meanwhile drops it. If the read fails, a held submit is
not sent and the form says why; the next ctrl+s lets the API decide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, Literal, TypeVar

from textual import work

from fpconsole.api import errors
from fpconsole.api import methods as api
from fpconsole.api.names import MethodName
from fpconsole.api.validation import FieldError
from fpconsole.tui.confirm import ledger_confirm_spec
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.ledger_limits import (
    CardFunds,
    GuardKind,
    LedgerAmounts,
    amount_problem,
    funds_note,
    funds_problem,
    limit_note,
    typed_amount,
)

if TYPE_CHECKING:
    from fpconsole.tui.confirm import ConfirmSpec
    from fpconsole.tui.forms.body import FormInput
    from fpconsole.tui.forms.screen import Clock

AMOUNT: Final = "amount"
DESCRIPTION: Final = "description"
TRANSACTION_ID: Final = "transaction_id"
CARD_ID: Final = "card_id"
CURRENCY: Final = "currency"

LimitState = Literal["fetching", "known", "unknown"]
Limit = TypeVar("Limit")


class AmountGuardForm(RequestFormScreen, Generic[Limit]):
    """A request form whose amount is checked against a limit read from the API for the id in
    `KEY_FIELD`. Subclasses say how to read the limit, what to show and what to refuse."""

    # What the operator came to type comes before the description; the form opens on the first
    # empty field, so with the order and transaction given that is the amount.
    FIELD_ORDER = ((AMOUNT, DESCRIPTION),)
    KEY_FIELD: ClassVar[str]
    SOURCE: ClassVar[str]  # the read that tells the limit, named in the messages
    TELLS: ClassVar[str]  # what it tells, for "Sending once {SOURCE} says {TELLS}…"

    def __init__(
        self,
        method: api.Method,
        *,
        initial: Mapping[str, str] | None = None,
        form_key: str | None = None,
        title: str | None = None,
        confirm: ConfirmSpec | None = None,
        clock: Clock | None = None,
        new_request_id: Callable[[], str] | None = None,
        known: Limit | None = None,
    ) -> None:
        super().__init__(
            method,
            initial=initial,
            form_key=form_key,
            title=title,
            confirm=confirm,
            clock=clock,
            new_request_id=new_request_id,
        )
        self.known: Limit | None = known  # the limit as last read (or cached), for `limit_key`
        self.limit_state: LimitState = "fetching"
        self.limit_problem = ""
        self._asked_for: str | None = None  # the id the limit was last asked for
        self._base_help = next(
            (item.help for item in self.spec.fields if item.name == AMOUNT and item.help), ""
        )

    def on_mount(self) -> None:
        super().on_mount()
        self._fetch_if_needed()
        self._show_limit()

    # --- what a subclass says ---------------------------------------------------------------------

    async def read_limit(self, backend: Any, key: str) -> Limit:
        """Ask the API; raises CardApiError when it cannot tell."""
        raise NotImplementedError

    def limit_key(self, known: Limit) -> str:
        """The id a limit was read for (a limit says nothing about another id)."""
        raise NotImplementedError

    def limit_text(self, values: Mapping[str, str]) -> tuple[str, bool]:
        """The note under the amount, and whether it says it all (else the model's help stays)."""
        raise NotImplementedError

    def limit_errors(self, known: Limit, values: Mapping[str, str]) -> list[FieldError]:
        raise NotImplementedError

    # --- the machinery ----------------------------------------------------------------------------

    def typed_key(self) -> str:
        return self.read_input().values.get(self.KEY_FIELD, "").strip()

    def _fetch_if_needed(self) -> None:
        key = self.typed_key()
        if key == self._asked_for:
            return
        self._asked_for = key
        if self.known is not None and self.limit_key(self.known) != key:
            self.known = None  # another id: the old limit says nothing about it
        if not key:
            # Nothing to ask about; the model says the id is required.
            self.workers.cancel_group(self, "amount-guard")
            self._limit_unknown(f"no {self.KEY_FIELD} yet")
            return
        self.limit_state = "fetching"
        self.fetch_limit(key)

    @work(exclusive=True, group="amount-guard", exit_on_error=False)
    async def fetch_limit(self, key: str) -> None:
        backend = getattr(self.app, "backend", None)
        if backend is None or not hasattr(backend, "read"):
            self._limit_unknown("not connected")
            return
        try:
            found = await self.read_limit(backend, key)
        except errors.CardApiError as exc:
            if key == self.typed_key():
                self._limit_unknown(exc.message)
            return
        if key != self.typed_key():
            return  # the user moved on to another id meanwhile
        self.known = found
        self.limit_state = "known"
        self._show_limit()
        self._validate_typed()
        self.wait_over()  # a held submit goes on, checked against the limit just read

    def _limit_unknown(self, why: str) -> None:
        self.limit_state, self.limit_problem = "unknown", why
        self._show_limit()
        self.wait_over(
            f"{self.SOURCE} did not say {self.TELLS} ({why}). ctrl+s sends it anyway; the API "
            "checks the amount."
        )

    def submit_waits_for(self) -> str | None:
        return f"{self.SOURCE} says {self.TELLS}" if self.limit_state == "fetching" else None

    def _show_limit(self) -> None:
        if self.limit_state == "unknown":
            note, complete = f"Limit unknown ({self.limit_problem}); the API checks it.", False
        else:
            note, complete = self.limit_text(self.read_input().values)
        self.set_field_note(
            AMOUNT, note if complete or not self._base_help else f"{self._base_help} · {note}"
        )

    def guard_errors(self, values: Mapping[str, str]) -> list[FieldError]:
        """What the limit refuses in these values (nothing when it is not known for their id)."""
        known = self.known
        if known is None or values.get(self.KEY_FIELD, "").strip() != self.limit_key(known):
            return []
        return self.limit_errors(known, values)

    def extra_errors(self, data: FormInput, body: Mapping[str, Any]) -> list[FieldError]:
        # Every check passes here, so a changed id is noticed once the user pauses typing (a
        # submit made while the limit is read is held: submit_waits_for).
        self._fetch_if_needed()
        if self.limit_state != "fetching":
            self._show_limit()  # the note may depend on other fields (the currency)
        return self.guard_errors(data.values)


class TransactionGuardForm(AmountGuardForm[LedgerAmounts]):
    """A clearing or refund form that knows the transaction's ledger limit: the form of every
    method whose entry has a `settlement` (its `form_class`), opened through the app's
    `open_form` like any other. Until transaction.info answers, the cached amounts stand in."""

    KEY_FIELD = TRANSACTION_ID
    SOURCE = MethodName.TRANSACTION_INFO
    TELLS = "what the ledger allows"

    def __init__(
        self,
        method: api.Method,
        *,
        initial: Mapping[str, str] | None = None,
        form_key: str | None = None,
        title: str | None = None,
        confirm: ConfirmSpec | None = None,
        clock: Clock | None = None,
        new_request_id: Callable[[], str] | None = None,
        amounts: LedgerAmounts | None = None,
    ) -> None:
        kind = method.settlement
        if kind is None:
            raise ValueError(f"{method.name} has no ledger limit to guard")
        transaction_id = (initial or {}).get(TRANSACTION_ID, "").strip()
        if form_key and transaction_id:
            # One draft per transaction: an amount typed for one must never come back for another.
            form_key = f"{form_key}:{transaction_id}"
        super().__init__(
            method,
            initial=initial,
            form_key=form_key,
            title=title,
            confirm=confirm,
            clock=clock,
            new_request_id=new_request_id,
            known=amounts,
        )
        self.kind: GuardKind = kind

    def on_mount(self) -> None:
        if self.known is None:
            self.known = self._cached_amounts()
        super().on_mount()

    def _cached_amounts(self) -> LedgerAmounts | None:
        """What the cache knows of the transaction typed (the list's held/cleared/refunded)."""
        transaction_id = self.typed_key()
        if not transaction_id:
            return None
        from fpconsole.tui import data

        record = data.get_transaction(getattr(self.app, "cache", None), transaction_id)
        return LedgerAmounts.from_record(record, fresh=False) if record is not None else None

    @property
    def amounts(self) -> LedgerAmounts | None:
        return self.known

    async def read_limit(self, backend: Any, key: str) -> LedgerAmounts:
        result = await backend.read(api.TRANSACTION_INFO, {TRANSACTION_ID: key})
        state = dict(result.raw.get("transaction") or {})
        state.setdefault(TRANSACTION_ID, key)
        from fpconsole.tui import data

        data.remember_transaction(getattr(self.app, "cache", None), state)
        return LedgerAmounts.from_record(state, fresh=True)

    def limit_key(self, known: LedgerAmounts) -> str:
        return known.transaction_id

    def limit_text(self, values: Mapping[str, str]) -> tuple[str, bool]:
        # A known limit says it all ("empty = all of it"); otherwise the model's help stays.
        amounts = self.known
        complete = amounts is not None and amounts.limit(self.kind) is not None
        return limit_note(self.kind, amounts), complete

    def confirmation(self, body: Mapping[str, Any]) -> ConfirmSpec | None:
        # A submit is held while the limit is being read; when the read failed (a cached figure
        # may be stale) or was for another id, what is left is not known and the question says so.
        known = self.known if self.limit_state == "known" else None
        if known is not None and known.transaction_id != str(body.get(TRANSACTION_ID) or ""):
            known = None
        left = known.limit(self.kind) if known is not None else None
        currency = known.currency if known is not None else ""
        return ledger_confirm_spec(self.method, self.kind, typed_amount(body.get(AMOUNT)), left, currency)

    def limit_errors(self, known: LedgerAmounts, values: Mapping[str, str]) -> list[FieldError]:
        limit = known.limit(self.kind)
        if limit is None:
            return []
        problem = amount_problem(self.kind, values.get(AMOUNT, ""), limit, known.currency)
        return [FieldError(AMOUNT, problem)] if problem else []


class CreateTransactionForm(AmountGuardForm[CardFunds]):
    """Create transaction, refusing more than the card has available. Opened through
    `form_class_for` (its entry's `form_class`), so it takes RequestFormScreen's arguments."""

    KEY_FIELD = CARD_ID
    SOURCE = MethodName.CARD_BALANCE
    TELLS = "what the card has available"

    async def read_limit(self, backend: Any, key: str) -> CardFunds:
        result = await backend.read(api.CARD_BALANCE, {CARD_ID: key})
        return CardFunds.from_balance(key, result.raw)

    def limit_key(self, known: CardFunds) -> str:
        return known.card_id

    def limit_text(self, values: Mapping[str, str]) -> tuple[str, bool]:
        # The model's help (at most two decimals) stays: the balance does not say it.
        return funds_note(self.known, values.get(CURRENCY, "")), False

    def limit_errors(self, known: CardFunds, values: Mapping[str, str]) -> list[FieldError]:
        problem = funds_problem(values.get(AMOUNT, ""), known, values.get(CURRENCY, ""))
        return [FieldError(AMOUNT, problem)] if problem else []
