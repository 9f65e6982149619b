"""A range of the journal (an operator's session) written as a scenario file: each request a
step with the fields it sent, ids that came from an earlier answer turned into references
(`${client_add.client_id}`), secrets the journal never kept (PIN, PAN, CVV) left as
`${secret.NAME}` prompts, and the recorded outcome and steady answer fields as expectations, so
a replay on a fresh sandbox passes and a changed field fails naming it.

Sandbox controls the session made (a top-up from F7 or `fpconsole sandbox topup`, settle, the
clock, faults, delay, reset) are journaled as `sandbox.top_up` …: each becomes its sandbox step
(`sandbox = "top_up"`), its card a reference like any other step's, so a session that funded a
card replays green on a fresh sandbox."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from fpconsole.api.methods import REGISTRY
from fpconsole.api.sandbox_control import JOURNAL_PREFIX, is_control_method
from fpconsole.replay import replay_of
from fpconsole.scenario import toml_text
from fpconsole.scenario.model import SANDBOX_ACTIONS
from fpconsole.store.journal import JournalEntry, status_methods

# Answer fields that differ on every run, or are not worth asserting: left out of expectations.
_VOLATILE_KEYS: Final = frozenset(
    {
        "dt",
        "request_id",
        "rrn",
        "iban",
        "card_mask",
        "pan",
        "cvv",
        "expire",
        "expiry",
        "auth_code",
        "approval_code",
        "fin_document_id",
        "error_description",
        "document",
    }
)
# The envelope's own fields: the outcome is asserted by expect.status (a card's status is kept).
_ENVELOPE_KEYS: Final = frozenset({"status", "request_status"})
_VOLATILE_PARTS: Final = ("date", "time", "_at", "expir", "mask", "token", "created", "updated")
_DATETIME: Final = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$")
_ID_KEY: Final = re.compile(r"(^|_)id$")
# The ids the API hands out for what a step made: the ones worth a reference.
_ENTITY_IDS: Final = frozenset({"client_id", "card_id", "transaction_id"})
FINAL_OUTCOMES: Final = ("success", "error")
MAX_EXPECTED: Final = 40  # fields asserted per step: enough to catch a change, short to read


def step_names(entries: Iterable[JournalEntry]) -> list[str]:
    names: list[str] = []
    for entry in entries:
        base = entry.method.replace(".", "_")
        name, number = base, 2
        while name in names:
            name, number = f"{base}_{number}", number + 1
        names.append(name)
    return names


def usable(entries: Iterable[JournalEntry]) -> tuple[list[JournalEntry], list[str]]:
    """The entries worth a step (oldest first), and a note for each one left out."""
    kept: list[JournalEntry] = []
    notes: list[str] = []
    polls = status_methods()
    for entry in entries:
        if entry.method in polls:
            continue  # a poll about an earlier request: the runner waits by itself
        if is_control_method(entry.method):
            why = _control_left_out(entry)
            if why is not None:
                notes.append(f"left out {entry.method}: {why}")
                continue
        elif REGISTRY.get(entry.method) is None:
            notes.append(f"left out {entry.request_id}: {entry.method} is not a Card API method")
            continue
        if entry.outcome not in FINAL_OUTCOMES:
            notes.append(
                f"left out {entry.method} {entry.request_id}: its outcome is {entry.outcome}, not final"
            )
            continue
        kept.append(entry)
    return kept, notes


def _sandbox_step(entry: JournalEntry) -> str:
    return entry.method.removeprefix(JOURNAL_PREFIX)


def _control_left_out(entry: JournalEntry) -> str | None:
    """Why a journaled sandbox control cannot be a step, or None."""
    action = SANDBOX_ACTIONS.get(_sandbox_step(entry))
    if action is None or not action.changes_state:
        return "a scenario has no sandbox step for it (docs/scenarios.md lists them)"
    if entry.outcome not in FINAL_OUTCOMES:
        return f"its outcome is {entry.outcome}, not final"
    missing = [name for name in action.required if name not in _control_fields(entry)]
    if missing:
        return f"its {', '.join(missing)} is not in the journal (e.g. a delay set back to the default)"
    return None


def _control_fields(entry: JournalEntry) -> dict[str, Any]:
    """The sandbox step's fields from what the control sent: the fields its step takes (a new
    request_id is made on every run); faults as the compact spec the sandbox answered."""
    action = SANDBOX_ACTIONS[_sandbox_step(entry)]
    sent = entry.request or {}
    fields = {name: sent[name] for name in action.fields if sent.get(name) is not None}
    if action.name == "set_faults" and "spec" not in fields:
        spec = (entry.response or {}).get("spec")
        if isinstance(spec, str) and spec:
            fields["spec"] = spec
    return fields


class _Ids:
    """Ids seen in earlier answers (and sent fields), to be written as references."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def learn(self, step: str, value: Any, path: str = "") -> None:
        if isinstance(value, Mapping):
            for name, item in value.items():
                self.learn(step, item, f"{path}{name}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.learn(step, item, f"{path}{index}.")
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            leaf = path.rstrip(".").rsplit(".", 1)[-1]
            if leaf in _ENTITY_IDS and str(value) not in self.seen:
                self.seen[str(value)] = f"${{{step}.{path.rstrip('.')}}}"

    def refer(self, value: Any, key: str = "") -> Any:
        if isinstance(value, Mapping):
            return {name: self.refer(item, str(name)) for name, item in value.items()}
        if isinstance(value, list):
            return [self.refer(item, key) for item in value]
        # limits.set names its card as object.value.
        if (
            isinstance(value, (str, int))
            and not isinstance(value, bool)
            and (_ID_KEY.search(key) or key == "value")
        ):
            return self.seen.get(str(value), value)
        return value


def _steady(answer: Mapping[str, Any], ids: _Ids, path: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, item in answer.items():
        key = str(name)
        here = f"{path}{key}"
        if (
            (not path and key in _ENVELOPE_KEYS)
            or key in _VOLATILE_KEYS
            or any(p in key for p in _VOLATILE_PARTS)
        ):
            continue
        if isinstance(item, Mapping):
            found.update(_steady(item, ids, f"{here}."))
        elif isinstance(item, list):
            found.update(_steady({str(i): v for i, v in enumerate(item)}, ids, f"{here}."))
        elif _ID_KEY.search(key):
            reference = ids.seen.get(str(item))
            if reference is not None:  # an id a step made: the same one must come back
                found[here] = reference
        elif isinstance(item, (bool, int, float)) or (
            isinstance(item, str) and len(item) <= 64 and not _DATETIME.match(item) and "*" not in item
        ):
            found[here] = item
    return found


def record(entries: list[JournalEntry], *, name: str, profile: str) -> str:
    """The scenario file's text for `entries` (oldest first)."""
    kept, notes = usable(entries)
    names = step_names(kept)
    ids = _Ids()
    lines = [
        f"# Recorded by `fpconsole scenario record` from the journal of profile {profile}.",
        *(f"# {note}" for note in notes),
        f"name = {toml_text.value(name)}",
        "",
    ]
    secrets: set[str] = set()
    for entry, step in zip(kept, names, strict=True):
        if is_control_method(entry.method):
            lines += _control_step(entry, step, ids)
            continue
        method = REGISTRY.resolve(entry.method)
        replay = replay_of(method, entry.request)
        fields = ids.refer(replay.body)
        for path in replay.reenter:
            leaf = path.replace(".", "_")
            secret = leaf if leaf not in secrets or leaf == "pin" else f"{step}_{leaf}"
            secrets.add(secret)
            _put(fields, path.split("."), f"${{secret.{secret}}}")
        lines.append("[[step]]")
        lines.append(f"name = {toml_text.value(step)}")
        lines.append(f"method = {toml_text.value(entry.method)}")
        if entry.request_id:
            lines.append(f"note = {toml_text.value('recorded ' + entry.request_id)}")
        if fields:
            lines += toml_text.table("step.fields", fields)
        expect: dict[str, Any] = {"status": entry.outcome}
        if entry.outcome == "error" and entry.error_code:
            expect["error_code"] = entry.error_code
        lines += toml_text.table("step.expect", expect)
        steady = _steady(entry.response or {}, ids) if entry.outcome == "success" else {}
        if steady:
            lines += toml_text.table("step.expect.fields", dict(list(steady.items())[:MAX_EXPECTED]))
        lines.append("")
        ids.learn(step, entry.response or {})
    return "\n".join(lines).rstrip("\n") + "\n"


def _control_step(entry: JournalEntry, step: str, ids: _Ids) -> list[str]:
    """A journaled sandbox control as its sandbox step: the outcome is asserted, not the answer
    (balances and settled counts depend on what else the sandbox holds)."""
    lines = [
        "[[step]]",
        f"name = {toml_text.value(step)}",
        f"sandbox = {toml_text.value(_sandbox_step(entry))}",
        f"note = {toml_text.value('recorded ' + (entry.request_id or f'journal entry {entry.id}'))}",
    ]
    fields = ids.refer(_control_fields(entry))
    if fields:
        lines += toml_text.table("step.fields", fields)
    expect: dict[str, Any] = {"status": entry.outcome}
    if entry.outcome == "error" and entry.error_code:
        expect["error_code"] = entry.error_code
    lines += toml_text.table("step.expect", expect)
    lines.append("")
    return lines


def _put(body: dict[str, Any], parts: list[str], value: Any) -> None:
    target: Any = body
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    if isinstance(target, list):
        target[int(parts[-1])] = value
    else:
        target[parts[-1]] = value
