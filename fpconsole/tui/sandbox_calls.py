"""What each Sandbox section action calls on the sandbox's control client, and the line it shows
when the call succeeded (the panel's result line, the backups list, the card's history)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from fpconsole.tui import display_time
from fpconsole.tui import sandbox_inputs as inputs
from fpconsole.words import counted

if TYPE_CHECKING:
    from fpconsole.api.sandbox_control import SandboxControl


def _money(value: object) -> str:
    try:
        return f"{Decimal(str(value)):,.2f}"
    except ArithmeticError:
        return str(value)


WORKING: Final = {
    "topup": "Top up",
    "settle": "Settle",
    "advance": "Advance the clock",
    "delay": "Set the delay",
    "faults": "Set faults",
    "clear_faults": "Clear faults",
    "seed": "Seed",
    "reset": "Reset",
    "save": "Save backup",
    "load": "Load backup",
    "list_backups": "List backups",
    "history": "Card history",
}

# The calls that rewrite the partner's whole state: they wait up to LONG_CONTROL_TIMEOUT_S.
WHOLE_STATE: Final = frozenset({"seed", "reset", "save", "load"})

Call = Callable[[dict[str, Any]], Callable[["SandboxControl"], Awaitable[Any]]]


def still_working(action: str, read_timeout: float) -> str:
    """The result line once a call has had no answer for a while: the sandbox is still at it,
    and how long the console waits for the answer."""
    from fpconsole.api.sandbox_control import LONG_CONTROL_TIMEOUT_S

    if action in WHOLE_STATE:
        return (
            f"{WORKING[action]}… still working: on a large sandbox this takes minutes "
            f"(the console waits up to {LONG_CONTROL_TIMEOUT_S / 60:g} min for the answer)."
        )
    return f"{WORKING[action]}… still working (the console waits up to {read_timeout:g} s for the answer)."


def _faults_call(values: dict[str, Any]) -> Callable[[SandboxControl], Awaitable[Any]]:
    from fpconsole.api.sandbox_control import FaultSettings

    settings = FaultSettings.from_json(values)
    return lambda control: control.set_faults(settings)


CALLS: Final[dict[str, Call]] = {
    "topup": lambda v: lambda c: c.top_up(v["card_id"], v["amount"], v["currency"]),
    "settle": lambda v: lambda c: c.settle(),
    "advance": lambda v: lambda c: c.advance_clock(v["seconds"]),
    "delay": lambda v: lambda c: c.set_delay(v["delay"]),
    "faults": _faults_call,
    "clear_faults": lambda v: lambda c: c.clear_faults(),
    "seed": lambda v: lambda c: c.seed(v["count"]),
    "reset": lambda v: lambda c: c.reset(),
    "save": lambda v: lambda c: c.save_backup(v["name"], replace=bool(v.get("replace"))),
    "load": lambda v: lambda c: c.load_backup(v["name"]),
    "list_backups": lambda v: lambda c: c.list_backups(),
    "history": lambda v: lambda c: c.card_history(v["card_id"]),
}


def field_of(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def _counts(counts: Mapping[str, Any]) -> str:
    """The sandbox's counts, keyed by plural nouns: '1 client, 2 cards'."""
    return ", ".join(counted(int(value), key.removesuffix("s")) for key, value in counts.items())


def describe_answer(action: str, values: Mapping[str, Any], answer: Any) -> str:
    """The panel's result line for a call that succeeded."""
    if action == "topup":
        accounts = field_of(answer, "accounts", ()) or ()
        mine = [a for a in accounts if field_of(a, "currency") == values["currency"]] or list(accounts)
        available = f" · available {_money(field_of(mine[0], 'amount'))} {values['currency']}" if mine else ""
        return f"Topped up card {values['card_id']} with {_money(values['amount'])} {values['currency']}{available}."
    if action == "settle":
        settled = list(answer or ())
        if not settled:
            return "Nothing was pending: every request already has its final status."
        failed = sum(1 for item in settled if field_of(item, "request_status") == "error")
        tail = f" ({failed} ended in error)" if failed else ""
        return f"Settled {counted(len(settled), 'pending request')}{tail}."
    if action == "advance":
        now = field_of(answer, "now", "")
        settled = field_of(answer, "settled_count", 0)
        tail = f"; {counted(settled, 'request')} came due and settled" if settled else ""
        return f"Clock moved {inputs.span(values['seconds'])} ahead: sandbox time {now}{tail}."
    if action == "delay":
        if not values["delay"]:  # "settle that long after" read oddly for 0
            return "Delay set to 0: changes settle at once (the next poll sees their outcome)."
        return f"Delay set to {values['delay']:g} s: changes settle that long after they are sent."
    if action == "faults":
        return f"Faults set: {inputs.describe_faults(values)}. The top bar shows them until cleared."
    if action == "clear_faults":
        return "Faults cleared: requests are answered normally."
    if action == "seed":
        counts = field_of(answer, "counts", {}) or {}
        made = _counts(counts) or counted(int(values["count"]), "client")
        return f"Seeded: {made}."
    if action == "reset":
        gone = _counts(dict(answer or {}))
        return f"Erased this partner's sandbox data ({gone or 'nothing was there'})."
    if action == "save":
        return f"{'Replaced' if values.get('replace') else 'Saved'} backup {values['name']}."
    if action == "load":
        return f"Loaded backup {values['name']}: the lists show its data."
    if action == "list_backups":
        count = len(list(answer or ()))
        return "No backups yet." if not count else "1 backup." if count == 1 else f"{count} backups."
    if action == "history":
        count = len(list(field_of(answer, "events", ()) or ()))
        return f"{counted(count, 'event')} for card {values['card_id']}."
    return "Done."


def backup_line(backup: Any) -> str:
    parts = [str(field_of(backup, "name", "?")), str(field_of(backup, "created_at", "") or "")]
    counts = {
        key: field_of(backup, key)
        for key in ("clients", "cards", "transactions")
        if field_of(backup, key) is not None
    }
    return "  ".join(p for p in (*parts, _counts(counts)) if p)


HISTORY_COLUMNS: Final = ("When", "Event", "Amount", "Detail")


def history_columns() -> tuple[str, ...]:
    """The history's columns, When saying the zone its times are shown in (the console's, as on
    every screen: the sandbox answers in +05:00)."""
    return (display_time.header(HISTORY_COLUMNS[0]), *HISTORY_COLUMNS[1:])


def history_row(event: Any) -> tuple[str, str, str, str]:
    """One row of a card's history: when, what (a status change or the ledger entry's type), the
    amount for a ledger entry, and the rest (the status change and its reason, the merchant and
    the end of the transaction id)."""
    at = display_time.shown(field_of(event, "at", ""))
    kind = str(field_of(event, "kind", "") or "")
    details: Mapping[str, Any] = field_of(event, "details", {}) or {}
    if kind == "status":
        reason = f" ({details['reason']})" if details.get("reason") else ""
        change = f"{details.get('from_status') or '-'} → {details.get('to_status') or '-'}{reason}"
        return at, "status", "", change
    if kind == "ledger":
        amount = f"{_money(details.get('amount'))} {details.get('currency') or ''}".rstrip()
        transaction = str(details.get("transaction_id") or "")
        parts = [str(details.get("merchant_name") or ""), f"tx …{transaction[-12:]}" if transaction else ""]
        return at, str(details.get("type") or "ledger"), amount, "  ".join(p for p in parts if p)
    summary = event.summary() if hasattr(event, "summary") else ""
    return at, kind, "", str(summary)
