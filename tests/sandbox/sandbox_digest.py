"""One digest of a sandbox file's data, for tests that pin what the seed writes."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable

# Bookkeeping for the console's prime, not data: `rev` follows the order rows were written in
# (two seeding steps write the same rows in another order), the epoch is drawn at random.
_NOT_DATA_COLUMNS = {"rev"}


def data_digest(conn: sqlite3.Connection, skip_meta: Callable[[str], bool]) -> str:
    """Every row of every table, in insertion order, without the prime's bookkeeping and without
    the meta rows `skip_meta(key)` names."""
    found = hashlib.sha256()
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
        keep = [i for i, column in enumerate(cursor.description) if column[0] not in _NOT_DATA_COLUMNS]
        for row in cursor:
            if table == "meta" and (str(row[0]).startswith("epoch:") or skip_meta(str(row[0]))):
                continue
            if table == "sequences" and row[0] == "rev":
                continue
            values = [row[i].hex() if isinstance(row[i], bytes) else row[i] for i in keep]
            found.update(json.dumps([table, *values]).encode())
    return found.hexdigest()
