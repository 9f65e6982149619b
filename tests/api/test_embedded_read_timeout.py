"""The embedded sandbox keeps the wait the console announces: "no answer within 30 s" (the
client's error) and "the client waits up to 30 s" (the form) are the read timeout. An in-process
app has no connection to open, so the connect timeout is not added to it (it was: 35 s)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from fpconsole.api import errors
from fpconsole.api.client import CardApiClient, ClientOptions


async def never_answers(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await asyncio.Event().wait()


async def test_an_embedded_call_with_no_answer_ends_at_the_read_timeout() -> None:
    # A connect timeout far longer than the guard below: the call must not wait for it.
    options = ClientOptions(read_timeout=0.05, connect_timeout=3600.0)
    client = CardApiClient(
        base_url="http://sandbox",
        auth_id="1",
        secret="s",
        transport=httpx.ASGITransport(app=never_answers),
        options=options,
    )
    try:
        async with asyncio.timeout(20):  # only against a hang
            with pytest.raises(errors.TimedOut, match=r"within 0\.05 s"):
                await client._send_raw("/v5/card-api/card/info", {}, b"{}")
    finally:
        await client.aclose()
