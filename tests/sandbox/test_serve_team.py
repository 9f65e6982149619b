"""`sandbox serve` for a team: engine calls off the event loop, `--workers N` on one database file
(state and fault settings shared), `/sandbox/health`. The served tests (marked slow) run the real
server in a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from fpconsole.sandbox.app import create_app
from fpconsole.sandbox.partners import PARTNERS_ENV
from fpconsole.sandbox.serve import WORKER_ENV, _worker_settings_json, banner, main, parse_options, worker_app
from fpconsole.sandbox.settings import SandboxSettings

OTHER_ID, OTHER_SECRET = "42", "second-secret"
WAIT = 60.0  # seconds: only guards against hanging
PERSON = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}


# --- flags ---------------------------------------------------------------------------------------


def test_workers_on_an_in_memory_database_are_refused_naming_db(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "--workers" in err and "--db FILE" in err


@pytest.mark.parametrize("value", ["0", "33", "two", "-1"])
def test_workers_out_of_range_are_refused(
    value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--workers", value, "--db", str(tmp_path / "s.sqlite3")]) == 2
    assert "--workers" in capsys.readouterr().err


def test_the_banner_says_how_many_workers(tmp_path: Path) -> None:
    options = parse_options(["--workers", "3", "--db", str(tmp_path / "s.sqlite3")])
    assert options.workers == 3
    assert "workers: 3 processes sharing the database" in banner(options, 8642)
    assert "workers" not in banner(parse_options([]), 8642)


async def test_a_worker_builds_its_app_from_the_environment_not_argv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kit: Any
) -> None:
    db = tmp_path / "s.sqlite3"
    monkeypatch.setenv(PARTNERS_ENV, f"{OTHER_ID}:{OTHER_SECRET}")
    options = parse_options(
        ["--workers", "2", "--db", str(db), "--delay", "0", "--faults", "card.block:error_rate=1"]
    )
    text = _worker_settings_json(options)
    assert OTHER_SECRET in text  # the secret travels here, in the environment of the workers only
    monkeypatch.setenv(WORKER_ENV, text)
    app = worker_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=kit.BASE) as client:
        health = (await client.get("/sandbox/health")).json()
        assert health["workers"] == 2 and health["db"] == str(db) and health["partners"] == 1
        assert health["faults"] == "card.block:error_rate=1"
        answer = await kit.post(
            client, "/sandbox/snapshot", {"limit": 1}, auth_id=OTHER_ID, secret=OTHER_SECRET
        )
        assert answer.json()["status"] == "ok", answer.text
    inner: Any = app
    while not hasattr(inner, "state"):
        inner = inner.app
    inner.state.sandbox.close()


# --- engine calls off the event loop --------------------------------------------------------------


async def _blocked_engine_thread(runtime: Any) -> tuple[asyncio.Task[object], threading.Event]:
    """An engine thread held by a call that waits until told (a slow call, a busy wait)."""
    release, entered = threading.Event(), threading.Event()

    def slow(engine: object) -> object:
        entered.set()
        release.wait(WAIT)
        return None

    task = asyncio.ensure_future(runtime.run(slow))
    for _ in range(int(WAIT * 100)):
        if entered.is_set():
            break
        await asyncio.sleep(0.01)
    assert entered.is_set()
    return task, release


@pytest.mark.parametrize("db", ["file", ":memory:"])
async def test_a_slow_engine_call_stalls_neither_health_nor_other_calls(
    db: str, tmp_path: Path, kit: Any
) -> None:
    target = str(tmp_path / "s.sqlite3") if db == "file" else ":memory:"
    settings = SandboxSettings.default(db=target, delay=0, seed=1)
    app = create_app(settings)
    runtime = app.state.sandbox
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=kit.BASE) as client:
        card = (await kit.post(client, "/sandbox/snapshot", {"limit": 1})).json()["cards"][0]["card_id"]
        task, release = await _blocked_engine_thread(runtime)
        try:
            health = await client.get("/sandbox/health")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            if db == "file":  # another engine thread, with its own connection, answers meanwhile
                read = await kit.post(client, kit.CARD_INFO, {"request_id": kit.REQUEST_ID, "card_id": card})
                assert read.json()["status"] == "ok", read.text
            assert not task.done()
        finally:
            release.set()
        await asyncio.wait_for(task, WAIT)
    runtime.close()


async def test_no_database_transaction_runs_on_the_event_loop(
    tmp_path: Path, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any transaction on the loop's thread may wait up to the busy timeout for another process's
    # write lock, and the whole server (health included) with it. Reads, writes, control routes,
    # and enough calls that the received-requests log writes its batches.
    from fpconsole.sandbox.engine import partner_state, store

    threads: set[int] = set()
    for name in ("write", "read"):
        original = getattr(store, name)

        def recorded(conn: sqlite3.Connection, _original: Any = original) -> Any:
            threads.add(threading.get_ident())
            return _original(conn)

        monkeypatch.setattr(store, name, recorded)
    app = create_app(SandboxSettings.default(db=str(tmp_path / "s.sqlite3"), delay=0, seed=1))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=kit.BASE) as client:
        card = (await kit.post(client, "/sandbox/snapshot", {"limit": 1})).json()["cards"][0]["card_id"]
        for n in range(partner_state.FLUSH_AT + 20):
            read = await kit.post(client, kit.CARD_INFO, {"request_id": kit.REQUEST_ID, "card_id": card})
            assert read.json()["status"] == "ok", read.text
            if n % 10 == 0:
                added = {"request_id": str(uuid.uuid4()), "product_id": 2000, "client": PERSON}
                assert (await kit.post(client, "/v5/card-api/client/add", added)).json()["status"] == "ok"
        assert (await client.get("/sandbox/health")).json()["status"] == "ok"
    serving = set(threads)  # closing (which flushes what is buffered) is no longer serving
    app.state.sandbox.close()
    assert serving and threading.get_ident() not in serving


async def test_engine_calls_run_in_engine_threads_with_their_own_engine(tmp_path: Path) -> None:
    app = create_app(SandboxSettings.default(db=str(tmp_path / "s.sqlite3"), delay=0))
    runtime = app.state.sandbox
    loop_thread = threading.get_ident()
    seen = await runtime.run(lambda engine: (threading.get_ident(), engine is runtime.engine))
    assert seen[0] != loop_thread and seen[1]
    runtime.close()


# --- served ------------------------------------------------------------------------------------


def _post(base: str, path: str, payload: Any, kit: Any, **sign: Any) -> dict[str, Any]:
    body = kit.compact(payload)
    # A fresh connection each time, so that with several workers any of them may answer.
    answer = httpx.post(base + path, content=body, headers=kit.headers(path, body, **sign), timeout=WAIT)
    assert answer.status_code in (200, 503), answer.text
    data: dict[str, Any] = answer.json()
    return data


@pytest.mark.slow
def test_a_held_write_lock_stalls_neither_health_nor_another_partners_read(
    served_factory: Any, kit: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "sandbox.sqlite3"
    monkeypatch.setenv(PARTNERS_ENV, f"{kit.AUTH_ID}:{kit.SECRET},{OTHER_ID}:{OTHER_SECRET}")
    served = served_factory("--db", str(db), "--delay", "0", "--seed", "1")
    other = {"auth_id": OTHER_ID, "secret": OTHER_SECRET}
    card = _post(served.base_url, "/sandbox/snapshot", {"limit": 1}, kit, **other)["cards"][0]["card_id"]

    holder = sqlite3.connect(db, isolation_level=None)  # another program writing to the file
    holder.execute("BEGIN IMMEDIATE")
    person = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}
    with ThreadPoolExecutor(1) as pool:
        write = pool.submit(
            _post,
            served.base_url,
            "/v5/card-api/client/add",
            {"request_id": "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10", "product_id": 2000, "client": person},
            kit,
        )
        try:
            health = httpx.get(served.base_url + "/sandbox/health", timeout=WAIT).json()
            assert health["status"] == "ok"
            read = _post(
                served.base_url, kit.CARD_INFO, {"request_id": kit.REQUEST_ID, "card_id": card}, kit, **other
            )
            assert read["status"] == "ok", read
            assert not write.done()  # still waiting for the lock, in its engine thread
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert write.result(WAIT)["request_status"] == "process"
    code, out, _ = served.stop()
    assert code == 0 and "fpconsole sandbox stopped" in out


@pytest.mark.slow
def test_two_workers_share_state_and_fault_settings_and_stop_together(
    served_factory: Any, kit: Any, tmp_path: Path
) -> None:
    db = tmp_path / "sandbox.sqlite3"
    served = served_factory("--db", str(db), "--delay", "0", "--seed", "1", "--workers", "2")
    assert "workers: 2" in served.banner
    health = httpx.get(served.base_url + "/sandbox/health", timeout=WAIT).json()
    assert health["workers"] == 2 and health["db"] == str(db)
    workers = psutil.Process(served.process.pid).children(recursive=True)
    assert len([w for w in workers if "python" in w.name().lower()]) >= 2

    card = _post(served.base_url, "/sandbox/snapshot", {"limit": 1}, kit)["cards"][0]["card_id"]
    person = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}
    request_id = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
    added = _post(
        served.base_url,
        "/v5/card-api/client/add",
        {"request_id": request_id, "product_id": 2000, "client": person},
        kit,
    )
    assert added["status"] == "ok", added
    # Whichever worker answers knows the request (and settles it): the state is the file's.
    for _ in range(12):
        status = _post(served.base_url, "/v5/card-api/request/status", {"request_id": request_id}, kit)
        assert status["request_status"] == "success", status

    read = {"request_id": kit.REQUEST_ID, "card_id": card}
    set_faults = _post(served.base_url, "/sandbox/faults", {"methods": {"card.info": {"error_rate": 1}}}, kit)
    assert set_faults["status"] == "ok", set_faults
    for _ in range(12):  # a fault set through one worker holds in every worker
        assert _post(served.base_url, kit.CARD_INFO, read, kit)["error_code"] == "injected_error"
    assert _post(served.base_url, "/sandbox/faults", {}, kit)["status"] == "ok"
    for _ in range(12):
        assert _post(served.base_url, kit.CARD_INFO, read, kit)["status"] == "ok"

    code, out, _ = served.stop(sig=signal.SIGINT)
    assert code == 0 and "fpconsole sandbox stopped" in out
    _gone, alive = psutil.wait_procs(workers, timeout=WAIT)
    assert not alive
    json.loads(json.dumps(health))  # health is plain JSON


@pytest.mark.slow
def test_serves_without_uvloop_and_httptools(kit: Any, tmp_path: Path) -> None:
    # uvicorn[standard] is a dependency, but a platform without its wheels must still serve:
    # uvicorn falls back to asyncio and h11, which the deadline protocol wraps as well.
    code = (
        "import sys; sys.modules['uvloop'] = None; sys.modules['httptools'] = None\n"
        "from fpconsole.sandbox.serve import main\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--port", "0", "--db", str(tmp_path / "s.sqlite3"), "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "listening on" in first, first
        base = first.split("listening on", 1)[1].strip()
        card = _post(base, "/sandbox/snapshot", {"limit": 1}, kit)["cards"][0]["card_id"]
        read = _post(base, kit.CARD_INFO, {"request_id": kit.REQUEST_ID, "card_id": card}, kit)
        assert read["status"] == "ok", read
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err
    assert "uvloop" not in err and "Traceback" not in err
