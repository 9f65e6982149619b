"""Two openers of a new sandbox file at once (two consoles on a fresh home, a console and
`fpconsole call`, a first start's child and another console) seed its demo data once: each
decides inside the seed's own write transaction. Both found the file empty before either had
written, and both seeded: 80 clients, 40 distinct phones, half the cards without history (QA 23,
about 40 % of simultaneous starts)."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import pytest

import fpconsole.sandbox.seed as demo
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.sandbox.app import open_engine
from fpconsole.sandbox.settings import SandboxSettings
from fpconsole.session import EMBEDDED_SEED_CLIENTS

# How long the first opener stays inside its seed once the second is on its way: long enough for
# the second to reach its own decision, were it taken outside the transaction.
RACE_WINDOW_S = 0.3


@pytest.mark.parametrize("history_later", [False, True])
def test_two_openers_of_a_new_file_seed_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, history_later: bool
) -> None:
    db = str(tmp_path / "sandbox.sqlite3")
    settings = SandboxSettings.default(db=db, delay=0, seed=EMBEDDED_SEED_CLIENTS)
    if history_later:
        settings = dataclasses.replace(settings, seed_history_later=True)
    first_writing, second_started = threading.Event(), threading.Event()
    real_seed = demo.seed_demo

    def first_holds_its_seed_open(*args: Any, **kwargs: Any) -> Any:
        if not first_writing.is_set():
            first_writing.set()
            assert second_started.wait(timeout=60)
            threading.Event().wait(RACE_WINDOW_S)  # the second opener decides meanwhile, if it can
        return real_seed(*args, **kwargs)

    monkeypatch.setattr(demo, "seed_demo", first_holds_its_seed_open)
    engines: list[Any] = []

    def first() -> None:
        engines.append(open_engine(settings))

    opener = threading.Thread(target=first)
    opener.start()
    assert first_writing.wait(timeout=60)
    second_started.set()
    engines.append(open_engine(settings))
    opener.join(timeout=120)
    try:
        clients = [engine.snapshot(partner=PARTNER, limit=1000)["clients"] for engine in engines]
        assert [len(found) for found in clients] == [EMBEDDED_SEED_CLIENTS] * 2
        assert len({client["phone"] for client in clients[0]}) == EMBEDDED_SEED_CLIENTS
    finally:
        for engine in engines:
            engine.close()
