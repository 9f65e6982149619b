"""A state change whose answer does not come: the caller learns the moment the client gives up
waiting (its read timeout, a dropped connection) and starts asking request/status about the same
request_id, so a form can show that step while the status poll is still on its way (QA18
finding 6). The request itself is never resent."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from fpconsole.api import errors

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
BLOCK = {"request_id": RID, "card_id": "7001234", "description": "lost"}


async def test_the_caller_hears_of_the_timeout_before_request_status_is_asked(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/block", httpx.ReadTimeout("slow"))
    fake_api.on("request/status", kit.ok("success", cards=[], client_id=None))
    heard: list[tuple[str, int]] = []

    def no_answer(exc: errors.CardApiError) -> None:
        heard.append((type(exc).__name__, len(fake_api.requests_to("request/status"))))

    result = await make_client().call("card.block", BLOCK, on_unknown=no_answer)
    assert heard == [("TimedOut", 0)]  # told before the poll went out
    assert result.recovered and result.request_status == "success"
    assert len(fake_api.requests_to("card/block")) == 1


async def test_an_answered_call_or_a_read_never_says_it(make_client: Any, fake_api: Any, kit: Any) -> None:
    fake_api.on("card/block", kit.ok("success"))
    fake_api.on("card/info", httpx.ReadTimeout("slow"))
    heard: list[object] = []
    client = make_client(read_retries=0)
    await client.call("card.block", BLOCK, on_unknown=heard.append)
    with contextlib.suppress(errors.TimedOut):
        await client.call("card.info", {"card_id": "7001234"}, on_unknown=heard.append)
    assert heard == []  # a read has no outcome to ask about: it is retried or fails


async def test_a_failing_listener_does_not_break_the_recovery(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/block", httpx.ReadTimeout("slow"))
    fake_api.on("request/status", kit.ok("success", cards=[], client_id=None))

    def broken(_: object) -> None:
        raise RuntimeError("listener bug")

    result = await make_client().call("card.block", BLOCK, on_unknown=broken)
    assert result.recovered and result.request_status == "success"
