"""Requests: every call this console made (the journal), newest first, with its status
timeline; copy the request_id or the call as curl, and poll a request again."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from fpconsole.tui import data
from fpconsole.tui.connection import unavailable_reason
from fpconsole.tui.screens.base import Action, ListScreen, QueryRows
from fpconsole.tui.widgets.paged_table import Column, Row, RowSource

# Only what needs a look stands out: failures, unknown outcomes, requests still running.
OUTCOME_STYLE = {"error": "error", "failed": "error", "unknown": "warning", "process": "warning"}


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def timeline(entry: dict[str, Any], *, durations: bool = True) -> str:
    """sent → process → success, with the time each step took (the list leaves the times out,
    so the final status fits in its column; the detail has them)."""
    start = _time(entry.get("sent_at"))
    steps = ["sent"]
    previous = start
    for change in entry.get("changes") or []:
        status = str(change.get("status") if isinstance(change, dict) else change[0])
        at = _time(change.get("at") if isinstance(change, dict) else change[1])
        took = f" {(at - previous).total_seconds():.1f}s" if at and previous and durations else ""
        if status != steps[-1].split(" ")[0]:
            steps.append(f"{status}{took}")
        previous = at or previous
    if len(steps) == 1 and entry.get("outcome") not in (None, "sent"):
        steps.append(str(entry.get("outcome")))
    return " → ".join(steps)


def request_row(entry_obj: Any) -> Row:
    entry = data.as_dict(entry_obj)
    sent = _time(entry.get("sent_at"))
    targets = entry.get("target_ids") or {}
    target = next(iter(targets.values()), "") if isinstance(targets, dict) else ""
    outcome = str(entry.get("outcome") or "")
    return Row(
        key=str(entry.get("request_id") or entry.get("id")),
        cells=(
            sent.astimezone().strftime("%H:%M:%S") if sent else "",
            str(entry.get("method") or ""),
            str(entry.get("request_id") or "—"),
            str(target or "—"),
            # Every request starts "sent": the list shows what came after, so the final status
            # fits in the column (the detail has the whole timeline with the times).
            timeline(entry, durations=False).removeprefix("sent → "),
        ),
        data=entry,
        style=OUTCOME_STYLE.get(outcome, ""),
    )


class RequestsScreen(ListScreen):
    SECTION = "Requests"
    # At 80 columns (a list 47 wide) Time, Method and Status show; the request_id and the target
    # are in the detail. PagedTable leaves out whole columns rather than cut an id short.
    COLUMNS = (
        Column("time", "Time", 8, priority=7),
        Column("method", "Method", 20, priority=9),
        Column("request_id", "request_id", 10, priority=4),
        Column("target", "Target", 9, priority=5),
        Column("status", "Status", 0, priority=8, keep="end"),  # "…→ success" when narrow
    )
    EMPTY_TEXT = "No requests yet: everything this console sends is listed here."
    HELP = "Every call this console made, newest first (the journal survives restarts)."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "act('c')", "Copy id", id="copy-request-id"),
        Binding("C", "act('C')", "Copy curl", show=False),
        Binding("p", "act('p')", "Poll again", show=False),
        Binding("t", "act('t')", "Ticket", show=False),
        Binding("e", "act('e')", "Export"),
        Binding("v", "toggle_changes_only", "Changes only", id="changes-only"),
    ]
    # Every card the cursor rests on is read (info, balance, limits): the changes an operator
    # made are easy to lose among the reads, so one key leaves the reads out.
    changes_only = False

    def make_source(self, query: str) -> RowSource:
        only = self.changes_only
        return QueryRows(
            lambda: data.count_requests(self.journal, query, changes_only=only),
            lambda offset, limit: data.fetch_requests(self.journal, query, offset, limit, changes_only=only),
            request_row,
        )

    def action_toggle_changes_only(self) -> None:
        self.changes_only = not self.changes_only
        self.reload()
        self.notify("Changes only: reads are left out (v shows all)" if self.changes_only else "All requests")

    @property
    def journal(self) -> Any:
        backend = self.fp_app.backend
        return backend.journal if backend is not None else None

    def action_act(self, key: str) -> None:
        self.run_action_key(key)

    def actions(self, row: Row | None) -> list[Action]:
        if row is None:
            return []
        entry = row.data
        outcome = str(entry.get("outcome") or "")
        polls = bool(entry.get("request_id")) and outcome in ("process", "unknown", "failed", "sent")
        why_not = f"already final: {outcome}" if entry.get("request_id") else "no request_id to poll"
        return [
            Action("c", "Copy request_id", lambda: self.fp_app.copy_text(row.key, "request_id"), True, False),
            Action("C", "Copy as curl", lambda: self.copy_curl(entry), True, False),
            Action(
                "p",
                "Poll request/status again",
                lambda: self.poll_again(row.key, entry),
                polls,
                False,
                short="Poll again",
                why_not=why_not,
            ),
            Action("t", "Copy for ticket…", lambda: self.copy_for_ticket(entry), True, False),
            Action("e", "Export…", self.export, True, False),
        ]

    def copy_for_ticket(self, entry: dict[str, Any]) -> None:
        from fpconsole.tui.export_menu import copy_for_ticket

        copy_for_ticket(self.fp_app, entry)

    def export(self) -> None:
        from fpconsole.tui.export_menu import export_screen

        export_screen(self.fp_app, self)

    def palette_commands(self) -> list[SystemCommand]:
        row = self.table.current_row
        if row is None:
            return []
        return [
            SystemCommand(
                f"Copy request_id {row.key[:8]}…", "to the clipboard", lambda: self.run_action_key("c")
            ),
            SystemCommand(
                "Copy as curl", "the signed request, secrets redacted", lambda: self.run_action_key("C")
            ),
            SystemCommand(
                "Poll again", "request/status with the same request_id", lambda: self.run_action_key("p")
            ),
        ]

    def copy_curl(self, entry: dict[str, Any]) -> None:
        backend = self.fp_app.backend
        if backend is None:
            self.notify(unavailable_reason(self.app), severity="warning")
            return
        from fpconsole.api import errors
        from fpconsole.api.curl import to_curl
        from fpconsole.api.methods import REGISTRY

        try:
            method = REGISTRY.resolve(str(entry.get("method")))
            prepared = backend.client.prepare(method, entry.get("request") or {})
        except (KeyError, errors.CardApiError) as exc:
            self.notify(f"Cannot rebuild this request: {exc}", severity="error")
            return
        line, what = to_curl(prepared), "the request as curl"
        if backend.session.embedded:
            from fpconsole.session import SERVED_SANDBOX_BASE_URL, curl_for_served_sandbox

            # The embedded sandbox has no address; the served one takes the same signed line.
            line = curl_for_served_sandbox(line)
            what += f" for `fpconsole sandbox serve` ({SERVED_SANDBOX_BASE_URL})"
        self.fp_app.copy_text(line, what)

    @work(exit_on_error=False, group="poll")
    async def poll_again(self, request_id: str, entry: dict[str, Any]) -> None:
        backend = self.fp_app.backend
        if backend is None:
            return
        backend.follow_id(request_id, str(entry.get("method") or ""))
        self.notify(f"Polling {request_id[:8]}… again", timeout=3)

    def show_detail(self, row: Row | None, *, fetch: bool = True) -> None:
        if row is None:
            self.detail.show_message("Requests", "No request selected.")
            return
        entry = row.data
        pairs = [
            ("method", str(entry.get("method"))),
            ("request_id", row.key),
            ("status", timeline(entry)),
        ]
        if entry.get("latency_ms") is not None:
            pairs.append(("latency", f"{float(entry['latency_ms']):.0f} ms"))
        if entry.get("error_code"):
            pairs.append(("error", f"{entry.get('error_code')}: {entry.get('error_description') or ''}"))
        body = json.dumps(entry.get("request") or {}, indent=1, ensure_ascii=False)
        answer = json.dumps(entry.get("response") or {}, indent=1, ensure_ascii=False)
        self.detail.show(
            str(entry.get("method")),
            [("", pairs), ("Request (redacted)", [("", body)]), ("Response (redacted)", [("", answer)])],
            hint=self.keys_hint(row),
        )

    def on_app_news(self, message: Any) -> None:
        from fpconsole.tui.messages import ClientEventPosted

        if isinstance(message, ClientEventPosted) and self.is_mounted:
            self.table.reload()
