"""SandboxEngine: the facade the ASGI app, the console and the tests call.

Each public call (1) reads the injected clock once, (2) applies every request that has come due,
(3) does its own work in one SQLite transaction. A lock serialises calls on one instance; several
instances (threads or processes) may share one database file, and SQLite's write lock keeps them
consistent.
"""

from __future__ import annotations

import contextlib
import math
import random
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from fpconsole.api.dictionaries import CURRENCIES_ALPHA3
from fpconsole.api.methods import Method
from fpconsole.api.models import ApiRequest
from fpconsole.sandbox.engine import backups, cards, ids, ledger, operations, requests, store, transactions
from fpconsole.sandbox.engine.clock import db_to_rfc3339, require_aware, rfc3339, to_db
from fpconsole.sandbox.engine.context import DEFAULT_STATEMENT_CAP, Ctx, Settings
from fpconsole.sandbox.engine.money import to_minor
from fpconsole.sandbox.engine.partner_state import PartnerState, PartnerStates, Received
from fpconsole.sandbox.engine.reads import READS
from fpconsole.sandbox.errors import SandboxError
from fpconsole.sandbox.settings import check_delay

# The method name a credit is recorded under in the request table (not a Card API method).
CREDIT_METHOD: Final = "sandbox.credit"
# How far a partner's sandbox clock may run ahead of real time: far from year 9999.
MAX_CLOCK_OFFSET_S: Final = 100 * 366 * 86_400.0


class WouldWrite(Exception):
    """A reads-only engine (reads_only) met a call that must write: run it on another engine."""


def _system_clock() -> datetime:
    return datetime.now(UTC)


def envelope(now: datetime, request_status: str) -> dict[str, Any]:
    return {"status": "ok", "request_status": request_status, "dt": rfc3339(now)}


class SandboxEngine:
    """The stateful Card API emulator (see docs/sandbox-state.md).

    db: a file path shared by every process that opens it, or ":memory:" (private to this
        instance).
    delay: seconds from a state-changing request to its outcome; 0 settles it on the next call.
    clock: returns tz-aware UTC "now"; tests inject a fake one. Everything time-based uses it.
    rng_seed: makes the database's secrets (CVV, card tokens, generated PINs) reproducible.
        Ids, PANs and IBANs are reproducible anyway (they come from sequences).
    statement_cap: the most operations one statement answer lists.
    """

    def __init__(
        self,
        db: str | Path = ":memory:",
        *,
        delay: float = 1.5,
        clock: Callable[[], datetime] | None = None,
        rng_seed: int | None = None,
        statement_cap: int = DEFAULT_STATEMENT_CAP,
    ) -> None:
        check_delay(delay)
        if statement_cap < 1:
            raise ValueError("statement_cap must be at least 1")
        rng: random.Random = random.Random(rng_seed) if rng_seed is not None else random.SystemRandom()
        self.db = db
        self._clock = clock or _system_clock
        self._lock = threading.RLock()
        self._conn = store.connect(db, autocheckpoint_pages=store.ENGINE_AUTOCHECKPOINT_PAGES)
        try:
            store.migrate(self._conn, salt=rng.getrandbits(256).to_bytes(32, "big"))
            salt = store.read_salt(self._conn)
        except BaseException:
            self._conn.close()
            raise
        self._settings = Settings(delay=delay, statement_cap=statement_cap, salt=salt, rng=rng)
        # Per-partner faults, delay and clock, shared through the database by every process.
        self.partners = PartnerStates(db)
        self._closed = False
        self._reads_only = False

    # --- the interface the app codes against --------------------------------------------------

    def handle(self, method: Method, request: ApiRequest, *, partner: str) -> dict[str, Any]:
        """Run one already-validated API call for partner (the auth_id) and return the full body.

        State-changing methods are recorded and answered `process`; reads answer at once.
        Raises SandboxError for immediate refusals (duplicate_request_id, unknown_request_id,
        not_found on reads, validation problems the model cannot see).
        """
        partner = _partner(partner)
        with self._lock:
            if method.changes_state:
                return self._submit(method, request, partner)
            now = self._tick(partner)
            _check_request(method, request)
            reader = READS.get(method.name)
            if reader is None:
                raise SandboxError("unknown_method", f"the sandbox does not serve {method.name}")
            ctx = self._ctx(now, partner)
            with store.read(self._conn):
                body = reader(ctx, request)
            return {**envelope(now, "success"), **body}

    def credit(
        self,
        card_id: str,
        amount: Decimal,
        *,
        partner: str,
        currency: str = ledger.DEFAULT_CURRENCY,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Top up a card at once (a sandbox control call; the Card API has no such method).

        Recorded under request_id like every change, so replaying it is refused
        (duplicate_request_id) and request/status knows it; without one (tests, scripts calling
        the engine directly) a fresh id is made up."""
        partner = _partner(partner)
        minor = to_minor(amount)
        if currency not in CURRENCIES_ALPHA3:
            raise SandboxError("validation_error", f"{currency!r} is not an ISO 4217 code", field="currency")
        with self._lock:
            now = self._tick(partner)
            request_id = request_id or self._new_request_id()
            ctx = self._ctx(now, partner, request_id)

            def top_up() -> list[dict[str, Any]]:
                ledger.credit(ctx, card=cards.find_card(ctx, card_id), amount=minor, currency=currency)
                return ledger.accounts_json(ctx, card_id)

            payload = {"card_id": card_id, "amount": amount, "currency": currency}
            accounts = requests.apply_now(
                ctx, request_id=request_id, method=CREDIT_METHOD, payload=payload, apply=top_up
            )
            return {
                **envelope(now, "success"),
                "request_id": request_id,
                "card_id": card_id,
                "balances": {"accounts": accounts},
            }

    def snapshot(
        self, *, partner: str, limit: int = 100_000, offset: int = 0, since: int | None = None
    ) -> dict[str, Any]:
        """What the partner has, for the console to prime its cache (the API cannot list all).
        Cards carry only their masked PAN. Each list holds the newest `limit` rows after the
        `offset` newest (a page), oldest first. With `since` (a `revision` an earlier snapshot
        answered), only the rows written after it, in the same order.
        `revision` and `epoch` say where this one stands: a console may pass the revision as
        `since` next time if the epoch is the same (a new one means rows may have gone)."""
        partner = _partner(partner)
        with self._lock:
            self._tick(partner)
            with store.read(self._conn):
                client_rows = self._newest("clients", partner, limit, offset, since)
                card_rows = self._newest("cards", partner, limit, offset, since)
                transaction_rows = self._newest("transactions", partner, limit, offset, since)
                revision, epoch = store.revision(self._conn), store.epoch(self._conn, partner)
        return {
            "revision": revision,
            "epoch": epoch,
            "clients": [
                {
                    "client_id": r["client_id"],
                    "first_name": r["first_name"],
                    "last_name": r["last_name"],
                    "middle_name": r["middle_name"],
                    "phone": r["phone"],
                    "product_id": r["product_id"],
                    "type": r["type"],
                }
                for r in client_rows
            ],
            "cards": [
                {
                    "card_id": r["card_id"],
                    "card_mask": ids.mask_pan(r["pan"]),
                    "status": r["status"],
                    "client_id": r["client_id"],
                    "product_id": r["product_id"],
                    "expiry": r["expiry"],
                }
                for r in card_rows
            ],
            "transactions": [transactions.snapshot_json(r) for r in transaction_rows],
        }

    def seed(self, count: int, *, partner: str, history: bool = True) -> dict[str, int]:
        """Deterministic demo data: `count` clients with cards in every status and six months of
        history (see fpconsole/sandbox/seed.py). history=False writes the clients and cards
        only (a tenth of the work: the console's first start lists them sooner); seed_history
        writes the rest later, the same rows a whole seed writes."""
        partner = _partner(partner)
        with self._lock:
            now = self._tick(partner)
            with store.write(self._conn):
                return self._write_seed(now, partner, count, history)

    def _write_seed(self, now: datetime, partner: str, count: int, history: bool) -> dict[str, int]:
        # Imported here: the name lists and merchants are only needed when seeding.
        from fpconsole.sandbox import seed as demo

        counts = demo.seed_demo(self._ctx(now, partner), count, step="all" if history else "cards")
        if history:
            store.mark_seeded(self._conn, partner)  # in the same transaction as the data
        return counts

    def seed_demo_data(self, count: int, *, partner: str, history: bool = True) -> bool:
        """seed() if needs_demo_data(), decided inside the seed's own write transaction: two
        openers of a new file at once (two consoles, a console and `fpconsole call`) both found
        it empty before either had written, and both seeded (80 clients, half without history).
        True when this one seeded."""
        partner = _partner(partner)
        with self._lock:
            now = self._tick(partner)
            with store.write(self._conn):
                if not self.needs_demo_data(partner):
                    return False
                self._write_seed(now, partner, count, history)
                return True

    def seed_history(self, partner: str, *, between: Callable[[], object] | None = None) -> dict[str, int]:
        """The second step of a seed(history=False): its transactions, statements, blocks and
        closes, PINs, plastic and limits, in one transaction (a read sees none or all of it).
        Nothing to do (an empty answer) when no such step is pending. `between()` runs after
        each card's history, inside the transaction; raising there rolls it all back, and the
        step stays pending for the next start."""
        from fpconsole.sandbox import seed as demo

        partner = _partner(partner)
        with self._lock:
            if not self.needs_demo_history(partner):
                return {}
            now = self._tick(partner)
            with store.write(self._conn):
                counts = demo.seed_demo(self._ctx(now, partner), None, step="history", between=between)
                if counts:  # else its clients were gone (wiped): a start seeds the partner anew
                    store.mark_seeded(self._conn, partner)
                return counts

    def needs_demo_history(self, partner: str) -> bool:
        """A seed(history=False) whose second step has not been written yet (a first start cut
        off between the two steps, or a console that writes it after its first listing)."""
        partner = _partner(partner)
        with self._lock, store.read(self._conn):
            return store.pending_history(self._conn, partner) is not None

    def needs_demo_data(self, partner: str) -> bool:
        """Never seeded (nor emptied on purpose by a reset) and without clients: a first start,
        or one cut off while its seed was being written (that transaction left nothing)."""
        partner = _partner(partner)
        with self._lock:
            if store.was_seeded(self._conn, partner):
                return False
            return not self.snapshot(partner=partner, limit=1).get("clients")

    def reset(self, partner: str | None = None) -> dict[str, int]:
        """Forget the partner's clients, cards, transactions, requests and received log, and set
        its clock back to real time (its faults, delay and backups stay). Without a partner:
        every partner's data, controls, received log and backups: a fresh database. Answers how
        many of each were forgotten."""
        with self._lock:
            if partner is None:
                store.wipe(self._conn)
                self.partners.forget_all()
                return {}
            partner = _partner(partner)
            with store.write(self._conn):
                store.mark_seeded(self._conn, partner)  # emptied on purpose: not reseeded at a start
                store.clear_pending_history(self._conn, partner)  # nor given a history
                counts = backups.count(self._conn, partner)
                backups.delete_partner(self._conn, partner)
                self.partners.forget_received(self._conn, partner)
                if self.partners.get(partner, self._conn).clock_offset_s:
                    self.partners.write(self._conn, partner, clock_offset_s=0.0)
            return counts

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self.partners.close()
                self._conn.close()

    # --- sandbox-only extras (tests and control routes) ----------------------------------------

    def verify_pin(self, card_id: str, pin: str, *, partner: str) -> bool:
        """A PIN check as a terminal makes it: True/False, and a wrong PIN uses up a try.
        Raises pin_locked after three wrong tries, until card.reset_counter_pin."""
        partner = _partner(partner)
        with self._lock:
            now = self._tick(partner)
            with store.write(self._conn):
                return cards.verify_pin(self._ctx(now, partner), card_id=card_id, pin=pin)

    def card_history(self, card_id: str, *, partner: str) -> list[dict[str, Any]]:
        """The card's status changes, oldest first: {at, from_status, to_status, reason, request_id}."""
        partner = _partner(partner)
        with self._lock:
            now = self._tick(partner)
            with store.read(self._conn):
                rows = cards.history(self._ctx(now, partner), card_id)
        return [
            {
                "at": db_to_rfc3339(r["at"]),
                "from_status": r["from_status"],
                "to_status": r["to_status"],
                "reason": r["reason"],
                "request_id": r["request_id"],
            }
            for r in rows
        ]

    def card_timeline(self, card_id: str, *, partner: str) -> list[dict[str, Any]]:
        """Everything that happened to the card, oldest first: status changes, ledger entries
        (credit, hold, pay, withdrawal, refund) and plastic orders, each with its time."""
        partner = _partner(partner)
        with self._lock:
            now = self._tick(partner)
            with store.read(self._conn):
                return cards.timeline(self._ctx(now, partner), card_id)

    # --- per-partner controls (sandbox control routes) ------------------------------------------

    def controls(self, partner: str) -> PartnerState:
        """The partner's faults, delay and clock offset as the database holds them now (inside
        `one_read`, as that read transaction sees them)."""
        with self._lock:
            return self.partners.get(_partner(partner), self._conn)

    def reads_only(self) -> None:
        """From now on this engine never writes nor waits: a call that would settle a request
        or record one raises WouldWrite, and a database lock met while reading (SQLite's WAL
        recovery) raises at once instead of waiting out the busy timeout. For an engine that
        answers reads on an event loop, handing everything else to engines in threads."""
        with self._lock:
            self._conn.execute("PRAGMA busy_timeout = 0")
            self._reads_only = True

    def anything_due(self, partner: str) -> bool:
        """Whether some request (any partner's) has come due, so that a call now would settle it
        first (inside one_read: as that read transaction sees it)."""
        partner = _partner(partner)
        with self._lock:
            real = require_aware(self._clock())
            offsets = self.partners.refresh(self._conn, partner)
            horizon = real + timedelta(seconds=max(offsets.values(), default=0.0))
            return bool(requests.due(self._conn, horizon))

    @contextlib.contextmanager
    def one_read(self) -> Iterator[None]:
        """The engine's statements inside share one read transaction: the app reads the caller's
        fault settings and answers an API read in it. Each SQLite transaction costs (a WAL
        snapshot, its locks), and a read made of five of them cost more than its own queries.
        Requests that came due meanwhile still settle (each in a write transaction of its own,
        with the read transaction ended and begun again around them). Not for writes."""
        with self._lock, store.read(self._conn):
            yield

    @property
    def default_delay(self) -> float:
        return self._settings.delay

    def delay_for(self, partner: str) -> float:
        own = self.controls(partner).delay
        return self._settings.delay if own is None else own

    def set_controls(self, partner: str, **changes: Any) -> PartnerState:
        """Change the partner's `faults` (JSON form, None: the default) or `delay` (None: the
        default), seen by every process's next request."""
        partner = _partner(partner)
        if changes.get("delay") is not None:
            check_delay(float(changes["delay"]))
        unknown = set(changes) - {"faults", "delay"}
        if unknown:
            raise TypeError(f"set_controls cannot change {', '.join(sorted(unknown))}")
        with self._lock, store.write(self._conn):
            return self.partners.write(self._conn, partner, **changes)

    def now(self, partner: str) -> datetime:
        """The partner's sandbox time: real time plus however far its clock was advanced."""
        with self._lock:
            return self._partner_now(require_aware(self._clock()), _partner(partner))

    def advance_clock(self, partner: str, seconds: float) -> dict[str, Any]:
        """Move the partner's sandbox clock forward; requests, deadlines, statement dates and
        plastic orders follow it. Answers the new time, the offset and how many requests settled."""
        partner = _partner(partner)
        if not 0 < seconds < math.inf:
            raise SandboxError("validation_error", "must be a positive number of seconds", field="seconds")
        with self._lock:
            offset = self.partners.get(partner, self._conn).clock_offset_s + seconds
            if offset > MAX_CLOCK_OFFSET_S:
                raise SandboxError(
                    "validation_error",
                    f"the clock may run at most 100 years ahead; it is {offset - seconds:g} s ahead now",
                    field="seconds",
                )
            with store.write(self._conn):
                self.partners.write(self._conn, partner, clock_offset_s=offset)
            settled = self._settle_due(require_aware(self._clock()), only=partner)
            return {"now": self.now(partner), "offset_s": offset, "settled": len(settled)}

    def settle_now(self, partner: str) -> list[dict[str, Any]]:
        """Complete the partner's pending (`process`) requests now, oldest first; answers each
        one's request_id, method and outcome."""
        partner = _partner(partner)
        with self._lock:
            real = require_aware(self._clock())
            now = self._partner_now(real, partner)
            with store.write(self._conn):
                self._conn.execute(
                    "UPDATE requests SET ready_at = ? "
                    "WHERE partner = ? AND status = 'process' AND ready_at > ?",
                    (to_db(now), partner, to_db(now)),
                )
            seqs = self._settle_due(real, only=partner)
            if not seqs:
                return []
            marks = ",".join("?" * len(seqs))
            rows = self._conn.execute(
                "SELECT request_id, method, status, error_code FROM requests "
                f"WHERE seq IN ({marks}) ORDER BY seq",
                seqs,
            ).fetchall()
        return [
            {"request_id": r["request_id"], "method": r["method"], "request_status": r["status"]}
            | ({"error_code": r["error_code"]} if r["error_code"] else {})
            for r in rows
        ]

    # --- named backups of one partner's state ---------------------------------------------------

    def save_backup(self, partner: str, name: str, *, replace: bool = False) -> dict[str, Any]:
        partner = _partner(partner)
        with self._lock:
            now = self._tick(partner)
            with store.write(self._conn):
                return backups.save(
                    self._conn,
                    partner,
                    name,
                    at=now,
                    clock_offset_s=self.partners.get(partner, self._conn).clock_offset_s,
                    replace=replace,
                )

    def load_backup(self, partner: str, name: str) -> dict[str, Any]:
        partner = _partner(partner)
        with self._lock:
            self._tick(partner)
            with store.write(self._conn):
                info, offset = backups.load(self._conn, partner, name)
                self.partners.write(self._conn, partner, clock_offset_s=offset)
            return info

    def list_backups(self, partner: str) -> list[dict[str, Any]]:
        partner = _partner(partner)
        with self._lock, store.read(self._conn):
            return backups.listing(self._conn, partner)

    def delete_backup(self, partner: str, name: str) -> None:
        partner = _partner(partner)
        with self._lock, store.write(self._conn):
            backups.delete(self._conn, partner, name)

    # --- what each partner sent -----------------------------------------------------------------

    def record_received(self, partner: str, entry: Received) -> None:
        """Log one received request (metadata only); buffered, never waits for the database."""
        self.partners.add_received(_partner(partner), entry)

    def received(self, partner: str, *, limit: int = 100) -> list[dict[str, Any]]:
        partner = _partner(partner)
        self.partners.flush()  # this process's own latest calls first
        with self._lock, store.read(self._conn):
            return [entry.as_json() for entry in self.partners.received(self._conn, partner, limit)]

    def __enter__(self) -> SandboxEngine:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------------------

    def _tick(self, partner: str) -> datetime:
        """Read the clock, apply everything that has come due by then (each partner by its own
        sandbox clock), and return the partner's sandbox time."""
        real = require_aware(self._clock())
        # One query per call: every partner's clock offset and this partner's whole state (which
        # _ctx then reads from the cache).
        offsets = self.partners.refresh(self._conn, partner)
        self._settle_due(real, offsets, fresh=partner)
        offset = offsets.get(partner, 0.0)
        return real + timedelta(seconds=offset) if offset else real

    def _partner_now(self, real: datetime, partner: str) -> datetime:
        offset = self.partners.get(partner, self._conn).clock_offset_s
        return real + timedelta(seconds=offset) if offset else real

    def _settle_due(
        self,
        real: datetime,
        offsets: dict[str, float] | None = None,
        *,
        only: str | None = None,
        fresh: str | None = None,
        in_write: bool = False,
    ) -> list[int]:
        """Settle every request due by its partner's clock (or only this partner's); oldest first.
        fresh: the partner whose state `refresh` has just cached (no second query for it);
        in_write: inside the caller's write transaction (else each in a transaction of its own)."""
        if offsets is None:
            offsets = self.partners.refresh(self._conn, only or "")
            fresh = only or ""
        horizon = real + timedelta(seconds=max(offsets.values(), default=0.0))
        found_due = requests.due(self._conn, horizon, partner=only)
        if found_due and self._reads_only:
            raise WouldWrite
        # Inside one_read's read transaction: end it for the settling (each in a write
        # transaction of its own, which re-reads the request), and begin another after.
        paused_read = bool(found_due) and not in_write and self._conn.in_transaction
        if paused_read:
            self._conn.execute("COMMIT")
        try:
            settled = self._settle_found(real, offsets, found_due, fresh=fresh, in_write=in_write)
        finally:
            if paused_read:
                self._conn.execute("BEGIN")
        return settled

    def _settle_found(
        self,
        real: datetime,
        offsets: dict[str, float],
        found_due: list[requests.Due],
        *,
        fresh: str | None,
        in_write: bool,
    ) -> list[int]:
        settled = []
        for found in found_due:
            partner = found.partner
            now = real + timedelta(seconds=offsets.get(partner, 0.0))
            if found.ready_at > now:
                continue  # due only by another partner's (advanced) clock
            state = (
                self.partners.cached(partner) if partner == fresh else self.partners.get(partner, self._conn)
            )
            settings = self._settings_of(state)
            if in_write:  # read under this transaction's write lock: settled as read
                requests.settle_in(
                    self._conn,
                    found.seq,
                    now=now,
                    settings=settings,
                    apply=operations.apply,
                    on_error=operations.on_error,
                    read=found,
                )
            else:
                requests.settle(
                    self._conn,
                    found.seq,
                    now=now,
                    settings=settings,
                    apply=operations.apply,
                    on_error=operations.on_error,
                )
            settled.append(found.seq)
        return settled

    def _settings_of(self, state: PartnerState) -> Settings:
        return self._settings if state.delay is None else replace(self._settings, delay=state.delay)

    def _new_request_id(self) -> str:
        return str(uuid.UUID(int=self._settings.rng.getrandbits(128), version=4))

    def _ctx(self, now: datetime, partner: str, request_id: str | None = None) -> Ctx:
        # The partner's state as _tick just read it.
        return Ctx(self._conn, now, partner, self._settings_of(self.partners.cached(partner)), request_id)

    def _submit(self, method: Method, request: ApiRequest, partner: str) -> dict[str, Any]:
        """Settle what has come due and record this call in ONE write transaction: a write costs
        one commit, not one for the settling and another for the recording (the bench's write
        path: each client.add settles the one before). A refusal of this call (duplicate
        request_id, a payload the operation refuses) keeps the settlements, as before."""
        if self._reads_only:
            raise WouldWrite
        real = require_aware(self._clock())
        refusal: SandboxError | None = None
        try:
            operation = _operation_for(method, request)
            given: str | None = getattr(request, "request_id", None)
            # set_pin may come without a request_id (SPEC §3.10); it gets one so it can be polled.
            request_id = given or self._new_request_id()
            # Before the write lock: a PIN's hash is the slowest step of a write. prepare uses
            # only the salt and the random generator, never the partner's delay.
            payload = operations.prepare(operation, self._settings, request)
        except SandboxError as error:
            refusal = error
        with store.write(self._conn):
            offsets = self.partners.refresh(self._conn, partner)
            settled = self._settle_due(real, offsets, fresh=partner, in_write=True)
            if refusal is None:
                offset = offsets.get(partner, 0.0)
                now = real + timedelta(seconds=offset) if offset else real
                ctx = self._ctx(now, partner, request_id)
                # A savepoint only when there is something to keep: a refused record then rolls
                # back alone, and the settlements commit.
                undo = store.savepoint(self._conn, "submit") if settled else contextlib.nullcontext()
                try:
                    with undo:
                        extra = operation.on_record(ctx, payload) if operation.on_record else {}
                        if ctx.settings.delay:
                            requests.record(
                                ctx,
                                request_id=request_id,
                                method=method.name,
                                payload=payload,
                                ready_at=now + timedelta(seconds=ctx.settings.delay),
                                transaction_id=payload.get("transaction_id"),
                            )
                        else:  # due at once: settled now, in this transaction
                            requests.record_settled(
                                ctx,
                                request_id=request_id,
                                method=method.name,
                                payload=payload,
                                apply=operations.apply,
                                on_error=operations.on_error,
                                transaction_id=payload.get("transaction_id"),
                            )
                except SandboxError as error:
                    if not settled:
                        raise
                    refusal = error
                else:
                    body = {**envelope(now, "process"), **extra}
                    if given is None:
                        body["request_id"] = request_id
                    return body
        assert refusal is not None
        raise refusal

    def _newest(
        self, table: str, partner: str, limit: int, offset: int = 0, since: int | None = None
    ) -> list[sqlite3.Row]:
        # In the lists' order (newest made first) with or without `since`: the console places a
        # new row by its rank. A row written while the console pages joins the rows after
        # `since` and none leaves, so a later page may repeat a row but never skips one; and its
        # revision is above the one the first page answered, so the next prime has it anyway.
        page = (max(limit, 0), max(offset, 0))
        if since is None:
            query = f"SELECT * FROM {table} WHERE partner = ? ORDER BY seq DESC LIMIT ? OFFSET ?"
            rows = self._conn.execute(query, (partner, *page)).fetchall()
        else:
            query = f"SELECT * FROM {table} WHERE partner = ? AND rev > ? ORDER BY seq DESC LIMIT ? OFFSET ?"
            rows = self._conn.execute(query, (partner, since, *page)).fetchall()
        return rows[::-1]


def _check_request(method: Method, request: ApiRequest) -> None:
    if not isinstance(request, method.request):
        raise SandboxError(
            "validation_error",
            f"{method.name} takes a {method.request.__name__}, not a {type(request).__name__}",
        )


def _operation_for(method: Method, request: ApiRequest) -> operations.Operation:
    _check_request(method, request)
    operation = operations.OPERATIONS.get(method.name)
    if operation is None:
        raise SandboxError("unknown_method", f"the sandbox does not serve {method.name}")
    return operation


def _partner(partner: str) -> str:
    if not isinstance(partner, str) or not partner.strip():
        raise SandboxError("unknown_partner", "the engine needs the partner's auth_id")
    return partner.strip()
