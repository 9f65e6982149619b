"""Ctrl+C while a call waits is never lost.

Python 3.11's asyncio.wait_for returns the inner result when the cancellation arrives in the same
turn of the loop as that result, swallowing the cancellation: `call --wait` on the embedded
sandbox then ignored Ctrl+C and waited out the request (a 60 s hang in .ci/run, under load).
Each attempt here cancels a call a different number of loop turns after it started; whenever the
cancellation was accepted (cancel() returned True), the call must end cancelled."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from fpconsole.api.client import CardApiClient


async def instant_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body = json.dumps({"status": "success"}).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


async def test_a_cancelled_embedded_send_always_ends_cancelled() -> None:
    client = CardApiClient(
        base_url="http://sandbox", auth_id="1", secret="s", transport=httpx.ASGITransport(app=instant_app)
    )
    swallowed = []
    try:
        for turns in range(40):
            task = asyncio.create_task(client._send_raw("/v5/card-api/card/info", {}, b"{}"))
            for _ in range(turns):
                await asyncio.sleep(0)
            accepted = task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                continue
            if accepted:
                swallowed.append(turns)
    finally:
        await client.aclose()
    assert swallowed == [], f"cancellation swallowed after {swallowed} loop turns"
