"""A first start cut off while the demo data was being written (an SSH session dropped, Ctrl+C)
gets its demo data at the next start. The file already held the schema then, and "a database
file that exists is not new" left the sandbox empty for good."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fpconsole.sandbox import seed as seed_module
from fpconsole.sandbox.app import open_engine
from fpconsole.sandbox.settings import SandboxSettings
from fpconsole.session import EMBEDDED_SEED_CLIENTS, embedded_transport

PARTNER = SandboxSettings.default().partner_ids[0]


def clients_in(db: Path) -> int:
    engine = open_engine(SandboxSettings.default(db=str(db), delay=0))
    try:
        return len(engine.snapshot(partner=PARTNER, limit=10_000).get("clients") or [])
    finally:
        engine.close()


def open_embedded(db: Path) -> None:
    transport = embedded_transport(delay=0, db=str(db))
    engine = transport.runtime.engine  # opening it is what seeds
    assert engine is not None
    transport.runtime.close()


def test_a_seed_cut_off_midway_is_done_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "sandbox.sqlite3"
    real_seed = seed_module.seed_demo

    def cut_off(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt  # as a kill would, inside the seed's transaction

    monkeypatch.setattr(seed_module, "seed_demo", cut_off)
    with pytest.raises(KeyboardInterrupt):
        open_embedded(db)
    assert db.stat().st_size > 0 and clients_in(db) == 0  # the schema is there, no data

    monkeypatch.setattr(seed_module, "seed_demo", real_seed)
    open_embedded(db)
    assert clients_in(db) == EMBEDDED_SEED_CLIENTS


def test_a_sandbox_emptied_on_purpose_stays_empty(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    open_embedded(db)
    engine = open_engine(SandboxSettings.default(db=str(db), delay=0))
    engine.reset(PARTNER)
    engine.close()
    open_embedded(db)
    assert clients_in(db) == 0
