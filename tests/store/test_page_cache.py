"""Every SQLite connection fpconsole opens keeps a small page cache (issue 13's memory goal): at
SQLite's default, a console over 100,000 rows held ~2 MiB per connection for the whole session."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fpconsole.sandbox.engine import store as engine_store
from fpconsole.store import db


def cache_kib(conn: sqlite3.Connection) -> int:
    pages = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    return -pages  # negative: KiB, as set


def test_the_local_stores_connections_keep_a_small_page_cache(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "cache.sqlite3")
    try:
        assert cache_kib(conn) == db.PAGE_CACHE_KIB < 2000
    finally:
        conn.close()


def test_the_sandboxs_connections_keep_a_small_page_cache(tmp_path: Path) -> None:
    conn = engine_store.connect(tmp_path / "sandbox.sqlite3")
    try:
        assert cache_kib(conn) == engine_store.PAGE_CACHE_KIB < 2000
    finally:
        conn.close()
