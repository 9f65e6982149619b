"""A backup save or load, a reset or a seed rewrites a partner's whole state: on a sandbox of a
million transactions it took two minutes (QA 20). Under the 30 s read timeout the console said
"Load backup failed" and the CLI "no answer" while the load went on and succeeded, so the lists
kept data that was gone. Those four wait up to LONG_CONTROL_TIMEOUT_S; every other call keeps
the read timeout."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from fpconsole.api import errors
from fpconsole.api.client import CardApiClient, ClientOptions
from fpconsole.api.sandbox_control import LONG_CONTROL_TIMEOUT_S, SandboxControl

READ_TIMEOUT = 0.05
ANSWERS = {
    "/sandbox/backup/save": {"status": "ok", "backup": {"name": "big"}},
    "/sandbox/backup/load": {"status": "ok", "backup": {"name": "big"}},
    "/sandbox/reset": {"status": "ok", "deleted": {"clients": 1}},
    "/sandbox/seed": {"status": "ok", "clients": 1},
    "/sandbox/backup/list": {"status": "ok", "backups": []},
}


class SlowSandbox:
    """Answers each route once `released` is set."""

    def __init__(self) -> None:
        self.released = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        await self.released.wait()
        body = json.dumps(ANSWERS[scope["path"]]).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


def control_on(app: SlowSandbox) -> SandboxControl:
    client = CardApiClient(
        base_url="http://sandbox.embedded",
        auth_id="1",
        secret="s",
        transport=httpx.ASGITransport(app=app),
        options=ClientOptions(read_timeout=READ_TIMEOUT, read_retries=0),
    )
    return SandboxControl(client)


WHOLE_STATE: dict[str, Callable[[SandboxControl], Awaitable[Any]]] = {
    "backup save": lambda c: c.save_backup("big"),
    "backup load": lambda c: c.load_backup("big"),
    "reset": lambda c: c.reset(),
    "seed": lambda c: c.seed(1),
}


@pytest.mark.parametrize("words", sorted(WHOLE_STATE))
async def test_a_whole_state_change_waits_past_the_read_timeout_for_its_answer(words: str) -> None:
    app = SlowSandbox()
    control = control_on(app)
    try:
        task = asyncio.ensure_future(WHOLE_STATE[words](control))
        await asyncio.sleep(READ_TIMEOUT * 6)  # the read timeout is long past: the work goes on
        assert not task.done()
        app.released.set()
        async with asyncio.timeout(20):  # only against a hang
            await task
    finally:
        await control.client.aclose()
    assert LONG_CONTROL_TIMEOUT_S >= 600


async def test_a_read_still_ends_at_the_read_timeout() -> None:
    control = control_on(SlowSandbox())
    try:
        async with asyncio.timeout(20):  # only against a hang
            with pytest.raises(errors.TimedOut, match=r"within 0\.05 s"):
                await control.list_backups()
    finally:
        await control.client.aclose()


async def test_the_no_answer_message_names_the_longer_wait() -> None:
    client = CardApiClient(
        base_url="http://sandbox.embedded",
        auth_id="1",
        secret="s",
        transport=httpx.ASGITransport(app=SlowSandbox()),
        options=ClientOptions(read_timeout=READ_TIMEOUT),
    )
    try:
        async with asyncio.timeout(20):  # only against a hang
            with pytest.raises(errors.TimedOut, match=r"within 0\.1 s"):
                await client.post_control("/sandbox/reset", {}, read_timeout=0.1)
    finally:
        await client.aclose()
