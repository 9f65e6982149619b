"""BulkRunner: onboards the rows of a bulk file — a client, then a card, then its masked PAN —
with a bounded number of rows in flight, resumable without duplicates.

Per row, in mode "each": client.add → (request/status) client_id → card.issue → card_id →
card.info → masked PAN. In mode "bulk": client.add for every row first, then one
card.bulk_issue per product (at most 500 cards each) for the rows that got a client, then
card.link of each card to its client, then card.info.

Every request_id is stored (FileState) before its request goes out, and a row that has one is
resumed by asking request/status about it, never by sending the row again. Every row ends
`done`, `failed` with its reason, or `unknown` (its request was sent and never answered: the
rerun asks request/status about it); a stop (cancel, or the server gone) leaves the rows not
started, and those stopped before sending, `pending`. A rerun of the same file continues them.

Stopping is prompt: cancel() ends every poll at once (ServerWatch does the same when the server
stops answering), lets a request already on the wire come back for a few seconds, then cuts it.

The console's Bulk screen drives this class directly: `run()` in a worker, `pause()`,
`resume()`, `cancel()` from key bindings, `on_progress` / `on_row` to render. Nothing here
imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from annotated_types import Le

from fpconsole.api import errors
from fpconsole.api.client import CardApiClient
from fpconsole.api.methods import CARD_BULK_ISSUE, CARD_INFO, CARD_ISSUE, CARD_LINK, CLIENT_ADD, Method
from fpconsole.api.models import BulkIssueRequest, CardInfoResponse
from fpconsole.bulk.calls import RequestCalls, RetryPolicy, Settled, Stopped
from fpconsole.bulk.pan import safe_mask, safe_text
from fpconsole.bulk.progress import Progress, ProgressCounter
from fpconsole.bulk.rows import BulkRow
from fpconsole.bulk.state import BatchRecord, FileState, RowRecord, RowStatus
from fpconsole.bulk.watch import ServerWatch
from fpconsole.bulk.writer import StateWriter

CardsMode = Literal["each", "bulk"]
CARDS_MODES: Final[tuple[CardsMode, ...]] = ("each", "bulk")


def _max_bulk_count() -> int:
    # The request model is the one place that knows how many cards one card.bulk_issue may ask for.
    for meta in BulkIssueRequest.model_fields["count"].metadata:
        if isinstance(meta, Le) and isinstance(meta.le, int):
            return meta.le
    return 500


MAX_BULK_COUNT: Final = _max_bulk_count()
# After a stop, how long a request already on the wire may take to come back before it is cut
# (its row then ends `unknown`): an answer is usually a round trip away, a hung server never.
STOP_GRACE_S: Final = 3.0


@dataclass(frozen=True, slots=True)
class RowResult:
    """One line of the result CSV."""

    line: int
    client_id: str | None
    card_id: str | None
    masked_pan: str | None
    status: RowStatus
    error: str | None


class RowFailed(Exception):
    def __init__(self, reason: str, *, unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unknown = unknown  # the request's outcome is unknown: the row ends `unknown`, not `failed`


def new_request_id() -> str:
    return str(uuid.uuid4())


class BulkRunner:
    def __init__(
        self,
        client: CardApiClient,
        rows: Sequence[BulkRow],
        *,
        store: FileState,
        in_flight: int = 8,
        cards: CardsMode = "each",
        on_progress: Callable[[Progress], None] | None = None,
        on_row: Callable[[RowResult], None] | None = None,
        policy: RetryPolicy | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        watch: Callable[[CardApiClient, Callable[[], None]], ServerWatch] | None = None,
        stop_grace: float = STOP_GRACE_S,
    ) -> None:
        if in_flight < 1:
            raise ValueError(f"in_flight must be at least 1, got {in_flight}")
        if cards not in CARDS_MODES:
            raise ValueError(f"cards must be 'each' or 'bulk', got {cards!r}")
        self._rows = {row.line: row for row in sorted(rows, key=lambda r: r.line)}
        if len(self._rows) != len(rows):
            raise ValueError("two rows have the same line number")
        self._store = store
        self._writer = StateWriter(store)
        self._cards: CardsMode = cards
        self._in_flight = in_flight
        self._on_progress = on_progress
        self._on_row = on_row
        self._client = client
        self._calls = RequestCalls(client, policy or RetryPolicy())
        # Built when the run starts (it probes from a task); `watch` lets tests make its timing.
        self._make_watch = watch or (lambda c, changed: ServerWatch(c, on_change=changed))
        self._watch: ServerWatch | None = None
        self._server_ok = asyncio.Event()  # cleared while the watch checks the server
        self._server_ok.set()
        self._stop_grace = stop_grace
        self._cutter: asyncio.TimerHandle | None = None
        self._counter = ProgressCounter(len(self._rows), monotonic)
        self._records: dict[int, RowRecord] = {}
        self._slots = asyncio.Semaphore(in_flight)
        self._running = asyncio.Event()
        self._running.set()
        self._cancelled = False
        self._started = False
        self._jobs: set[asyncio.Future[None]] = set()  # the work of the items in flight
        # Lines in flight. A row ends (done, or failed inside a batch) within its job, a moment
        # before `_guarded` wakes up to release it: counting lines, not jobs, keeps
        # done + failed + in flight within the file's rows in every progress snapshot.
        self._active: set[int] = set()
        self._awaiting_batch: list[int] = []  # rows with a client, waiting for a card from a batch
        # Rows whose request is out (or stored and maybe out) with no answer yet: cut now, they
        # end `unknown`. Line → request_id.
        self._outstanding: dict[int, str] = {}
        self.stop_reason: str | None = None  # why the runner stopped itself, if it did
        self.adopted: list[int] = []  # lines whose record came from an earlier version of the file

    # --- control (safe to call from the event loop at any time) ---------------------------------

    # Each control emits progress only when it changes something, so a listener may call them
    # from on_progress without recursing.

    def pause(self) -> None:
        """Start no new rows until resume(); rows in flight go on."""
        if self._counter.paused:
            return
        self._running.clear()
        self._counter.paused = True
        self._emit()

    def resume(self) -> None:
        if not self._counter.paused:
            return
        self._running.set()
        self._counter.paused = False
        self._emit()

    def cancel(self) -> None:
        """Start no new rows and stop polling: rows in flight end at their next wait. A row whose
        request is out and unanswered ends `unknown` (a rerun asks request/status about it, never
        sends it again); one stopped before sending stays `pending`, as do unstarted rows. A
        request on the wire gets `stop_grace` seconds to come back, then is cut."""
        self._stop("cancelled")

    def abort(self) -> None:
        """cancel(), and cut the requests on the wire now too. Their request_ids are stored, so a
        rerun asks request/status about them: nothing is lost or sent twice."""
        self._stop("cancelled")
        self._cut()

    def _stop(self, why: str) -> None:
        self._calls.stop(why)
        if not self._cancelled:
            self._cancelled = True
            self._counter.cancelled = True
            self._running.set()  # a paused dispatcher must wake up to see the cancel
            self._server_ok.set()  # so must one waiting for the server
            with contextlib.suppress(RuntimeError):  # no loop: nothing is running to cut
                loop = asyncio.get_running_loop()
                self._cutter = loop.call_later(self._stop_grace, self._cut)
            self._emit()

    def _cut(self) -> None:
        for job in list(self._jobs):
            job.cancel()

    @property
    def progress(self) -> Progress:
        return self._counter.snapshot()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def unreachable(self) -> bool:
        """True when the run stopped because the server could not be reached, or requests were
        tried and not one got any answer (the command's exit code 3)."""
        watched_down = self._watch is not None and self._watch.state == "down"
        return watched_down or (self._calls.attempted and not self._calls.reached_server)

    # --- the run -----------------------------------------------------------------------------

    async def run(self) -> list[RowResult]:
        if self._started:
            raise RuntimeError("a BulkRunner runs once; make a new one to run again")
        self._started = True
        self._watch = self._make_watch(self._client, self._server_changed)
        self._calls.watch = self._watch
        try:
            self._records = await self._writer.call(self._store.rows)
            await self._adopt()
            todo = self._triage()
            self._emit()
            # In bulk mode this stage only adds the clients: no row finishes in it.
            phase = CLIENT_ADD.name if self._cards == "bulk" else None
            await self._dispatch(
                (([line], self._row_stage(line)) for line in todo), phase=phase, total=len(todo)
            )
            if not self._cancelled:
                await self._batch_stage()
        finally:
            if self._cutter is not None:
                self._cutter.cancel()
            await self._watch.close()
            await self._writer.close()  # whatever happened, what is known is saved
        self._emit()
        return self.results()

    def _server_changed(self) -> None:
        """The watch's verdict moved: hold new rows while it checks, stop when the server is gone."""
        watch = self._watch
        if watch is None:
            return
        self._counter.note = watch.note()
        if watch.state == "checking" and not self._cancelled:
            self._server_ok.clear()
        else:
            self._server_ok.set()  # never held once stopping: the dispatcher must see the stop
        if watch.state == "down" and self.stop_reason is None:
            self.stop_reason = (
                f"the server cannot be reached ({watch.reason}); stopped after {watch.probes} retries"
            )
            self._stop("server unreachable")
        self._emit()

    def results(self) -> list[RowResult]:
        """Every row of the file, in file order, with what is known now."""
        return [self._result(line) for line in self._rows]

    async def _adopt(self) -> None:
        """Rows this file has no record of, but an earlier version of it had sent: take over
        their records (see FileState.adopt), so that editing a file never sends a row twice."""
        unknown = {
            line: row.digest for line, row in self._rows.items() if row.valid and line not in self._records
        }
        if not unknown:
            return
        adopted = await self._writer.call(lambda: self._store.adopt(unknown))
        self._records.update(adopted)
        self.adopted = sorted(adopted)

    def _triage(self) -> list[int]:
        """Bad rows fail at once, rows done by an earlier run are skipped; the rest is to do."""
        todo = []
        for line, row in self._rows.items():
            record = self._records.get(line)
            if not row.valid:
                self._counter.failed += 1
                self._counter.last_error = str(row.errors[0])
                self._notify(line)
            elif record is not None and record.status == "done":
                self._counter.done += 1
                self._counter.skipped += 1
            else:
                self._records.setdefault(line, RowRecord(line, digest=row.digest))
                todo.append(line)
        return todo

    async def _dispatch(
        self, items: Iterable[tuple[list[int], Awaitable[None]]], *, phase: str | None = None, total: int = 0
    ) -> None:
        """Start each item when a slot is free (and not paused or cancelled); wait for all.
        `phase`: these `total` items are a phase of the run, with an ETA of their own."""
        if phase is None:
            await self._dispatch_items(items)
            return
        self._counter.begin_phase(phase, total)
        try:
            await self._dispatch_items(items)
        finally:
            self._counter.end_phase()

    async def _dispatch_items(self, items: Iterable[tuple[list[int], Awaitable[None]]]) -> None:
        started: list[asyncio.Task[None]] = []
        for lines, work in items:
            claimed = False
            try:
                claimed = await self._claim_slot()
            finally:
                # Not claimed: cancelled, or the run itself was cancelled while waiting (the
                # console closed during a pause). The works never started are closed either way.
                if not claimed:
                    _discard(work)
                    for item in items:
                        _discard(item[1])
            if not claimed:
                break
            started.append(asyncio.create_task(self._guarded(lines, work)))
        if started:
            await asyncio.gather(*started)

    async def _claim_slot(self) -> bool:
        while True:
            await self._running.wait()
            await self._server_ok.wait()  # no new row while the server is being checked
            if self._cancelled:
                return False
            await self._slots.acquire()
            if self._cancelled:
                self._slots.release()
                return False
            if self._running.is_set() and self._server_ok.is_set():
                return True
            self._slots.release()  # paused (or the server lost) while waiting for the slot

    async def _guarded(self, lines: list[int], work: Awaitable[None]) -> None:
        """Runs one item; whatever happens, its rows end with a status and a reason."""
        self._set_active(add=lines)
        self._emit()
        # The work runs as a task of its own: abort() cancels it, never this bookkeeping.
        job = asyncio.ensure_future(work)
        self._jobs.add(job)
        try:
            await job
        except RowFailed as failure:
            for line in lines:
                if failure.unknown:
                    self._unknown(line, failure.reason)
                else:
                    self._fail(line, failure.reason)
        except Stopped:
            for line in lines:
                self._interrupted(line, sent=False)
        except asyncio.CancelledError:
            for line in lines:
                self._interrupted(line, sent=line in self._outstanding)
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the run itself is being cancelled, not just this row's work
        except Exception as exc:  # a bug must not lose a row: it fails, with the reason
            for line in lines:
                self._fail(line, f"internal error: {type(exc).__name__}: {exc}")
        finally:
            for line in lines:
                self._outstanding.pop(line, None)
            self._jobs.discard(job)
            self._set_active(remove=lines)
            if self._counter.phase is not None:
                self._counter.phase_done += 1
            self._slots.release()
            self._emit()

    # --- stages of one row ---------------------------------------------------------------------

    async def _row_stage(self, line: int) -> None:
        if self._records[line].status != "pending":
            # Failed in an earlier run, tried again now: its old reason no longer holds. (Saved
            # with the row's next change; until then the stored row keeps the old failure.)
            self._records[line] = replace(self._records[line], status="pending", error=None)
        record = await self._ensure_client(line)
        if record.card_via == "bulk" and record.card_id is None:
            self._awaiting_batch.append(line)  # its batch was sent by an earlier run
            return
        if record.card_via is None and self._cards == "bulk":
            self._awaiting_batch.append(line)
            return
        if record.card_id is None:
            await self._ensure_issued(line)
        await self._finish(line)

    async def _ensure_client(self, line: int) -> RowRecord:
        record = self._records[line]
        if record.client_id is not None:
            return record
        row = self._rows[line]
        settled = await self._ensure(line, CLIENT_ADD, "client_request_id", row.client_add_body, "client_id")
        if not settled.client_id:
            raise RowFailed(
                f"client.add succeeded but no client_id came back (request_id {settled.request_id})"
            )
        return self._update(line, client_id=settled.client_id)

    async def _ensure_issued(self, line: int) -> RowRecord:
        record = self._records[line]
        client_id, product_id = record.client_id, self._rows[line].product_id

        def body(request_id: str) -> dict[str, Any]:
            return {"request_id": request_id, "product_id": product_id, "client_id": client_id}

        settled = await self._ensure(line, CARD_ISSUE, "card_request_id", body, "cards", card_via="issue")
        if not settled.card_ids:
            raise RowFailed(
                f"card.issue succeeded but no card_id came back (request_id {settled.request_id})"
            )
        return self._update(line, card_id=settled.card_ids[0])

    async def _finish(self, line: int) -> None:
        """Link a card from a batch to its client, read its mask, mark the row done."""
        record = self._records[line]
        if record.card_via == "bulk" and not record.linked:
            client_id, card_id = record.client_id, record.card_id

            def body(request_id: str) -> dict[str, Any]:
                return {"request_id": request_id, "client_id": client_id, "card_id": card_id}

            await self._ensure(line, CARD_LINK, "link_request_id", body, None)
            record = self._update(line, linked=True)
        if record.masked_pan is None:
            record = self._update(line, masked_pan=await self._masked_pan(record))
        self._update(line, status="done", error=None)
        self._set_active(remove=[line])
        self._counter.done += 1
        self._counter.worked += 1
        self._notify(line)

    async def _masked_pan(self, record: RowRecord) -> str | None:
        assert record.card_id is not None
        try:
            result = await self._calls.read(
                CARD_INFO, {"request_id": new_request_id(), "card_id": record.card_id}
            )
        except errors.CardApiError as exc:
            message = safe_text(exc.message)
            raise RowFailed(
                f"card.info: {message} (client {record.client_id} and card {record.card_id} exist; "
                "a rerun only reads the card)"
            ) from None
        info = result.response.card if isinstance(result.response, CardInfoResponse) else None
        return safe_mask(info.card_mask) if info is not None else None

    async def _ensure(
        self,
        line: int,
        method: Method,
        id_field: str,
        make_body: Callable[[str], dict[str, Any]],
        expect: str | None,
        **also: Any,
    ) -> Settled:
        """The request of one stage, exactly once: a stored request_id is asked about first; a new
        one is stored (with `also`) before the request goes out. Raises RowFailed unless success."""
        request_id: str | None = getattr(self._records[line], id_field)
        if request_id is not None:
            self._outstanding[line] = request_id  # sent by an earlier run, outcome not known
            settled = await self._calls.resolve(method, request_id)
            if settled.ok:
                self._outstanding.pop(line, None)
                return settled
            if settled.state == "unknown":
                raise RowFailed(_failure(method, settled), unknown=True)
            if settled.state == "error":
                request_id = None  # used up by the failed attempt: a fresh try needs a fresh id
        if self._calls.stopped:
            raise Stopped(self._calls.stop_reason)  # before storing an id that will not be sent
        if request_id is None:
            request_id = new_request_id()
            await self._intend(line, **{id_field: request_id, **also})
        self._outstanding[line] = request_id
        settled = await self._calls.submit(method, make_body(request_id), expect=expect)
        if not settled.ok:
            raise RowFailed(_failure(method, settled), unknown=settled.state == "unknown")
        self._outstanding.pop(line, None)
        return settled

    # --- card.bulk_issue -----------------------------------------------------------------------

    async def _batch_stage(self) -> None:
        """Cards for the rows waiting for one: batches an earlier run sent are asked about (and
        re-sent with the same id if the server never got them); the other rows get new batches.
        Then each card is linked and read, row by row."""
        recorded: dict[str, list[int]] = defaultdict(list)
        fresh: list[int] = []
        for line in self._awaiting_batch:
            request_id = self._records[line].card_request_id
            if request_id is not None:
                recorded[request_id].append(line)
            else:
                fresh.append(line)
        retry: list[int] = []
        await self._dispatch(
            (
                (lines, self._recorded_batch(request_id, lines, retry))
                for request_id, lines in recorded.items()
            ),
            phase=CARD_BULK_ISSUE.name,
            total=len(recorded),
        )
        if self._cards == "each":
            # Rows whose earlier batch failed get their card the way this run issues cards.
            await self._dispatch(([line], self._row_stage(line)) for line in retry)
        else:
            fresh += retry
        if fresh and not self._cancelled:
            batches = self._plan_batches(fresh)
            await self._dispatch(
                ((lines, self._new_batch(lines)) for lines in batches),
                phase=CARD_BULK_ISSUE.name,
                total=len(batches),
            )
        ready = sorted(
            line
            for line in self._awaiting_batch
            if self._records[line].card_id is not None and self._records[line].status == "pending"
        )
        if not self._cancelled:
            await self._dispatch(
                (([line], self._finish(line)) for line in ready), phase=CARD_LINK.name, total=len(ready)
            )

    def _plan_batches(self, lines: list[int]) -> list[list[int]]:
        by_product: dict[int, list[int]] = defaultdict(list)
        for line in sorted(lines):
            by_product[self._rows[line].product_id].append(line)
        return [
            group[start : start + MAX_BULK_COUNT]
            for group in by_product.values()
            for start in range(0, len(group), MAX_BULK_COUNT)
        ]

    async def _new_batch(self, lines: list[int]) -> None:
        batch = BatchRecord(new_request_id(), self._rows[lines[0]].product_id, len(lines))
        slotted = [
            replace(self._records[line], card_via="bulk", card_request_id=batch.request_id, batch_slot=slot)
            for slot, line in enumerate(lines)
        ]
        self._records.update((record.line, record) for record in slotted)
        await self._writer.save(*slotted, batch=batch)  # before sending: a rerun asks about this id
        self._outstanding.update(dict.fromkeys(lines, batch.request_id))
        settled = await self._calls.submit(CARD_BULK_ISSUE, _batch_body(batch), expect="cards")
        self._settle_batch(lines, settled)

    async def _recorded_batch(self, request_id: str, lines: list[int], retry: list[int]) -> None:
        self._outstanding.update(dict.fromkeys(lines, request_id))
        settled = await self._calls.resolve(CARD_BULK_ISSUE, request_id)
        batch = (await self._writer.call(self._store.batches)).get(request_id)
        if settled.state == "not_received" and batch is not None:
            settled = await self._calls.submit(CARD_BULK_ISSUE, _batch_body(batch), expect="cards")
        elif settled.state == "error":
            # That batch failed in an earlier run; these rows go into a new one.
            for line in lines:
                self._update(line, card_via=None, card_request_id=None, batch_slot=None)
            retry.extend(lines)
            return
        self._settle_batch(lines, settled)

    def _settle_batch(self, lines: list[int], settled: Settled) -> None:
        if not settled.ok:
            raise RowFailed(_failure(CARD_BULK_ISSUE, settled), unknown=settled.state == "unknown")
        for line in lines:
            self._outstanding.pop(line, None)
        assigned = []
        for line in lines:
            record = self._records[line]
            slot = record.batch_slot
            if slot is None or slot >= len(settled.card_ids):
                self._fail(
                    line,
                    f"card.bulk_issue {settled.request_id} returned {len(settled.card_ids)} cards, "
                    f"this row had slot {slot}",
                )
                continue
            assigned.append(replace(record, card_id=settled.card_ids[slot]))
        self._records.update((record.line, record) for record in assigned)
        self._writer.save_nowait(*assigned)

    # --- bookkeeping ---------------------------------------------------------------------------

    def _update(self, line: int, **changes: Any) -> RowRecord:
        """Record an outcome; saved lazily (a lost outcome is found again from its request_id)."""
        record = replace(self._records[line], **changes)
        self._records[line] = record
        self._writer.save_nowait(record)
        return record

    async def _intend(self, line: int, **changes: Any) -> RowRecord:
        """Record a request_id about to be sent; returns once it is on disk."""
        record = replace(self._records[line], **changes)
        self._records[line] = record
        await self._writer.save(record, durable=True)
        return record

    def _fail(self, line: int, reason: str) -> None:
        reason = safe_text(reason) or "failed"
        self._update(line, status="failed", error=reason)
        self._set_active(remove=[line])
        self._counter.failed += 1
        self._counter.worked += 1
        self._counter.last_error = f"line {line}: {reason}"
        self._notify(line)

    def _unknown(self, line: int, reason: str) -> None:
        """Its request went out and no answer says what became of it: the rerun asks."""
        reason = safe_text(reason) or "outcome unknown"
        self._update(line, status="unknown", error=reason)
        self._set_active(remove=[line])
        self._counter.unknown += 1
        self._counter.worked += 1
        self._counter.last_error = f"line {line}: {reason}"
        self._notify(line)

    def _set_active(self, *, add: Iterable[int] = (), remove: Iterable[int] = ()) -> None:
        self._active.update(add)
        self._active.difference_update(remove)
        self._counter.in_flight = len(self._active)

    def _interrupted(self, line: int, *, sent: bool) -> None:
        """Stopped in flight. `sent`: its request is out, unanswered (`unknown`); otherwise the
        row stopped between requests (`pending`: the rerun continues with its next one)."""
        if sent:
            self._unknown(line, f"interrupted; a rerun asks request/status about {self._outstanding[line]}")
            return
        record = replace(self._records[line], status="pending", error=None)
        self._records[line] = record
        self._update(line, error=f"interrupted: {_pending_reason(record, self._calls.stop_reason)}")
        self._notify(line)

    def _result(self, line: int) -> RowResult:
        row = self._rows[line]
        if not row.valid:
            return RowResult(line, None, None, None, "failed", row.reason())
        record = self._records.get(line) or RowRecord(line)
        error = record.error
        if record.status == "pending" and not error:
            error = _pending_reason(record, self._calls.stop_reason)
        return RowResult(line, record.client_id, record.card_id, record.masked_pan, record.status, error)

    def _notify(self, line: int) -> None:
        if self._on_row is not None:
            self._on_row(self._result(line))

    def _emit(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self._counter.snapshot())


def _batch_body(batch: BatchRecord) -> dict[str, Any]:
    return {"request_id": batch.request_id, "product_id": batch.product_id, "count": batch.count}


def _failure(method: Method, settled: Settled) -> str:
    return f"{method.name}: {settled.reason}"


def _pending_reason(record: RowRecord, why: str | None = None) -> str:
    why = why or "cancelled"
    if record.client_id is None:
        return f"not finished ({why}); a rerun continues"
    if record.card_id is None:
        return f"client {record.client_id} created, no card yet ({why}); a rerun continues"
    return f"card {record.card_id} issued, not finished ({why}); a rerun continues"


def _discard(work: Awaitable[None]) -> None:
    """Close a coroutine that will never be started, so Python does not warn about it."""
    close = getattr(work, "close", None)
    if close is not None:
        close()
