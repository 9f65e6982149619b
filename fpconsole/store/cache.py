"""The entity cache: clients, cards and transactions this console has seen, per profile.

The Card API has no list-all method, so the console's lists are built from what passed
through the client (`ingest`, subscribed to its events) and, on the sandbox, from a snapshot
(`prime`). The file is disposable: if it is damaged it is moved aside and rebuilt empty.

Bounded: each profile keeps at most `max_entities` rows per kind; the least recently seen go
first, in batches of 1 % so that a busy session does not pay a DELETE per insert.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar

from fpconsole.store import db
from fpconsole.store.cache_schema import (
    KINDS,
    MIGRATIONS,
    SPECS,
    EntityKind,
    KindSpec,
    fts_phrase,
    is_last_four,
    like_pattern,
    query_tokens,
)
from fpconsole.store.scrub import last_four, safe_card_mask, scrub_json

if TYPE_CHECKING:
    from fpconsole.api.events import ClientEvent
    from fpconsole.store.ingest import CacheIngest

DEFAULT_MAX_ENTITIES: Final = 100_000
# Entities per write transaction of an incremental prime: ~10 ms of writing, the most a list
# read waits for while a big snapshot is written.
PRIME_CHUNK: Final = 500
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")

# Client fields kept in `extra`: useful on screen, not secret. The ID document and the national
# id are left out on purpose (minimum personal data on disk).
CLIENT_EXTRA_FIELDS: Final = (
    "email",
    "birthdate",
    "country",
    "resident",
    "language",
    "external_user_id",
    "branch_id",
)


def now_us() -> int:
    return time.time_ns() // 1000


def to_datetime(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def to_micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return (moment - _EPOCH) // timedelta(microseconds=1)


# --- records -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CachedClient:
    client_id: str
    first_name: str | None
    last_name: str | None
    middle_name: str | None
    phone: str | None
    product_id: int | None
    type: str | None
    extra: dict[str, Any]
    last_seen: datetime

    @property
    def key(self) -> str:
        return self.client_id

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


@dataclass(frozen=True, slots=True)
class CachedCard:
    card_id: str
    client_id: str | None
    card_mask: str | None  # the `masked_pan` column; named as the API names it
    last4: str | None
    status: str | None
    product_id: int | None
    expiry_month: int | None
    expiry_year: int | None
    last_seen: datetime

    @property
    def key(self) -> str:
        return self.card_id


@dataclass(frozen=True, slots=True)
class CachedTransaction:
    transaction_id: str
    card_id: str | None
    order_id: str | None
    amount: str | None
    currency: str | None
    status: str | None
    held: str | None
    cleared: str | None
    refunded: str | None
    created_at: str | None
    last_seen: datetime

    @property
    def key(self) -> str:
        return self.transaction_id


CachedEntity: TypeAlias = CachedClient | CachedCard | CachedTransaction


def _record(kind: EntityKind, row: sqlite3.Row) -> CachedEntity:
    seen = to_datetime(row["last_seen"])
    if kind == "clients":
        return CachedClient(
            row["client_id"],
            row["first_name"],
            row["last_name"],
            row["middle_name"],
            row["phone"],
            row["product_id"],
            row["type"],
            json.loads(row["extra"]) if row["extra"] else {},
            seen,
        )
    if kind == "cards":
        return CachedCard(
            row["card_id"],
            row["client_id"],
            row["masked_pan"],
            row["last4"],
            row["status"],
            row["product_id"],
            row["expiry_month"],
            row["expiry_year"],
            seen,
        )
    return CachedTransaction(
        row["transaction_id"],
        row["card_id"],
        row["order_id"],
        row["amount"],
        row["currency"],
        row["status"],
        row["held"],
        row["cleared"],
        row["refunded"],
        row["created_at"],
        seen,
    )


# --- value cleaning ------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _product(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _amount(value: Any) -> str | None:
    """Money as decimal text; a float is formatted through Decimal-free str (JSON gives 3500.5)."""
    if value is None or isinstance(value, bool):
        return None
    return str(value).strip() or None


def parse_expiry(value: Any) -> tuple[int | None, int | None]:
    """'12/28', '12/2028', '2028-12' or '1228' → (12, 2028); anything else → (None, None)."""
    text = _text(value)
    if not text:
        return None, None
    import re

    found = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{2}|\d{4})", text)
    if found:
        month, year = int(found.group(1)), int(found.group(2))
    elif found := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(found.group(1)), int(found.group(2))
    elif found := re.fullmatch(r"(\d{2})(\d{2})", text):
        month, year = int(found.group(1)), int(found.group(2))
    else:
        return None, None
    if year < 100:
        year += 2000
    return (month, year) if 1 <= month <= 12 else (None, None)


def client_values(item: Mapping[str, Any]) -> dict[str, Any]:
    extra = {k: item[k] for k in CLIENT_EXTRA_FIELDS if item.get(k) not in (None, "")}
    return {
        "first_name": _text(item.get("first_name")),
        "last_name": _text(item.get("last_name")),
        "middle_name": _text(item.get("middle_name")),
        "phone": _text(item.get("phone")),
        "product_id": _product(item.get("product_id")),
        "type": _text(item.get("type")),
        "extra": json.dumps(scrub_json(extra), ensure_ascii=False, sort_keys=True) if extra else None,
    }


def card_values(item: Mapping[str, Any]) -> dict[str, Any]:
    mask = safe_card_mask(item.get("card_mask", item.get("masked_pan")))
    month, year = parse_expiry(item.get("expiry"))
    return {
        "client_id": _text(item.get("client_id")),
        "masked_pan": mask,
        "last4": last_four(mask),
        "status": _text(item.get("status")),
        "product_id": _product(item.get("product_id")),
        "expiry_month": item.get("expiry_month") or month,
        "expiry_year": item.get("expiry_year") or year,
    }


def transaction_values(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "card_id": _text(item.get("card_id")),
        "order_id": _text(item.get("order_id")),
        "amount": _amount(item.get("amount")),
        "currency": _text(item.get("currency")),
        "status": _text(item.get("status")),
        "held": _amount(item.get("held")),
        "cleared": _amount(item.get("cleared")),
        "refunded": _amount(item.get("refunded")),
        "created_at": _text(item.get("created_at")),
    }


_VALUES: Final[dict[EntityKind, Callable[[Mapping[str, Any]], dict[str, Any]]]] = {
    "clients": client_values,
    "cards": card_values,
    "transactions": transaction_values,
}


def _would_change(kind: EntityKind, spec: KindSpec, values: Mapping[str, Any], old: sqlite3.Row) -> bool:
    """Whether upserting `values` over the cached row changes it (a None keeps the cached value,
    a client's `extra` is merged key by key), as `EntityCache._upsert_one` would merge them."""
    for column in spec.columns:
        new = values[column]
        if new is None or new == old[column]:
            continue
        if kind == "clients" and column == "extra" and old[column]:
            before = json.loads(old[column])
            if {**before, **json.loads(new)} == before:
                continue
        return True
    return False


@dataclass(frozen=True)
class PrimeMark:
    """Where a sandbox stood when a prime began (see tui/prime.py): the next prime asks only for
    what was written after `revision`, if the sandbox's `epoch` is the same (a new one: rows may
    have gone) and it asks for no more than `bound` of each kind; then, if `resume_at` is not 0,
    it reads on from there (the page a whole read cut short had reached)."""

    epoch: str
    revision: int
    bound: int
    resume_at: int = 0


@dataclass
class PrimeState:
    """How far a prime has gone through a snapshot read in pages (newest page first): per kind,
    how many newer entities it has seen and the stamp the next older one must stay below."""

    # Looked up at each call (not bound at import), so the one clock a test pins is the one used.
    base: int = field(default_factory=lambda: now_us())
    done: dict[EntityKind, int] = field(default_factory=dict)
    ceiling: dict[EntityKind, int] = field(default_factory=dict)


def _owner_filters(
    kind: EntityKind,
    client_id: str | None,
    card_id: str | None,
    status: str | None,
    product_id: int | None,
) -> dict[str, str | int | None]:
    """The exact-match columns of a search, for the kinds that have them: a client's own id
    (the unique index) or its cards (cards_client), a card's transactions (transactions_card)."""
    filters: dict[str, str | int | None] = {
        "client_id": client_id if kind in ("clients", "cards") else None,
        "card_id": card_id if kind == "transactions" else None,
        "status": status if kind != "clients" else None,
        "product_id": product_id if kind != "transactions" else None,
    }
    return filters


# --- the cache -----------------------------------------------------------------------------------


@dataclass
class EntityCache:
    conn: sqlite3.Connection
    path: Path
    profile: str
    max_entities: int = DEFAULT_MAX_ENTITIES
    # Where a damaged file was moved on open, so the console can say so once.
    recovered_from: Path | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _counts: dict[EntityKind, int] = field(default_factory=dict, repr=False)
    _fts: bool = field(default=False, repr=False)
    _ingest: CacheIngest | None = field(default=None, repr=False)
    _verify: bool | None = field(default=None, repr=False)
    # Bumped by every write through this object: a reader may keep a query's answer while it
    # is unchanged (the Clients detail reads a client's cards once per row, not per repaint).
    changes: int = field(default=0, repr=False)

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        profile: str,
        max_entities: int = DEFAULT_MAX_ENTITIES,
        verify: bool | None = None,
    ) -> EntityCache:
        """Open (creating if needed) the cache for `profile`. Never raises for a damaged file."""
        if path is None:
            from fpconsole.locations import cache_db

            path = cache_db()
        conn, aside = db.open_database(path, MIGRATIONS, label="entity cache", verify=verify)
        cache = cls(conn, path, profile, max(1, max_entities), aside, _verify=verify)
        cache._setup()
        return cache

    def _setup(self) -> None:
        self.conn.row_factory = sqlite3.Row
        found = self.conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'clients_fts'"
        ).fetchone()
        self._fts = bool(found[0])
        self._counts.clear()

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> EntityCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- damage control ---

    def _guard(self, action: Callable[[], T]) -> T:
        """Run a query; if SQLite reports the file damaged mid-session, start afresh once."""
        with self._lock:
            try:
                return action()
            except sqlite3.DatabaseError as exc:
                if not db.is_corruption(exc):
                    raise
                self._reset(str(exc))
            return action()

    def _reset(self, problem: str) -> None:
        self.conn.close()
        try:
            aside: Path | None = db.move_aside(self.path)
        except OSError:
            aside = None
        warnings.warn(
            f"the entity cache was damaged ({problem}); "
            + (f"moved to {aside} and " if aside else "")
            + "started empty",
            db.LocalStateWarning,
            stacklevel=4,
        )
        self.conn, _ = db.open_database(self.path, MIGRATIONS, label="entity cache", verify=False)
        self.recovered_from = aside
        self.changes += 1
        self._setup()

    # --- writing ---

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            with db.write(self.conn) as conn:
                yield conn
        finally:
            self.changes += 1

    def forget_profile(self) -> None:
        """Drop every client, card and transaction of this profile: after a sandbox reset or a
        loaded backup the data behind the profile is another, and rows it no longer has must not
        stay listed (the next prime fills the cache again, in full)."""

        def run() -> None:
            with self._write() as conn:
                for kind in KINDS:
                    conn.execute(f"DELETE FROM {SPECS[kind].table} WHERE profile = ?", (self.profile,))
                conn.execute("DELETE FROM prime_marks WHERE profile = ?", (self.profile,))
            self._counts.clear()

        self._guard(run)

    def prime_mark(self) -> PrimeMark | None:
        def run() -> PrimeMark | None:
            row = self.conn.execute(
                "SELECT epoch, revision, bound, resume_at FROM prime_marks WHERE profile = ?", (self.profile,)
            ).fetchone()
            return None if row is None else PrimeMark(str(row[0]), int(row[1]), int(row[2]), int(row[3]))

        return self._guard(run)

    def set_prime_mark(self, mark: PrimeMark) -> None:
        """Call once a prime has written all it read: a prime cut short leaves the last mark."""

        def run() -> None:
            with self._write() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO prime_marks (profile, epoch, revision, bound, resume_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (self.profile, mark.epoch, mark.revision, mark.bound, mark.resume_at),
                )

        self._guard(run)

    def oldest_seen(self, kind: EntityKind) -> int | None:
        """The stamp of the kind's row listed last (None: it has none)."""
        spec = SPECS[kind]

        def run() -> int | None:
            row = self.conn.execute(
                f"SELECT min(last_seen) FROM {spec.table} WHERE profile = ?", (self.profile,)
            ).fetchone()
            return None if row is None or row[0] is None else int(row[0])

        return self._guard(run)

    def upsert(
        self,
        kind: EntityKind,
        item: Mapping[str, Any],
        *,
        seen_at: datetime | None = None,
        touch: bool = True,
    ) -> None:
        """Insert or update one entity given as a mapping holding its id (`client_id` …)."""
        self._upsert_many(kind, [item], seen_at, touch)

    def upsert_client(
        self, client_id: str, *, seen_at: datetime | None = None, touch: bool = True, **fields: Any
    ) -> None:
        """Insert or update one client. Fields left out (or None) keep their cached value."""
        self._upsert_many("clients", [{"client_id": client_id, **fields}], seen_at, touch)

    def upsert_card(
        self, card_id: str, *, seen_at: datetime | None = None, touch: bool = True, **fields: Any
    ) -> None:
        """`card_mask` (or `masked_pan`) is re-masked to first six + last four if it has more."""
        self._upsert_many("cards", [{"card_id": card_id, **fields}], seen_at, touch)

    def upsert_transaction(
        self, transaction_id: str, *, seen_at: datetime | None = None, touch: bool = True, **fields: Any
    ) -> None:
        self._upsert_many("transactions", [{"transaction_id": transaction_id, **fields}], seen_at, touch)

    def _upsert_many(
        self,
        kind: EntityKind,
        items: Iterable[Mapping[str, Any]],
        seen_at: datetime | None,
        touch: bool = True,
    ) -> int:
        """`touch=False` (reads): update what the answer says but keep the entity's place in the
        recent-first lists, which would otherwise reorder under the cursor as a user browses."""
        spec = SPECS[kind]
        seen = to_micros(seen_at) if seen_at is not None else now_us()
        rows = list(items)  # a retry after a reset must see them again

        def run() -> int:
            written = 0
            with self._write():
                for item in rows:
                    written += self._upsert_one(kind, spec, item, seen, touch)
            self._evict_if_needed(kind)
            return written

        return self._guard(run)

    def _upsert_one(
        self, kind: EntityKind, spec: KindSpec, item: Mapping[str, Any], seen: int, touch: bool = True
    ) -> int:
        key = _text(item.get(spec.key))
        if key is None:
            return 0
        values = _VALUES[kind](item)
        names = ", ".join(spec.columns)
        old = self.conn.execute(
            f"SELECT id, {names} FROM {spec.table} WHERE profile = ? AND {spec.key} = ?", (self.profile, key)
        ).fetchone()
        if old is None:
            merged = {spec.key: key, **values}
            self.conn.execute(
                f"INSERT INTO {spec.table} (profile, {spec.key}, {names}, search, last_seen) "
                f"VALUES (?, ?, {', '.join('?' for _ in spec.columns)}, ?, ?)",
                (self.profile, key, *(values[c] for c in spec.columns), spec.search(merged), seen),
            )
            self._counts[kind] = (
                self._count_rows(kind) if kind not in self._counts else self._counts[kind] + 1
            )
            return 1
        merged = {spec.key: key, **{c: values[c] if values[c] is not None else old[c] for c in spec.columns}}
        if kind == "clients" and values["extra"] and old["extra"]:
            merged["extra"] = json.dumps(
                {**json.loads(old["extra"]), **json.loads(values["extra"])},
                ensure_ascii=False,
                sort_keys=True,
            )
        if all(merged[c] == old[c] for c in spec.columns):
            if touch:
                self.conn.execute(f"UPDATE {spec.table} SET last_seen = ? WHERE id = ?", (seen, old["id"]))
        else:
            self.conn.execute(
                f"UPDATE {spec.table} SET {', '.join(f'{c} = ?' for c in spec.columns)}, search = ?, "
                "last_seen = CASE WHEN ? THEN ? ELSE last_seen END WHERE id = ?",
                (*(merged[c] for c in spec.columns), spec.search(merged), touch, seen, old["id"]),
            )
        return 1

    def _count_rows(self, kind: EntityKind) -> int:
        table = SPECS[kind].table
        return int(
            self.conn.execute(f"SELECT count(*) FROM {table} WHERE profile = ?", (self.profile,)).fetchone()[
                0
            ]
        )

    def _evict_if_needed(self, kind: EntityKind) -> None:
        # The in-memory count only grows with our own inserts; the real count is taken when
        # it says we are over (another process may have evicted meanwhile).
        if self._counts.get(kind, 0) <= self.max_entities:
            return
        total = self._count_rows(kind)
        if total > self.max_entities:
            self.evict(kind, total)
        else:
            self._counts[kind] = total

    def evict(self, kind: EntityKind, total: int | None = None) -> int:
        """Drop the least recently seen rows down to 99 % of the bound; returns how many."""
        spec = SPECS[kind]
        with self._lock:
            total = self._count_rows(kind) if total is None else total
            if total <= self.max_entities:
                self._counts[kind] = total
                return 0
            keep = self.max_entities - max(1, self.max_entities // 100)
            excess = total - max(keep, 0)
            with self._write():
                self.conn.execute(
                    f"DELETE FROM {spec.table} WHERE id IN (SELECT id FROM {spec.table} "
                    "WHERE profile = ? ORDER BY last_seen ASC LIMIT ?)",
                    (self.profile, excess),
                )
            self._counts[kind] = total - excess
            return excess

    def prime(
        self,
        clients: Iterable[Mapping[str, Any]] = (),
        cards: Iterable[Mapping[str, Any]] = (),
        transactions: Iterable[Mapping[str, Any]] = (),
    ) -> int:
        """Bulk load (e.g. the sandbox's snapshot, each list oldest first) in one transaction.
        Returns how many entities were written."""
        lists: dict[EntityKind, list[Mapping[str, Any]]] = {
            "clients": [i for i in clients if isinstance(i, Mapping)],
            "cards": [i for i in cards if isinstance(i, Mapping)],
            "transactions": [i for i in transactions if isinstance(i, Mapping)],
        }
        base = now_us()

        def run() -> int:
            written = 0
            with self._write():
                for kind, items in lists.items():
                    spec = SPECS[kind]
                    # Later items are newer: give each a distinct, increasing last_seen.
                    for index, item in enumerate(items):
                        written += self._upsert_one(kind, spec, item, base - len(items) + index + 1)
            for kind in KINDS:
                self._evict_if_needed(kind)
            return written

        return self._guard(run)

    def prime_changes(
        self,
        clients: Iterable[Mapping[str, Any]] = (),
        cards: Iterable[Mapping[str, Any]] = (),
        transactions: Iterable[Mapping[str, Any]] = (),
        *,
        chunk: int = PRIME_CHUNK,
        between: Callable[[int], object] | None = None,
        state: PrimeState | None = None,
    ) -> int:
        """Prime from a snapshot (each list oldest first), writing only the entities that are
        new or differ from what is cached: a console that starts on an unchanged sandbox writes
        nothing. `chunk` entities per short transaction, the lock released between chunks, so a
        list read waits for one chunk at most, not the whole snapshot; `between(written so far)`
        runs after each chunk (a caller on another thread yields there, or reports progress).

        The newest chunk goes first, so a list on an empty cache fills from the top. A new
        entity is placed by its rank in the snapshot, below its newer neighbours as cached (one
        missing from an interrupted prime goes back to its place, not to the top); a changed
        one keeps its place (the sandbox changed it, nobody here looked at it). A snapshot read
        in pages, newest page first, passes one `state` to every page. Returns how many entities
        were written."""
        state = state if state is not None else PrimeState()
        written = 0
        lists: dict[EntityKind, Iterable[Mapping[str, Any]]] = {
            "clients": clients,
            "cards": cards,
            "transactions": transactions,
        }
        for kind, items in lists.items():
            rows = [i for i in items if isinstance(i, Mapping)]
            size = max(1, chunk)
            for start in reversed(range(0, len(rows), size)):
                part = rows[start : start + size]
                written += self._guard(partial(self._prime_chunk, kind, part, state))
                if between is not None:
                    between(written)
            self._guard(partial(self._evict_if_needed, kind))
        return written

    def _prime_chunk(self, kind: EntityKind, part: list[Mapping[str, Any]], state: PrimeState) -> int:
        spec = SPECS[kind]
        newest_first: list[tuple[str, Mapping[str, Any]]] = []
        keys: set[str] = set()
        for item in reversed(part):
            key = _text(item.get(spec.key))
            if key is not None and key not in keys:
                keys.add(key)
                newest_first.append((key, item))
        if not newest_first:
            return 0
        old = {
            row[0]: row
            for row in self.conn.execute(
                f"SELECT {spec.key}, last_seen, {', '.join(spec.columns)} FROM {spec.table} "
                f"WHERE profile = ? AND {spec.key} IN ({', '.join('?' for _ in keys)})",
                (self.profile, *keys),
            )
        }
        todo: list[tuple[Mapping[str, Any], int, bool]] = []
        ceiling = state.ceiling.get(kind, state.base + 1)
        rank = state.done.get(kind, 0)
        for key, item in newest_first:
            row = old.get(key)
            if row is None:
                ceiling = min(state.base - rank, ceiling - 1)
                todo.append((item, ceiling, True))
            else:
                if _would_change(kind, spec, _VALUES[kind](item), row):
                    todo.append((item, row["last_seen"], False))
                ceiling = min(ceiling, row["last_seen"])
            rank += 1
        state.ceiling[kind], state.done[kind] = ceiling, rank
        if not todo:
            return 0
        with self._write():
            for item, seen, new in todo:
                self._upsert_one(kind, spec, item, seen, touch=new)
        return len(todo)

    # --- reading ---

    def get(self, kind: EntityKind, key: str) -> CachedEntity | None:
        spec = SPECS[kind]

        def run() -> CachedEntity | None:
            row = self.conn.execute(
                f"SELECT * FROM {spec.table} WHERE profile = ? AND {spec.key} = ?", (self.profile, key)
            ).fetchone()
            return _record(kind, row) if row is not None else None

        return self._guard(run)

    def _query(
        self,
        kind: EntityKind,
        query: str | None,
        filters: Mapping[str, str | int | None],
        select: str,
        seen_since: datetime | None = None,
    ) -> tuple[str, list[Any]]:
        spec = SPECS[kind]
        tokens = query_tokens(query)
        # Four digits typed in Clients may be the last four of one of the client's cards.
        by_card = [t for t in tokens if kind == "clients" and is_last_four(t)]
        tokens = [t for t in tokens if t not in by_card]
        indexed = [t for t in tokens if len(t) >= 3] if self._fts else []
        where = ["t.profile = ?"]
        params: list[Any] = [self.profile]
        owner = any(filters.get(c) is not None for c in ("client_id", "card_id"))
        for column, value in filters.items():
            if value is not None:
                # With an owner (a client's cards) its index is the narrow one: `+` keeps SQLite
                # from reading every blocked card of the profile instead (it has no statistics).
                unindexed = "+" if owner and column in ("status", "product_id") else ""
                where.append(f"{unindexed}t.{column} = ?")
                params.append(value)
        if seen_since is not None:  # a range of the recent-first index (and of the owner indexes)
            where.append("t.last_seen >= ?")
            params.append(to_micros(seen_since))
        for token in tokens:
            if token not in indexed:
                where.append("t.search LIKE ? ESCAPE '\\'")
                params.append(like_pattern(token))
        # Four digits in Clients: the clients whose own text holds them (a phone, an id) and
        # the owners of a card ending in them (the cards_last4 index), as one rowid list.
        owners = (
            "SELECT c.id FROM cards k CROSS JOIN clients c "
            "ON c.profile = k.profile AND c.client_id = k.client_id "
            "WHERE k.profile = ? AND k.last4 = ?"
        )
        id_lists: list[tuple[str, list[Any]]] = []
        for token in by_card:
            if self._fts:
                id_lists.append(
                    (
                        f"SELECT rowid AS id FROM {spec.fts} WHERE {spec.fts} MATCH ? UNION {owners}",
                        [fts_phrase([token]), self.profile, token],
                    )
                )
            else:
                where.append(f"(t.search LIKE ? ESCAPE '\\' OR t.id IN ({owners}))")
                params += [like_pattern(token), self.profile, token]
        if indexed:
            for ids_sql, ids_params in id_lists:
                where.append(f"t.id IN ({ids_sql})")
                params += ids_params
            # Drive the query from the trigram index; CROSS JOIN keeps SQLite from scanning the
            # recent-first index instead and probing the match set row by row.
            sql = (
                f"SELECT {select} FROM {spec.fts} f CROSS JOIN {spec.table} t ON t.id = f.rowid "
                f"WHERE f.{spec.fts} MATCH ? AND {' AND '.join(where)}"
            )
            return sql, [fts_phrase(indexed), *params]
        if id_lists:
            # Driven from the id list, for the same reason.
            (first_sql, first_params), rest = id_lists[0], id_lists[1:]
            for ids_sql, ids_params in rest:
                where.append(f"t.id IN ({ids_sql})")
                params += ids_params
            sql = (
                f"SELECT {select} FROM ({first_sql}) m CROSS JOIN {spec.table} t ON t.id = m.id "
                f"WHERE {' AND '.join(where)}"
            )
            return sql, [*first_params, *params]
        return f"SELECT {select} FROM {spec.table} t WHERE {' AND '.join(where)}", params

    def search(
        self,
        kind: EntityKind,
        query: str | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
        client_id: str | None = None,
        card_id: str | None = None,
        after: CachedEntity | None = None,
        status: str | None = None,
        product_id: int | None = None,
        seen_since: datetime | None = None,
    ) -> list[CachedEntity]:
        """Recent first. `query` matches any part of ids and names (case-insensitive), phone
        digits and the card's last four (for clients: of any of their cards); several words
        must all match. Page with
        `limit`/`offset`, or with `after=<last record of the previous page>` (keyset: no
        cost for deep pages). `status`, `product_id` (clients, cards) and `seen_since` (last
        seen at or after) narrow it further: the `/` filter's qualifiers (fpconsole.list_filters)."""
        spec = SPECS[kind]
        filters = _owner_filters(kind, client_id, card_id, status, product_id)
        sql, params = self._query(kind, query, filters, "t.*", seen_since)
        if after is not None:
            sql += f" AND (t.last_seen, t.{spec.key}) < (?, ?)"
            params += [to_micros(after.last_seen), after.key]
        sql += f" ORDER BY t.last_seen DESC, t.{spec.key} DESC LIMIT ? OFFSET ?"
        params += [max(0, limit), max(0, offset)]
        return self._guard(lambda: [_record(kind, row) for row in self.conn.execute(sql, params)])

    def count(
        self,
        kind: EntityKind,
        query: str | None = None,
        *,
        client_id: str | None = None,
        card_id: str | None = None,
        status: str | None = None,
        product_id: int | None = None,
        seen_since: datetime | None = None,
    ) -> int:
        filters = _owner_filters(kind, client_id, card_id, status, product_id)
        sql, params = self._query(kind, query, filters, "count(*)", seen_since)
        return self._guard(lambda: int(self.conn.execute(sql, params).fetchone()[0]))

    # --- events ---

    def ingest(self, event: ClientEvent) -> None:
        """EventBus subscriber: keep the cache in step with what the client sees."""
        self._ingester()(event)

    def _ingester(self) -> CacheIngest:
        if self._ingest is None:
            from fpconsole.store.ingest import CacheIngest

            self._ingest = CacheIngest(self)
        return self._ingest

    def knows_request(self, request_id: str) -> bool:
        """Whether a request's body is held for its outcome (it was sent, or recalled, in this run)."""
        return request_id in self._ingester().requests

    def recall_request(self, request_id: str, method: str, request: Mapping[str, Any]) -> None:
        """A request sent before this process started (its journal entry, redacted): its success
        then fills the cache as one sent in this run does (a new client's name, a card's owner)."""
        self._ingester().remember(request_id, method, request)
