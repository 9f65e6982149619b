"""The whole card lifecycle through the real client and the real engine, in-process."""

from __future__ import annotations

from typing import Any

from fpconsole.sandbox.embedded import embedded_transport
from fpconsole.sandbox.settings import SandboxSettings


async def test_full_lifecycle_over_asgi_transport(lifecycle: Any, kit: Any) -> None:
    transport = embedded_transport(SandboxSettings.default(delay=0))
    client = kit.real_client("http://sandbox.embedded", transport)
    try:
        ids = await lifecycle(client)
        snapshot = await client.post_control("/sandbox/snapshot", {})
    finally:
        await client.aclose()
    (card,) = [c for c in snapshot["cards"] if c["card_id"] == ids["card_id"]]
    assert card["status"] == "closed"
    assert "*" in card["card_mask"] and "pan" not in card
