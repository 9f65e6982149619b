"""Who sent each journalled request, why, and a hash chain that shows when the journal was edited.

Every journal entry records the operator (`user@host`, as the console's top bar shows it), the
profile, and for block, unblock, close and refund the reason typed (the request's
`description`, where the console's confirmation and `call description=…` put it).

The chain is per profile (retention trims each profile's oldest entries, so a profile's chain
loses only its start). An entry keeps two hashes, because its status and answer change after it
is written (sent → process → success) while what was asked does not:

- `hash` links the entry into the chain: SHA-256 over the previous entry's hash and the fields
  fixed when it was written (id, profile, request_id, method, path, targets, request, time,
  operator, reason);
- `state_hash` covers `hash` and everything that changes later (outcome, error, latency, answer,
  status timeline), recomputed in the same transaction as each change.

So an edited field, a deleted or a reordered entry breaks the chain at that entry. The
`audit_chain` table keeps each chain's first and last entry (a tail cut off is seen too) and the
last entry retention deleted (the chain then starts from it). There is no secret key: anyone
who can write the file can rebuild every hash — the chain shows accidents and casual edits; a
team that needs more sends a copy elsewhere as entries are written (store/audit_copy.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from fpconsole.api.names import MethodName

# A journal row: as SQLite returns it, or as a dict of the same columns.
StoredRow: TypeAlias = sqlite3.Row | Mapping[str, Any]

USER_HOST_ENV: Final = "FPCONSOLE_USER_HOST"
# The previous hash of a chain's first entry (nothing before it).
GENESIS: Final = "0" * 64
# Methods whose `description` is the reason an operator gives for the change.
REASON_METHODS: Final = frozenset(
    {
        MethodName.CARD_BLOCK,
        MethodName.CARD_UNBLOCK,
        MethodName.CARD_CLOSE,
        MethodName.TRANSACTION_REFUND,
    }
)
REASON_FIELD: Final = "description"
# The stored columns each hash covers, in this order (the order is part of the format).
LINK_FIELDS: Final = (
    "prev_hash",
    "id",
    "profile",
    "request_id",
    "method",
    "path",
    "target_ids",
    "request",
    "changes_state",
    "sent_at",
    "sent_ts",
    "operator",
    "reason",
)
STATE_FIELDS: Final = (
    "hash",
    "outcome",
    "error_code",
    "error_description",
    "latency_ms",
    "response",
    "updated_at",
    "changes",
)
REAL_FIELDS: Final = frozenset({"sent_ts", "latency_ms"})
CHAIN_TABLE: Final = """CREATE TABLE audit_chain (
    profile TEXT PRIMARY KEY,
    first_id INTEGER NOT NULL,   -- the chain's first entry; older ones predate the chain
    head_id INTEGER NOT NULL,    -- its newest entry and that entry's hash
    head_hash TEXT NOT NULL,
    anchor_id INTEGER,           -- the newest entry retention deleted, and its hash
    anchor_hash TEXT
)"""


def operator_name() -> str:
    """`user@host` as the console's top bar shows it (FPCONSOLE_USER_HOST overrides both)."""
    override = os.environ.get(USER_HOST_ENV)
    if override:
        return override
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        user = "user"
    return f"{user}@{socket.gethostname()}"


def reason_of(method: str, request: Mapping[str, Any] | None) -> str | None:
    """The reason typed for a block, unblock, close or refund; None for other methods."""
    if method not in REASON_METHODS or not request:
        return None
    value = request.get(REASON_FIELD)
    return value.strip() or None if isinstance(value, str) else None


def _digest(values: list[Any]) -> str:
    # Stored values only (text, integers, reals, NULL), each as SQLite gives it back: JSON of
    # them is one exact text whichever process computes it.
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _field(row: StoredRow, name: str) -> Any:
    value = row[name]
    # SQLite keeps a whole REAL as an integer on disk and hands it back as 30000.0 from a
    # SELECT but as 30000 from RETURNING: the hash takes REAL columns as floats either way.
    if name in REAL_FIELDS and value is not None:
        return float(value)
    return value


def link_hash(row: StoredRow) -> str:
    return _digest([_field(row, name) for name in LINK_FIELDS])


def state_hash(row: StoredRow) -> str:
    return _digest([_field(row, name) for name in STATE_FIELDS])


@dataclass(frozen=True, slots=True)
class ChainHead:
    first_id: int
    head_id: int
    head_hash: str
    anchor_id: int | None
    anchor_hash: str | None


def chain_head(conn: sqlite3.Connection, profile: str) -> ChainHead | None:
    row = conn.execute(
        "SELECT first_id, head_id, head_hash, anchor_id, anchor_hash FROM audit_chain WHERE profile = ?",
        (profile,),
    ).fetchone()
    return ChainHead(*row) if row is not None else None


def _stored(value: Any) -> Any:
    """A value as SQLite gives it back: a str subclass (a MethodName) is text, a bool an integer."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    return value


def sealed(row: Mapping[str, Any]) -> dict[str, Any]:
    """A new entry's columns (every one the hashes cover, prev_hash and id included), with its
    `hash` and `state_hash` added."""
    stored = {name: _stored(value) for name, value in row.items()}
    stored["hash"] = link_hash(stored)
    stored["state_hash"] = state_hash(stored)
    return stored


def advance_head(conn: sqlite3.Connection, profile: str, row_id: int, row_hash: str) -> None:
    """The profile's chain now ends with this entry (same transaction as its insert)."""
    conn.execute(
        """INSERT INTO audit_chain (profile, first_id, head_id, head_hash) VALUES (?, ?, ?, ?)
           ON CONFLICT(profile) DO UPDATE SET head_id = excluded.head_id, head_hash = excluded.head_hash""",
        (profile, row_id, row_id, row_hash),
    )


def previous_hash(conn: sqlite3.Connection, profile: str) -> str:
    """What the next entry of this profile links to: the chain's newest entry (still there, or
    deleted by retention as the anchor records), or GENESIS for a chain not started yet."""
    head = chain_head(conn, profile)
    return head.head_hash if head is not None else GENESIS


def reseal(conn: sqlite3.Connection, row: StoredRow) -> None:
    """Recompute an entry's state_hash after its status or answer changed (same transaction;
    `row` as the UPDATE returned it). An entry written before the chain stays outside it."""
    if row["hash"] is not None:
        conn.execute("UPDATE requests SET state_hash = ? WHERE id = ?", (state_hash(row), row["id"]))


def note_pruned(conn: sqlite3.Connection, profile: str, last_deleted_id: int) -> None:
    """Retention is about to delete this profile's entries up to `last_deleted_id`: the chain
    then starts from the newest chained one of them (same transaction as the delete)."""
    row = conn.execute(
        "SELECT id, hash FROM requests WHERE profile = ? AND id <= ? AND hash IS NOT NULL "
        "ORDER BY id DESC LIMIT 1",
        (profile, last_deleted_id),
    ).fetchone()
    if row is not None:
        conn.execute(
            "UPDATE audit_chain SET anchor_id = ?, anchor_hash = ? WHERE profile = ?",
            (row[0], row[1], profile),
        )


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What `fpconsole journal verify` says about one profile's chain."""

    profile: str
    intact: bool
    entries: int  # entries of this profile in the journal
    chained: int  # of them, entries in the chain (when broken: the intact ones before the break)
    first_id: int | None  # where the chain starts (None: not started)
    before_chain: int  # entries written before the chain existed
    pruned_before: int | None  # the last entry retention deleted, when the chain starts after it
    broken_at: int | None = None  # the first entry where the chain breaks
    problem: str | None = None  # why, for people

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "intact": self.intact,
            "entries": self.entries,
            "chained": self.chained,
            "chain_starts_at": self.first_id,
            "before_chain": self.before_chain,
            "pruned_before": self.pruned_before,
            "broken_at": self.broken_at,
            "problem": self.problem,
        }


def _describe(row: StoredRow) -> str:
    rid = row["request_id"] or "no request_id"
    return f"{row['method']} {rid}, sent {row['sent_at']}"


def verify_chain(conn: sqlite3.Connection, profile: str) -> ChainReport:
    """Walk the profile's entries in order and check every link. One read transaction: a
    snapshot, so an entry another process appends meanwhile is not taken for a broken tail."""
    conn.execute("BEGIN")
    try:
        return _verify(conn, profile)
    finally:
        conn.execute("COMMIT")


def _verify(conn: sqlite3.Connection, profile: str) -> ChainReport:
    head = chain_head(conn, profile)
    start = head.first_id if head is not None else None
    after = head.anchor_id if head is not None else None
    expected = head.anchor_hash if head is not None and head.anchor_hash is not None else GENESIS
    entries = int(conn.execute("SELECT count(*) FROM requests WHERE profile = ?", (profile,)).fetchone()[0])
    chained = before = 0
    last: StoredRow | None = None

    def report(broken_at: int | None = None, problem: str | None = None) -> ChainReport:
        return ChainReport(
            profile, problem is None, entries, chained, start, before, after, broken_at, problem
        )

    for row in conn.execute("SELECT * FROM requests WHERE profile = ? ORDER BY id", (profile,)):
        if row["hash"] is None and (start is None or row["id"] < start):
            before += 1  # written before this journal had a chain
            continue
        where = f"entry #{row['id']} ({_describe(row)})"
        if start is None:
            return report(row["id"], f"{where} is chained but the record of the chain is missing")
        if row["hash"] is None:
            return report(row["id"], f"{where} has no chain hash: it was added or altered outside fpconsole")
        if row["prev_hash"] != expected:
            previous = f"#{last['id']}" if last is not None else "the start of the chain"
            return report(
                row["id"],
                f"{where} does not follow {previous}: an entry between them was deleted, "
                "or entries were reordered",
            )
        if link_hash(row) != row["hash"]:
            return report(
                row["id"],
                f"{where} was changed after it was written (its request, targets, time, operator "
                "or reason), or moved",
            )
        if state_hash(row) != row["state_hash"]:
            return report(row["id"], f"{where}: its outcome, answer or status history was changed")
        expected, last = row["hash"], row
        chained += 1
    if head is None or expected == head.head_hash:
        return report()  # the newest entry is the one the chain ends with (or all were pruned)
    gone = f"after #{last['id']}" if last is not None else "of the chain"
    return report(
        head.head_id,
        f"the chain's last entry #{head.head_id} is missing: the entries {gone} were deleted",
    )
