"""Requests: every call this console made (the journal), newest first, with its status
timeline; copy the request_id or the call as curl, and poll a request again."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from fpconsole.tui import data, display_time
from fpconsole.tui.connection import unavailable_reason
from fpconsole.tui.screens.base import Action, ListScreen, QueryRows
from fpconsole.tui.widgets.paged_table import Column, Row, RowSource
from fpconsole.tui.widgets.request_detail import RequestDetail

# Only what needs a look stands out: failures, unknown outcomes, requests still running.
OUTCOME_STYLE = {"error": "error", "failed": "error", "unknown": "warning", "process": "warning"}
CONTROL_TEXT = "sandbox control (not a Card API request): F7 Sandbox or `fpconsole sandbox` repeats it"


def is_control(entry: dict[str, Any]) -> bool:
    """A sandbox control the journal recorded (sandbox.top_up …): no form, curl or poll."""
    from fpconsole.api.sandbox_control import is_control_method

    return is_control_method(str(entry.get("method") or ""))


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
    PRIMED_FROM_SANDBOX = False  # the journal's, at once
    DETAIL_PANEL = RequestDetail  # the JSON is often taller than the panel: see its docstring
    HELP = "Every call this console made, newest first (the journal survives restarts)."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "act('c')", "Copy id", id="copy-request-id"),
        Binding("C", "act('C')", "Copy curl", show=False, id="requests-copy-curl"),
        Binding("p", "act('p')", "Poll again", show=False, id="requests-poll"),
        Binding("t", "act('t')", "Ticket", show=False, id="requests-ticket"),
        Binding("e", "act('e')", "Export", id="requests-export"),
        Binding("v", "toggle_changes_only", "Changes only", id="changes-only"),
        Binding("R", "act('R')", "Replay", show=False, id="requests-replay"),
        Binding("o", "act('o')", "Raw JSON in pager", show=False, id="requests-pager"),
        Binding("m", "mark_scenario_start", "Mark start", show=False, id="requests-mark-start"),
        Binding("S", "act('S')", "Save as scenario", show=False, id="requests-save-scenario"),
    ]
    # The first request of a range to save as a scenario (m marks it, S on the last one saves).
    scenario_start: dict[str, Any] | None = None
    # Every card the cursor rests on is read (info, balance, limits): the changes an operator
    # made are easy to lose among the reads, so one key leaves the reads out.
    changes_only = False
    _detail_key: str | None = None  # the entry the detail panel shows (see show_detail)

    def make_source(self, query: str) -> RowSource:
        only = self.changes_only
        found = self.list_filter(query)  # status:error method:card.block client:… since:2h, words
        return QueryRows(
            lambda: data.count_requests(self.journal, found, changes_only=only),
            lambda offset, limit: data.fetch_requests(self.journal, found, offset, limit, changes_only=only),
            request_row,
        )

    def action_toggle_changes_only(self) -> None:
        self.changes_only = not self.changes_only
        self.reload()
        self.notify("Changes only: reads are left out (v shows all)" if self.changes_only else "All requests")

    @property
    def detail(self) -> RequestDetail:
        return self.query_one("#detail", RequestDetail)

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
        if is_control(entry):
            polls, why_not = False, CONTROL_TEXT
        return [
            Action("c", "Copy request_id", lambda: self.fp_app.copy_text(row.key, "request_id"), True, False),
            Action(
                "C",
                "Copy as curl",
                lambda: self.copy_curl(entry),
                not is_control(entry),
                False,
                why_not=CONTROL_TEXT,
            ),
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
            self.replay_action(entry),
            Action(
                "o",
                "Raw request and answer in the pager",
                lambda: self.page_raw(entry),
                True,
                False,
                short="Raw JSON",
            ),
            Action(
                "S",
                "Save as scenario (from the row marked with m to this one)…",
                lambda: self.save_as_scenario(entry),
                True,
                False,
                short="Save as scenario",
            ),
        ]

    def action_mark_scenario_start(self) -> None:
        """m: this request starts the range that S saves as a scenario."""
        row = self.table.current_row
        if row is None:
            return
        self.scenario_start = row.data
        self.notify(
            f"Marked {row.data.get('method')} as the first step; S on the last request saves the range."
        )

    def save_as_scenario(self, entry: dict[str, Any]) -> None:
        """S: the journal from the marked request to this one (or this one alone) written as a
        scenario file in the state folder's scenarios/, which :scenarios lists."""
        from fpconsole.scenario.record import record, usable
        from fpconsole.tui.screens.scenarios import scenario_folders

        journal = self.journal
        if journal is None:
            self.notify(unavailable_reason(self.app), severity="warning")
            return
        ends = [entry, self.scenario_start or entry]
        ids = sorted(int(item.get("id") or 0) for item in ends)
        first = min((_time(item.get("sent_at")) for item in ends), key=lambda at: at.timestamp() if at else 0)
        entries = [
            found
            for found in journal.entries(since=first, limit=100_000, oldest_first=True)
            if ids[0] <= found.id <= ids[1]
        ]
        if not usable(entries)[0]:
            self.notify(
                "Nothing to save: status polls and unfinished requests are not steps.", severity="warning"
            )
            return
        folder = scenario_folders()[-1]
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = folder / f"session-{stamp}.toml"
        text = record(entries, name=f"Session of {stamp}", profile=journal.profile)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Cannot write {target}: {exc.strerror or exc}", severity="error")
            return
        self.scenario_start = None
        steps = text.count("[[step]]")
        self.notify(f"Saved {steps} steps as {target}; :scenarios runs it.", timeout=8)

    def replay_action(self, entry: dict[str, Any]) -> Action:
        """R: the request's form, pre-filled from the journal (see replay)."""
        from fpconsole.api.methods import REGISTRY

        found = REGISTRY.get(str(entry.get("method") or ""))
        return Action(
            "R",
            "Replay in a form…",
            lambda: self.replay(entry),
            found is not None,
            found is None or found.changes_state,
            short="Replay",
            why_not=CONTROL_TEXT if is_control(entry) else "not a Card API method this console knows",
        )

    def replay(self, entry: dict[str, Any]) -> None:
        """Open the request's form pre-filled from the journal: a new request_id, and every
        secret field (PIN, PAN, CVV) empty and marked to be typed again, as the journal never
        kept it."""
        from fpconsole.api.methods import REGISTRY
        from fpconsole.replay import flat_fields, replay_of

        method = REGISTRY.get(str(entry.get("method") or ""))
        if method is None:
            self.notify(f"Cannot replay {entry.get('method')}: not a known method.", severity="warning")
            return
        replay = replay_of(method, entry.get("request"))
        app = self.fp_app
        before = app.screen
        app.open_form(method.name, flat_fields(replay.body), drafts=False)
        if app.screen is not before:
            app.call_after_refresh(
                mark_for_reentry, app.screen, replay.reenter, str(entry.get("request_id") or "")
            )

    def page_raw(self, entry: dict[str, Any]) -> None:
        """o: the request and its answer as the journal keeps them (redacted), in $PAGER."""
        from fpconsole.tui.text_pager import show_text

        raw = {key: entry.get(key) for key in ("method", "request_id", "outcome", "request", "response")}
        text = json.dumps(raw, indent=2, ensure_ascii=False, default=str) + "\n"
        show_text(self.app, f"{entry.get('method')} {entry.get('request_id') or ''} (redacted)", text)

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
            SystemCommand(
                f"Replay {row.data.get('method')}",
                "its form, pre-filled, new request_id",
                lambda: self.run_action_key("R"),
            ),
            SystemCommand(
                "Raw JSON in pager", "the request and its answer, redacted", lambda: self.run_action_key("o")
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
            ("request_id", str(entry.get("request_id") or "—")),
            ("status", timeline(entry)),
            ("sent", display_time.with_zone(entry.get("sent_at")) or "—"),  # the list: time of day
        ]
        if is_control(entry):
            pairs.insert(1, ("kind", CONTROL_TEXT))
        if entry.get("latency_ms") is not None:
            pairs.append(("latency", f"{float(entry['latency_ms']):.0f} ms"))
        if entry.get("error_code"):
            pairs.append(("error", f"{entry.get('error_code')}: {entry.get('error_description') or ''}"))
        self.detail.show_entry(
            str(entry.get("method")),
            pairs,
            self.keys_hint(row),
            request=entry.get("request") or {},
            response=entry.get("response") or {},
        )
        if row.key != self._detail_key:
            # Another entry starts at its top (its method, id and status); the same one shown
            # again as its status moves on keeps the place the operator scrolled to.
            self._detail_key = row.key
            self.detail.scroll_home(animate=False, immediate=True)

    def on_app_news(self, message: Any) -> None:
        from fpconsole.tui.messages import CacheChanged, ClientEventPosted

        # CacheChanged: also what follows a sandbox control the journal has just recorded.
        if isinstance(message, (ClientEventPosted, CacheChanged)) and self.is_mounted:
            self.table.reload()


def mark_for_reentry(form: Any, names: tuple[str, ...], request_id: str) -> None:
    """A replayed form: its secret fields say they are to be typed again, and a toast says what
    the form is (a new request, not a resend)."""
    from textual.css.query import NoMatches
    from textual.widgets import Input

    labels: list[str] = []
    spec = getattr(form, "spec", None)
    for name in names:
        item = spec.get_field(name) if spec is not None else None
        if item is None:
            continue
        labels.append(item.label)
        for suffix in ("", "-repeat"):
            try:
                box = form.query_one(f"#field-{item.widget_id}{suffix}", Input)
            except NoMatches:
                continue
            box.placeholder = "re-enter: never kept in the journal"
            box.add_class("-reenter")
    what = f"Replay of {request_id[:8]}…" if request_id else "Replay"
    again = f"; re-enter {', '.join(labels)}" if labels else ""
    form.notify(f"{what}: a new request with a new request_id{again}.", timeout=6)
