"""A served sandbox answers API reads on the event loop, with an engine of the loop's own that
never writes nor waits: an engine thread's round trip cost a read more than the read itself.
Anything that must write (a write, a read that finds requests come due) or that meets a lock
goes to an engine thread as before, so a busy database still never stalls the loop."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.api.signing import HEADER_NAME, sign
from fpconsole.sandbox.app import SandboxRuntime, create_app
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.sandbox.engine.core import WouldWrite
from fpconsole.sandbox.settings import SandboxSettings


@dataclass
class Served:
    client: httpx.AsyncClient
    runtime: SandboxRuntime
    thread_jobs: list[str]

    async def call(self, method_name: str, fields: dict[str, Any]) -> dict[str, Any]:
        method = REGISTRY.resolve(method_name)
        body = json.dumps({"request_id": str(uuid.uuid4()), **fields}).encode()
        signed = sign(body, uri=method.path, auth_id=BUILTIN_SANDBOX_AUTH_ID, secret=BUILTIN_SANDBOX_SECRET)
        answer = await self.client.post(method.path, content=body, headers={HEADER_NAME: signed})
        data: dict[str, Any] = answer.json()
        return data


async def _served(tmp_path: Path, delay: float) -> AsyncIterator[Served]:
    settings = SandboxSettings.default(db=str(tmp_path / "s.sqlite3"), delay=delay, seed=1)
    app = create_app(settings, threads=2)
    runtime: SandboxRuntime = app.state.sandbox
    await runtime.start()  # what the lifespan of `serve` does
    jobs: list[str] = []
    run = runtime.threads.run

    async def counted(fn: Callable[[SandboxEngine], Any]) -> Any:
        jobs.append("job")
        return await run(fn)

    runtime.threads.run = counted  # type: ignore[method-assign]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
        yield Served(client, runtime, jobs)
    runtime.close()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async for made in _served(tmp_path, delay=0):
        yield made


@pytest.fixture
async def served_later(tmp_path: Path) -> AsyncIterator[Served]:
    async for made in _served(tmp_path, delay=0.05):
        yield made


def _add_client_fields() -> dict[str, Any]:
    person = {"phone": 77010000001, "type": 1, "resident": 1, "first_name": "A", "last_name": "B"}
    return {"product_id": 2000, "client": person}


async def test_a_read_is_answered_on_the_loop(served: Served) -> None:
    card = served.runtime.engine.snapshot(partner=BUILTIN_SANDBOX_AUTH_ID, limit=1)["cards"][0]
    statements: list[str] = []
    loop_engine = served.runtime._loop_engine
    assert loop_engine is not None
    loop_engine._conn.set_trace_callback(statements.append)
    answer = await served.call("card.info", {"card_id": card["card_id"]})
    assert answer["status"] == "ok" and card["card_id"] in json.dumps(answer), answer
    assert served.thread_jobs == []
    assert statements and not [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert "BEGIN IMMEDIATE" not in statements


async def test_writes_go_to_an_engine_thread(served: Served) -> None:
    answer = await served.call("client.add", _add_client_fields())
    assert answer["request_status"] == "process", answer
    assert served.thread_jobs == ["job"]


async def test_a_read_that_finds_a_request_come_due_settles_it_in_a_thread(served_later: Served) -> None:
    request_id = str(uuid.uuid4())
    added = await served_later.call("client.add", {"request_id": request_id, **_add_client_fields()})
    assert added["request_status"] == "process"
    served_later.thread_jobs.clear()
    # Poll until settled (the 0.05 s delay runs out); each poll before that is a loop read.
    answer: dict[str, Any] = {}
    for _ in range(10_000):  # guards against hanging only
        answer = await served_later.call("request.status", {"request_id": request_id})
        if answer.get("request_status") != "process":
            break
    assert answer["request_status"] == "success", answer
    assert "job" in served_later.thread_jobs  # the settling read ran in a thread


def test_a_reads_only_engine_refuses_to_write_or_wait(tmp_path: Path) -> None:
    method = REGISTRY.resolve("client.add")
    request = method.request.model_validate({"request_id": str(uuid.uuid4()), **_add_client_fields()})
    with (
        SandboxEngine(tmp_path / "s.sqlite3", delay=0) as writer,
        SandboxEngine(writer.db, delay=0) as reader,
    ):
        reader.reads_only()
        with pytest.raises(WouldWrite):
            reader.handle(method, request, partner=BUILTIN_SANDBOX_AUTH_ID)
        assert reader._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0
        writer.set_controls(BUILTIN_SANDBOX_AUTH_ID, delay=5.0)  # still read fresh by the reader
        assert reader.controls(BUILTIN_SANDBOX_AUTH_ID).delay == 5.0
    with sqlite3.connect(tmp_path / "s.sqlite3") as check:
        assert check.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 0
