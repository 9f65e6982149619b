"""A process killed with SIGKILL mid-write leaves sound databases holding every committed entry."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fpconsole.store.cache import EntityCache
from fpconsole.store.drafts import DraftStore
from fpconsole.store.journal import Journal

CHILD = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from pathlib import Path

    from fpconsole.api.events import RequestSent, ResponseReceived
    from fpconsole.store.cache import EntityCache
    from fpconsole.store.drafts import DraftStore
    from fpconsole.store.journal import Journal

    folder = Path(sys.argv[1])
    journal = Journal.open(folder / "journal.sqlite3", profile="qa")
    cache = EntityCache.open(folder / "cache.sqlite3", profile="qa")
    drafts = DraftStore.open(folder / "drafts.sqlite3")
    n = 0
    while True:
        drafts.save(f"form-{n % 7}", {"n": str(n), "note": "typed " * 20})
        print("draft", n, flush=True)
        rid = f"r{n}"
        now = datetime.now(timezone.utc)
        journal.record(RequestSent("card.block", "/v5/card-api/card/block", rid, {"card_id": str(n)},
                                   {"request_id": rid, "card_id": str(n)}, True, now))
        journal.record(ResponseReceived("card.block", rid, "ok", "success", {"status": "ok"}, 1.0, now))
        print("journal", rid, flush=True)  # reported only once committed
        cache.prime(clients=[{"client_id": f"c{n}-{k}", "first_name": "Crash"} for k in range(20)])
        print("cache", n, flush=True)
        n += 1
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_write_loses_nothing_committed(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert child.stdout is not None
    journal_ids: list[str] = []
    cache_batches: list[int] = []
    drafts_saved: dict[str, str] = {}  # form → the last value reported committed
    try:
        for line in child.stdout:
            kind, value = line.split()
            if kind == "journal":
                journal_ids.append(value)
            elif kind == "draft":
                drafts_saved[f"form-{int(value) % 7}"] = value
            else:
                cache_batches.append(int(value))
            if len(cache_batches) >= 150:
                break
        os.kill(child.pid, signal.SIGKILL)  # while it keeps writing
    finally:
        child.kill()
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    assert (tmp_path / "journal.sqlite3-wal").exists()  # it really died with the WAL open

    for name in ("journal.sqlite3", "cache.sqlite3", "drafts.sqlite3"):
        conn = sqlite3.connect(tmp_path / name)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], name
        conn.close()

    with Journal.open(tmp_path / "journal.sqlite3", profile="qa") as journal:
        stored = {e.request_id: e.outcome for e in journal.entries(limit=100_000)}
        assert set(journal_ids) <= set(stored)
        assert all(stored[rid] == "success" for rid in journal_ids)
    with DraftStore.open(tmp_path / "drafts.sqlite3") as drafts:
        assert drafts.recovered_from is None and len(drafts_saved) == 7
        for form, value in drafts_saved.items():
            found = drafts.load(form)
            # The child may have saved once more after its last report, never less.
            assert found is not None and int(found["n"]) >= int(value), form
    with EntityCache.open(tmp_path / "cache.sqlite3", profile="qa") as cache:
        assert cache.recovered_from is None
        for batch in cache_batches:
            assert cache.get("clients", f"c{batch}-0") is not None and cache.get("clients", f"c{batch}-19")
        assert cache.count("clients", "crash") >= 20 * len(cache_batches)
