"""The asynchronous request table (SPEC §2).

A state-changing call is recorded with ready_at = arrival + delay and answered `process`. It is
applied later, by whichever engine call comes first after ready_at: every public call settles
all due requests first, oldest first, each under its own savepoint (a refused or failing one
leaves no trace but its outcome). A read or control call settles each in its own write
transaction; a state-changing call settles them in the write transaction that records it, so a
write costs one commit. A request applies exactly once even with several processes on one file,
because it is re-read under the write lock and skipped if another process already settled it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from fpconsole.sandbox.engine import ids, store
from fpconsole.sandbox.engine.clock import from_db, to_db
from fpconsole.sandbox.engine.context import Ctx, Outcome, Settings
from fpconsole.sandbox.errors import ERROR_CODES, SandboxError

log = logging.getLogger(__name__)

PROCESS, SUCCESS, ERROR = "process", "success", "error"

T = TypeVar("T")
Apply = Callable[[Ctx, str, dict[str, Any]], Outcome]
OnError = Callable[[Ctx, str, dict[str, Any], SandboxError], None]


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)  # exact; amounts are read back with Decimal(text)
    raise TypeError(f"cannot store {type(value).__name__} in a request payload")


def record(
    ctx: Ctx,
    *,
    request_id: str,
    method: str,
    payload: dict[str, Any],
    ready_at: datetime,
    transaction_id: str | None = None,
) -> int:
    """Insert the request; a request_id the partner already used is refused and changes nothing
    (the caller's write transaction rolls back)."""
    return _insert(ctx, request_id, method, _payload_json(payload), ready_at, transaction_id)


def record_settled(
    ctx: Ctx,
    *,
    request_id: str,
    method: str,
    payload: dict[str, Any],
    apply: Apply,
    on_error: OnError,
    transaction_id: str | None = None,
) -> None:
    """A request due at once (its partner's delay is 0): applied and recorded with its outcome in
    the caller's write transaction, as `record` and the next call's `settle_in` would, without
    leaving it in `process` for the next call to find (a query, an index entry, a parse and an
    update fewer per write). The caller still answers `process`; the first poll sees the outcome,
    as before. A reused request_id is refused as by `record`, and leaves nothing applied: the
    operation runs under a savepoint that the refused insert rolls back."""
    text = _payload_json(payload)
    applied: dict[str, Any] = json.loads(text)  # what a later settle would have read back
    conn = ctx.conn
    conn.execute("SAVEPOINT record_settled")
    try:
        try:
            outcome = apply(ctx, method, applied)
        except SandboxError as error:
            conn.execute("ROLLBACK TO record_settled")  # the operation leaves no trace...
            on_error(ctx, method, applied, error)  # ...but its refusal, where it belongs
            _insert(ctx, request_id, method, text, ctx.now, transaction_id, error=error)
        except Exception as exc:  # a bug in one operation must not fail the call
            log.exception("sandbox request %s (%s) failed", request_id, method)
            conn.execute("ROLLBACK TO record_settled")
            failure = SandboxError("internal_error", f"{type(exc).__name__}: {exc}")
            _insert(ctx, request_id, method, text, ctx.now, transaction_id, error=failure)
        else:
            _insert(ctx, request_id, method, text, ctx.now, transaction_id, outcome=outcome)
    except BaseException:
        conn.execute("ROLLBACK TO record_settled")
        conn.execute("RELEASE record_settled")
        raise
    conn.execute("RELEASE record_settled")


def _payload_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, default=_json_default, separators=(",", ":"))


def _insert(
    ctx: Ctx,
    request_id: str,
    method: str,
    payload: str,
    ready_at: datetime,
    transaction_id: str | None,
    *,
    outcome: Outcome | None = None,
    error: SandboxError | None = None,
) -> int:
    """The request's row: in `process`, or settled at ctx.now with its outcome or error (the
    columns finish_success / finish_error would set)."""
    status, settled_at, client_id, cards, code, description = PROCESS, None, None, "[]", None, None
    if outcome is not None:
        status, settled_at, client_id = SUCCESS, to_db(ctx.now), outcome.client_id
        cards = json.dumps(list(outcome.cards))
        if outcome.transaction_id is not None:
            transaction_id = outcome.transaction_id
    elif error is not None:
        assert error.code in ERROR_CODES
        status, settled_at, code, description = ERROR, to_db(ctx.now), error.code, error.message
    try:
        cursor = ctx.conn.execute(
            """INSERT INTO requests (partner, request_id, method, payload, created_at, ready_at, status,
                   transaction_id, settled_at, client_id, cards, error_code, error_description)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                ctx.partner,
                request_id,
                method,
                payload,
                to_db(ctx.now),
                to_db(ready_at),
                status,
                transaction_id,
                settled_at,
                client_id,
                cards,
                code,
                description,
            ),
        )
    except sqlite3.IntegrityError:
        raise SandboxError(
            "duplicate_request_id",
            f"request_id {request_id} was already used; poll request/status with it instead",
            field="request_id",
        ) from None
    return int(cursor.lastrowid or 0)


def apply_now(
    ctx: Ctx, *, request_id: str, method: str, payload: dict[str, Any], apply: Callable[[], T]
) -> T:
    """A change that takes effect at once (the sandbox's control calls) under the same request_id
    rule as the API's: the id is recorded, a reused one is refused (duplicate_request_id), and
    request/status reports the outcome. A refusal is stored as the request's `error` and raised
    after the write transaction commits, so the id stays spent, as with a settled API change.
    Call outside any transaction."""
    with store.write(ctx.conn):
        seq = record(ctx, request_id=request_id, method=method, payload=payload, ready_at=ctx.now)
        try:
            with store.savepoint(ctx.conn, "apply_now"):
                result = apply()
        except SandboxError as error:
            finish_error(ctx.conn, seq, ctx.now, error)
            refusal = error
        else:
            finish_success(ctx.conn, seq, ctx.now, Outcome())
            return result
    raise refusal


class Due(NamedTuple):
    """A request in `process` that has come due, as read by `due`."""

    seq: int
    partner: str
    ready_at: datetime
    request_id: str
    method: str
    payload: str  # JSON


def due(conn: sqlite3.Connection, horizon: datetime, *, partner: str | None = None) -> list[Due]:
    """The requests in `process` ready by `horizon` (of one partner, or of all), oldest first.
    Read inside a write transaction, they can be settled as read (settle_in's `due`)."""
    sql = (
        "SELECT seq, partner, ready_at, request_id, method, payload FROM requests"
        " WHERE status = 'process' AND ready_at <= ?"
    )
    args: tuple[str, ...] = (to_db(horizon),)
    if partner is not None:
        sql += " AND partner = ?"
        args += (partner,)
    rows = conn.execute(sql + " ORDER BY created_at, seq", args).fetchall()
    return [Due(int(r[0]), str(r[1]), from_db(r[2]), str(r[3]), str(r[4]), str(r[5])) for r in rows]


def settle(
    conn: sqlite3.Connection,
    seq: int,
    *,
    now: datetime,
    settings: Settings,
    apply: Apply,
    on_error: OnError,
) -> None:
    """Apply one due request in its own write transaction and store its outcome."""
    with store.write(conn):
        settle_in(conn, seq, now=now, settings=settings, apply=apply, on_error=on_error)


def settle_in(
    conn: sqlite3.Connection,
    seq: int,
    *,
    now: datetime,
    settings: Settings,
    apply: Apply,
    on_error: OnError,
    read: Due | None = None,
) -> bool:
    """Apply one due request inside the caller's write transaction and store its outcome; False
    when another engine on the same file settled it first. read: the request as `due` read it
    in this same write transaction (so nobody else can have settled it since); else re-read.

    The operation takes effect at its ready_at (not at whenever somebody next called), so a
    ledger entry's time does not depend on how often the partner polls.
    """
    if read is None:
        row = conn.execute(
            "SELECT seq, partner, ready_at, request_id, method, payload FROM requests"
            " WHERE seq = ? AND status = 'process'",
            (seq,),
        ).fetchone()
        if row is None:
            return False  # another engine on the same file got there first
        read = Due(int(row[0]), str(row[1]), from_db(row[2]), str(row[3]), str(row[4]), str(row[5]))
    ctx = Ctx(conn, read.ready_at, read.partner, settings, read.request_id)
    method = read.method
    payload: dict[str, Any] = json.loads(read.payload)
    try:
        with store.savepoint(conn, "apply_request"):
            outcome = apply(ctx, method, payload)
    except SandboxError as error:
        on_error(ctx, method, payload, error)
        finish_error(conn, seq, now, error)
    except Exception as exc:  # a bug in one operation must not wedge every later request
        log.exception("sandbox request %s (%s) failed", read.request_id, method)
        finish_error(conn, seq, now, SandboxError("internal_error", f"{type(exc).__name__}: {exc}"))
    else:
        finish_success(conn, seq, now, outcome)
    return True


def finish_success(conn: sqlite3.Connection, seq: int, now: datetime, outcome: Outcome) -> None:
    conn.execute(
        """UPDATE requests SET status = ?, settled_at = ?, client_id = ?, cards = ?,
               transaction_id = COALESCE(?, transaction_id)
           WHERE seq = ?""",
        (
            SUCCESS,
            to_db(now),
            outcome.client_id,
            json.dumps(list(outcome.cards)),
            outcome.transaction_id,
            seq,
        ),
    )


def finish_error(conn: sqlite3.Connection, seq: int, now: datetime, error: SandboxError) -> None:
    assert error.code in ERROR_CODES
    conn.execute(
        "UPDATE requests SET status = ?, settled_at = ?, error_code = ?, error_description = ? WHERE seq = ?",
        (ERROR, to_db(now), error.code, error.message, seq),
    )


def fin_document_id(ctx: Ctx, transaction_id: str, request_id: str) -> str | None:
    """The financial document a transaction request produced: its first ledger entry (the hold
    of a create, the spend of a clearing, the credit of a refund); None when it posted none
    (still in process, declined, refused)."""
    # By transaction first: the ledger is indexed on it, not on request_id.
    row = ctx.conn.execute(
        "SELECT MIN(id) FROM ledger WHERE transaction_id = ? AND partner = ? AND request_id = ?",
        (transaction_id, ctx.partner, request_id),
    ).fetchone()
    return None if row is None or row[0] is None else ids.fin_document_id(int(row[0]))


def find(ctx: Ctx, request_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = ctx.conn.execute(
        "SELECT * FROM requests WHERE partner = ? AND request_id = ?", (ctx.partner, request_id)
    ).fetchone()
    if row is None:
        raise SandboxError(
            "unknown_request_id", f"no request with request_id {request_id}", field="request_id"
        )
    return row


def status_json(ctx: Ctx, row: sqlite3.Row) -> dict[str, Any]:
    """The request/status body (without the envelope's status and dt)."""
    body: dict[str, Any] = {
        "request_status": row["status"],
        "client_id": row["client_id"],
        "cards": [{"card_id": card_id} for card_id in json.loads(row["cards"])],
    }
    if row["transaction_id"] is not None:
        # "Transaction request status" (SPEC §3.23a): both keys are always there for a
        # transaction request; fin_document_id is null until the request has posted its entry.
        body["transaction_id"] = row["transaction_id"]
        body["fin_document_id"] = fin_document_id(ctx, row["transaction_id"], row["request_id"])
    if row["status"] == ERROR:
        body["error_code"] = row["error_code"]
        body["error_description"] = row["error_description"]
    return body
