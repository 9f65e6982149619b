"""A stalled client is dropped (issue 12, item 19): half-sent bodies and half-sent headers do not
hold a served sandbox's connections forever. Raw sockets against `sandbox serve
--request-timeout N`; each test waits on the server closing the socket, with a generous
deadline that only fails a hang (no timed assert)."""

from __future__ import annotations

import socket
import time
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import pytest

from fpconsole.sandbox.deadlines import BodyDeadline

HANG: float = 60.0  # fails only a server that never lets go


def _connect(base_url: str) -> socket.socket:
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=HANG)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or HANG passes)."""
    received = b""
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.1))
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        except TimeoutError:
            break
        if not chunk:
            return received
        received += chunk
    raise AssertionError(f"the server kept a stalled connection open for {HANG:g} s: {received!r}")


def _partial_post(kit: Any, path: str = "/v5/card-api/card/info") -> bytes:
    body = kit.compact({"request_id": kit.REQUEST_ID, "card_id": "7001001"})
    headers = kit.headers(path, body)
    head = f"POST {path} HTTP/1.1\r\nHost: sandbox\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body[: len(body) // 2]


@pytest.mark.slow
def test_half_sent_bodies_are_answered_408_and_closed(served_factory: Any, kit: Any) -> None:
    # 5 s: the headers must reach the server before its header deadline, even on a loaded box.
    served = served_factory("--request-timeout", "5", "--delay", "0")
    stalled: list[socket.socket] = []
    try:
        for _ in range(50):
            stalled.append(_connect(served.base_url))
            stalled[-1].sendall(_partial_post(kit))
        answers = [_read_until_closed(sock) for sock in stalled]
    finally:
        for sock in stalled:
            sock.close()
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert b"request_timeout" in answer and b"connection: close" in answer.lower()
    # The server is well and answers a whole request at once.
    health = httpx.get(served.base_url + "/sandbox/health", timeout=HANG)
    assert health.json()["status"] == "ok"
    code, _, err = served.stop()
    assert code == 0 and "Traceback" not in err, err


@pytest.mark.slow
def test_half_sent_headers_and_silent_connections_are_closed(served_factory: Any, kit: Any) -> None:
    served = served_factory("--request-timeout", "1")
    silent = _connect(served.base_url)
    half_headers = _connect(served.base_url)
    half_headers.sendall(b"POST /v5/card-api/card/info HTTP/1.1\r\nHost: sandbox\r\nContent-Le")
    # After one whole answer on a keep-alive connection, a second request that stalls.
    reused = _connect(served.base_url)
    reused.sendall(b"GET /sandbox/health HTTP/1.1\r\nHost: sandbox\r\n\r\n")
    first = b""
    while b'"status":"ok"' not in first:
        chunk = reused.recv(65536)
        assert chunk, first
        first += chunk
    reused.sendall(b"GET /sandbox/health HTTP/1.1\r\nHo")
    try:
        for sock in (silent, half_headers, reused):
            assert _read_until_closed(sock) == b""
    finally:
        for sock in (silent, half_headers, reused):
            sock.close()
    assert served.stop()[0] == 0


@pytest.mark.slow
def test_a_body_trickled_to_a_path_nobody_reads_is_cut(served_factory: Any) -> None:
    # A 404 is answered without reading the body; the rest of the body must not keep it open.
    served = served_factory("--request-timeout", "5")
    sock = _connect(served.base_url)
    try:
        sock.sendall(b"POST /nowhere HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 1000\r\n\r\nabc")
        answer = _read_until_closed(sock)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 404 "), answer
    assert served.stop()[0] == 0


def test_bad_request_timeouts_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from fpconsole.sandbox.serve import main

    for value in ("0", "nan", "inf", "-1", "1e3", "99999"):
        assert main(["--port", "0", "--request-timeout", value]) == 2
        assert "argument --request-timeout" in capsys.readouterr().err


# --- the middleware on its own ---------------------------------------------------------------


async def test_the_body_deadline_ends_once_the_body_is_whole() -> None:
    """A held answer (a timeout fault) waits for the client past the deadline: never cut by it."""
    sent: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": b"{}", "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await anyio.sleep(0.3)  # well past the 0.01 s deadline, however loaded the machine
        return {"type": "http.disconnect", "marker": "real"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(scope: Any, receive_: Any, send_: Any) -> None:
        seen.append(await receive_())
        seen.append(await receive_())

    await BodyDeadline(app, 0.01)({"type": "http"}, receive, send)  # type: ignore[arg-type]
    assert seen[1].get("marker") == "real" and sent == []


async def test_a_stalled_body_gets_408_and_the_app_sees_the_client_gone() -> None:
    sent: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if not seen:
            return {"type": "http.request", "body": b"{", "more_body": True}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(scope: Any, receive_: Any, send_: Any) -> None:
        seen.append(await receive_())
        seen.append(await receive_())
        await send_({"type": "http.response.start", "status": 200, "headers": []})  # dropped

    with anyio.fail_after(HANG):
        await BodyDeadline(app, 0.01)({"type": "http"}, receive, send)  # type: ignore[arg-type]
    assert seen[1]["type"] == "http.disconnect"
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 408 and (b"connection", b"close") in sent[0]["headers"]
    assert b"request_timeout" in sent[1]["body"]
