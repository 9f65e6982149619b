"""Deadlines for receiving a request, so a stalled client cannot hold a served sandbox's
connection (and, 200 of them, the server) forever.

uvicorn bounds only the idle time *between* requests (`timeout_keep_alive`), and any byte
received cancels that timer: a client that sends half its headers, or a Content-Length and half
the body, is waited for indefinitely. Two pieces close the gap:

- `protocol_with_deadline`: uvicorn's HTTP protocol (h11 or httptools, whichever uvicorn picks)
  with a timer armed when a connection opens and after each answer; if no request has begun
  being answered when it fires (headers still incomplete, or a body still trickling after the
  answer), the connection is closed.
- `BodyDeadline`: ASGI middleware that gives the body of a request `seconds` from the moment its
  headers arrived. When it runs out, the client gets `408 request_timeout` with
  `Connection: close` (uvicorn closes the socket after it) and the app sees the client as gone.

Once the whole body has arrived no deadline applies: an answer may take as long as it takes
(latency and timeout faults hold answers on purpose).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_REQUEST_TIMEOUT_S: Final = 15.0


def _timeout_answer(seconds: float) -> tuple[list[tuple[bytes, bytes]], bytes]:
    # Imported here: app.py imports this module's neighbours, and the envelope is built once.
    from fpconsole.sandbox.app import error_body

    body = json.dumps(
        error_body(
            "request_timeout",
            f"the request body did not arrive within {seconds:g} s; send the whole request at once",
        ),
        separators=(",", ":"),
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    return headers, body


class BodyDeadline:
    """Gives each HTTP request `seconds` to deliver its whole body (see the module docstring)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # asyncio's own timeout, not anyio's cancel scope: uvicorn runs asyncio, and the scope
        # cost a served read 5 % of its time (bench/sandbox_throughput.py).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_done = False
        answered = False  # the app started its answer
        timed_out = False

        async def guarded_receive() -> Message:
            nonlocal body_done, timed_out
            if body_done or timed_out:
                return await receive()  # waiting for a disconnect (a held answer): no deadline
            try:
                async with asyncio.timeout(max(deadline - loop.time(), 0)):
                    message = await receive()
            except TimeoutError:
                pass
            else:
                if message["type"] != "http.request" or not message.get("more_body", False):
                    body_done = True
                return message
            timed_out = True
            if not answered:
                headers, body = _timeout_answer(self.seconds)
                await send({"type": "http.response.start", "status": 408, "headers": headers})
                await send({"type": "http.response.body", "body": body})
            return {"type": "http.disconnect"}

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if timed_out:
                return  # the client was answered 408 and is being disconnected
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        await self.app(scope, guarded_receive, guarded_send)


def protocol_with_deadline(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class, closing connections that do not start a request in time.

    Uses what both of uvicorn's HTTP/1.1 protocols have: `loop`, `transport`, `cycle` (the
    request being answered, None before the first) and the connection_made / on_response_complete
    / connection_lost hooks."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    base: Any = AutoHTTPProtocol

    class DeadlineProtocol(base):  # type: ignore[misc]
        _request_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._request_timer = self.loop.call_later(seconds, self._drop_if_no_request)

        def _disarm(self) -> None:
            if self._request_timer is not None:
                self._request_timer.cancel()
                self._request_timer = None

        def _drop_if_no_request(self) -> None:
            self._request_timer = None
            cycle = self.cycle
            # A request whose headers arrived is the app's (BodyDeadline bounds its body); with
            # none, the client has stalled mid-headers or is trickling a body nobody reads.
            if (cycle is None or cycle.response_complete) and not self.transport.is_closing():
                self.transport.close()

    DeadlineProtocol.__name__ = f"Deadline{base.__name__}"
    return DeadlineProtocol
