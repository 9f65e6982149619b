"""Confirmations before a destructive or sensitive request.

Block, Close and Set PIN always confirm. On a production profile Block and Close also need the
card's last four digits typed back and a reason (sent as the API's `description`), as the README
says; when the card's number is not known, its id is typed instead of the last four. Typing is
the point: a confirmation that Enter can dismiss gets dismissed without reading.

Keys, shown in the dialog's footer: `y` answers yes and `n` no; Enter presses the button that has
the focus, which starts on No (a stray Enter never confirms); Esc cancels. On production the
focus starts in the first box and Enter in any box confirms once everything typed is right, or
says under each box what is still missing (judged on what the boxes hold once every key typed
before Enter has reached them: `2407⏎` in one write counts four digits). A key typed into a box
is the box's: `y` is a letter.

Every refund confirms, saying the amount in words, and so does a clearing of all that is held
(Amount left empty): see `ledger_confirm_spec`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Final

from pydantic import TypeAdapter, ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from fpconsole.api.fields import Reason
from fpconsole.api.methods import Method
from fpconsole.api.validation import describe_errors
from fpconsole.tui.ledger_limits import GuardKind, money
from fpconsole.tui.widgets.compact import made_compact
from fpconsole.tui.widgets.in_place import InPlaceInput
from fpconsole.tui.widgets.key_hints import KeyHints

PRODUCTION: Final = "production"


@dataclass(frozen=True, slots=True)
class ConfirmSpec:
    title: str
    message: str
    danger: bool = False
    require_last4: str | None = None  # the card's last four digits, to be typed back
    require_reason: bool = False  # a reason, which becomes the request's `description`
    require_id: bool = False  # the target's id typed back (Close on production)
    card_mask: str | None = None  # shown in the target line, e.g. 440043******1234
    confirm_label: str = "Yes"

    @property
    def is_plain(self) -> bool:
        return not (self.require_last4 or self.require_reason or self.require_id)


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    reason: str = ""  # the reason typed ("" when none was asked for)


def last_four(card_mask: str | None) -> str | None:
    found = re.search(r"(\d{4})\D*$", card_mask or "")
    return found.group(1) if found else None


def confirm_spec_for(method: Method, profile_kind: str, card_mask: str | None = None) -> ConfirmSpec | None:
    """The house rule, as each registry entry states it (`Method.confirmation`): Block, Close and
    Set PIN confirm; on production Block and Close need the last four digits (the card id when
    the number is unknown) and a reason. Other methods: no confirmation."""
    asked = method.confirmation
    if asked is None:
        return None
    message, danger = asked.message, asked.danger
    if profile_kind != PRODUCTION or not asked.typed_on_production:
        return ConfirmSpec(
            method.title, message, danger=danger, card_mask=card_mask, confirm_label=method.title
        )
    digits = last_four(card_mask)
    return ConfirmSpec(
        f"{method.title} — production",
        message,
        danger=danger,
        require_last4=digits,
        require_reason=True,
        # Without a known card number the id is what the user types back instead.
        require_id=digits is None,
        card_mask=card_mask,
        confirm_label=method.title,
    )


def ledger_confirm_spec(
    method: Method, kind: GuardKind, amount: Decimal | None, left: Decimal | None, currency: str
) -> ConfirmSpec | None:
    """The question before a refund or a clearing, with the amount in words; None when it needs
    none. `amount` is what is sent (None: the Amount was left empty, which means all of it);
    `left` is what the ledger still allows (None when it could not be read).

    Every refund confirms, not only a full one: a refund sends money back and cannot be undone
    (the house rule confirms what destroys), and a typed amount is as easy to get wrong as an
    empty one (2500 for 25.00). Saying the amount turns "yes" into reading it. A clearing takes
    what the card already holds for the merchant, so a typed, partial amount goes without a
    question; only the empty Amount, whose meaning ("all of it") cannot be seen on the form,
    confirms."""
    unit = f" {currency}" if currency else ""
    if kind == "refund":
        if amount is not None:
            question = f"Refund {money(amount)}{unit}?"
            if left is not None:
                question += f" (Up to {money(left)}{unit} can be refunded.)"
        elif left is not None:
            question = f"Refund all {money(left)}{unit} that is left?"
        else:
            question = "Refund all that is left? The console could not read how much that is."
        message = f"{question}\nThe money goes back to the card; a refund cannot be undone."
        title, label = method.title, "Refund"
    else:
        if amount is not None:
            return None
        if left is not None:
            question = f"Clear all {money(left)}{unit} that is still held?"
        else:
            question = "Clear all that is still held? The console could not read how much that is."
        message = f"{question}\nAmount was left empty, which clears the whole hold."
        title, label = method.title, "Clear all"
    return ConfirmSpec(title, message, danger=True, confirm_label=label)


def describe_target(method: Method, body: Mapping[str, Any], card_mask: str | None) -> tuple[str, str | None]:
    """("Card 440043******1234 (7001234)", "7001234") for the confirmation's target line."""
    card_id = body.get("card_id")
    if card_id is not None:
        card_id = str(card_id)
        return (f"Card {card_mask} ({card_id})" if card_mask else f"Card {card_id}"), card_id
    for name in method.target_fields:
        value: Any = body
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None:
            return f"{name} {value}", str(value)
    return "", None


_REASON: Final = TypeAdapter(Reason)


def reason_problem(text: str) -> str | None:
    """The API's own rule for a reason (length, allowed characters), or None when it is fine."""
    try:
        _REASON.validate_python(text)
    except ValidationError as exc:
        return describe_errors(exc)[0].message
    return None


class ConfirmScreen(ModalScreen[ConfirmResult | None]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #confirm-dialog { width: 70; max-width: 100%; height: auto; max-height: 100%; overflow-y: auto; border: round $primary; background: $surface; padding: 0 1; }
    ConfirmScreen.-danger > #confirm-dialog { border: round $error; }
    ConfirmScreen #confirm-title { text-style: bold; width: 1fr; }
    ConfirmScreen.-danger #confirm-title { color: $error; }
    ConfirmScreen #confirm-target { text-style: bold; margin: 1 0 0 0; }
    ConfirmScreen .confirm-field { height: auto; }
    ConfirmScreen .confirm-prompt { margin: 1 0 0 0; }
    ConfirmScreen .confirm-field Input { background: $boost; }
    ConfirmScreen Label.-error { color: $error; display: none; }
    ConfirmScreen Label.-error.-shown { display: block; }
    ConfirmScreen #confirm-buttons { height: auto; margin: 1 0 0 0; align-horizontal: right; }
    ConfirmScreen #confirm-buttons Button { margin: 0 0 0 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "yes", "Yes", id="confirm-yes"),
        Binding("n", "no", "No", id="confirm-no"),
        # Enter does what the focused button (or, in a box, Yes) says; the footer shows the one
        # that applies (check_action). Priority: a button's or a box's own Enter comes after.
        Binding("enter", "enter('yes')", "Yes", priority=True, id="confirm-enter"),
        Binding("enter", "enter('no')", "No", priority=True, id="confirm-enter"),
        Binding("escape", "cancel", "Cancel", id="confirm-cancel"),
    ]

    def __init__(
        self, spec: ConfirmSpec, *, target: str = "", target_id: str | None = None, reason: str = ""
    ) -> None:
        super().__init__(classes="-danger" if spec.danger else None)
        self.spec = spec
        self.target = target
        self.target_id = target_id
        self.initial_reason = reason

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Vertical(id="confirm-dialog"):
            yield Static(spec.title, id="confirm-title", markup=False)
            yield Static(spec.message, id="confirm-message", markup=False)
            if self.target:
                yield Static(self.target, id="confirm-target", markup=False)
            if spec.require_last4:
                yield self._prompt("Type the card's last four digits", "last4", max_length=4)
            if spec.require_id and self.target_id:
                yield self._prompt(
                    Content.assemble("Type the id ", (self.target_id, "bold"), " to confirm"), "id"
                )
            if spec.require_reason:
                yield self._prompt(
                    "Reason (sent as the request's description)", "reason", value=self.initial_reason
                )
            with Horizontal(id="confirm-buttons"):
                yield made_compact(Button("No", id="confirm-no"))
                yield made_compact(
                    Button(
                        spec.confirm_label, id="confirm-yes", variant="error" if spec.danger else "primary"
                    )
                )
        yield KeyHints()

    def _prompt(self, text: str | Content, key: str, *, value: str = "", max_length: int = 0) -> Vertical:
        field = made_compact(InPlaceInput(value=value, id=f"confirm-{key}", max_length=max_length))
        field.cursor_blink = False  # see forms/widgets.py: no blinking over SSH or in snapshots
        return Vertical(
            Label(text, classes="confirm-prompt"),
            field,
            Label("", id=f"error-confirm-{key}", classes="-error", markup=False),
            classes="confirm-field",
        )

    def on_mount(self) -> None:
        # Plain yes/no starts on No: a stray Enter must not confirm.
        inputs = list(self.query(Input))
        (inputs[0] if inputs else self.query_one("#confirm-no", Button)).focus()

    # --- checks ------------------------------------------------------------------------------

    def problems(self) -> dict[str, str]:
        """What is still wrong, by prompt key ("last4", "id", "reason")."""
        found: dict[str, str] = {}
        digits = self._typed("last4") if self.spec.require_last4 else ""
        if self.spec.require_last4 and digits != self.spec.require_last4:
            if len(digits) < 4:
                found["last4"] = f"type the card's last four digits ({len(digits)} of 4 typed)"
            else:
                found["last4"] = "does not match the card's last four digits"
        if self.spec.require_id and self.target_id and self._typed("id") != self.target_id:
            found["id"] = f"type {self.target_id} exactly"
        if self.spec.require_reason:
            reason = self._typed("reason")
            problem = "a reason is required" if not reason else reason_problem(reason)
            if problem:
                found["reason"] = problem
        return found

    def _typed(self, key: str) -> str:
        return self.query_one(f"#confirm-{key}", Input).value.strip()

    def _show(self, problems: Mapping[str, str]) -> None:
        for label in self.query(".confirm-field Label.-error").results(Label):
            key = (label.id or "").removeprefix("error-confirm-")
            message = problems.get(key, "")
            label.update(message)
            label.set_class(bool(message), "-shown")

    # --- actions -----------------------------------------------------------------------------

    def action_confirm(self) -> None:
        problems = self.problems()
        self._show(problems)
        if problems:
            self.query_one(f"#confirm-{next(iter(problems))}", Input).focus()
            return
        reason = self._typed("reason") if self.spec.require_reason else ""
        self.dismiss(ConfirmResult(reason=reason))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_yes(self) -> None:
        self.action_confirm()

    def action_no(self) -> None:
        self.action_cancel()

    class _EnterInBox(Message):
        """Enter pressed in a box, judged once the box has taken the keys typed before it."""

    def action_enter(self, answer: str) -> None:
        focused = self.focused
        if answer == "yes" and isinstance(focused, Input):
            # A priority binding runs as the key reaches the app, while the keys typed before it
            # in the same write (`2407⏎`) may still wait in the box's own queue. Queued behind
            # them, this reaches the screen (it bubbles) once the box's value holds them all.
            focused.post_message(self._EnterInBox())
        elif answer == "yes":
            self.action_confirm()
        else:
            self.action_cancel()

    @on(_EnterInBox)
    def _enter_in_box(self, event: _EnterInBox) -> None:
        event.stop()
        if self.is_active:  # a second Enter in the same write: the first one already answered
            self.action_confirm()

    def _enter_answers(self) -> str:
        """What Enter does now: the focused button's answer; in a box, yes (once complete)."""
        focused = self.focused
        if isinstance(focused, Input) or (isinstance(focused, Button) and focused.id == "confirm-yes"):
            return "yes"
        return "no"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("yes", "no"):
            return not isinstance(self.focused, Input)  # in a box, y and n are letters
        if action == "enter":
            return parameters == (self._enter_answers(),)
        return True

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.action_cancel()
