"""`fpconsole call` while the server does not answer (QA 19): the operator is never left with a
silent terminal. A state change's `request_id:` line reaches stderr before anything is sent
(and only once); once no answer has come for a while, one line says what happens next — how long
the client waits (its read timeout), then request/status with the same request_id, never a
resend. stdout stays exactly one JSON document.

The server is an ASGI app in the same event loop: it answers only once the notice is on stderr,
or never, so the order is shown by the app itself, not by a clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import Callable, MutableMapping
from typing import Any

import httpx
import pytest

from fpconsole import call_command, cli
from fpconsole.api.client import CardApiClient

AUTH_ID = "100500"
SECRET_ENV = "FPCONSOLE_TEST_SECRET"
BASE_URL = "http://card-api.test"
RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
DT = "2025-05-01T09:30:00+05:00"
NOTICE = "no answer yet"


class Stderr(io.StringIO):
    """stderr as the command sees it (not a terminal); an app can wait for a line to arrive."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = asyncio.Event()  # a NOTICE line was written

    def write(self, text: str) -> int:
        if NOTICE in text:
            self.arrived.set()
        return super().write(text)

    def lines(self) -> list[str]:
        return self.getvalue().splitlines()


def _answer(payload: dict[str, Any]) -> Callable[..., Any]:
    async def respond(send: Any) -> None:
        body = json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return respond


def ok(request_status: str = "success", **fields: Any) -> dict[str, Any]:
    return {"status": "ok", "request_status": request_status, "dt": DT, **fields}


class Server:
    """card/block and card/info answer when `release` says so (or never); request/status at once."""

    def __init__(self, release: Callable[[], Any] | None) -> None:
        self.release = release
        self.paths: list[str] = []

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        path = scope["path"].removeprefix("/v5/card-api/")
        self.paths.append(path)
        if path == "request/status":
            await _answer(ok("success", cards=[], client_id=None))(send)
            return
        release = self.release
        if release is None:
            await asyncio.Event().wait()  # never answers
            return
        async with asyncio.timeout(60):  # only against a hang
            await release()
        await _answer(ok("success", cards=[], client_id=None) if path == "card/block" else ok())(send)


@pytest.fixture
def stderr(monkeypatch: pytest.MonkeyPatch) -> Stderr:
    monkeypatch.setenv(SECRET_ENV, "cli-test-secret-value")
    monkeypatch.setattr(call_command, "QUIET_AFTER", 0.0)  # the notice as soon as the request is out
    return Stderr()  # put in place by call(): pytest's capture replaces sys.stderr until then


def serve(monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    def make(**kwargs: Any) -> CardApiClient:
        kwargs.pop("transport", None)
        return CardApiClient(**kwargs, transport=httpx.ASGITransport(app=server))

    monkeypatch.setattr("fpconsole.session.CardApiClient", make)


def call(capsys: pytest.CaptureFixture[str], stderr: Stderr, *args: str) -> tuple[int, str]:
    argv = ["call", *args, "--base-url", BASE_URL, "--auth-id", AUTH_ID, "--secret-env", SECRET_ENV]
    with contextlib.redirect_stderr(stderr):
        code = cli.main(argv)
    return code, capsys.readouterr().out


def test_a_state_change_shows_its_request_id_and_the_notice_before_the_answer(
    stderr: Stderr, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen_before_answer: list[str] = []

    async def release() -> None:
        await stderr.arrived.wait()
        seen_before_answer.extend(stderr.lines())

    serve(monkeypatch, Server(release))
    code, out = call(
        capsys, stderr, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}", "--wait"
    )
    assert code == 0, stderr.getvalue()
    assert seen_before_answer, stderr.getvalue()
    assert seen_before_answer[0] == f"request_id: {RID}"
    notice = seen_before_answer[1]
    assert notice.startswith("card.block: no answer yet; waiting up to 30 s (the read timeout)"), notice
    assert "request/status with the same request_id" in notice and "never resent" in notice
    assert "Ctrl+C" in notice
    # Said once each, never again after the answer; stdout is the one JSON document.
    assert stderr.getvalue().count("request_id: ") == 1
    assert stderr.getvalue().count(NOTICE) == 1
    assert json.loads(out)["request_status"] == "success"


def test_with_no_answer_at_all_the_wait_ends_at_the_read_timeout_it_announced(
    stderr: Stderr, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = Server(None)
    serve(monkeypatch, server)
    code, out = call(
        capsys,
        stderr,
        "card.block",
        "card_id=7001234",
        "description=x",
        f"request_id={RID}",
        "--wait",
        "--timeout",
        "0.05",
    )
    assert code == 0, stderr.getvalue()
    lines = stderr.lines()
    assert lines[0] == f"request_id: {RID}"
    assert lines[1].startswith("card.block: no answer yet; waiting up to 0.05 s (the read timeout)"), lines
    assert stderr.getvalue().count("request_id: ") == 1
    assert stderr.getvalue().count(NOTICE) == 1
    assert json.loads(out)["request_status"] == "success"  # recovered from request/status
    assert server.paths.count("card/block") == 1  # never resent


def test_without_wait_the_notice_says_how_to_find_out_the_outcome(
    stderr: Stderr, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def release() -> None:
        await stderr.arrived.wait()

    serve(monkeypatch, Server(release))
    code, out = call(capsys, stderr, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}")
    assert code == 0, stderr.getvalue()
    lines = stderr.lines()
    assert lines[0] == f"request_id: {RID}"
    assert lines[1].startswith("card.block: no answer yet; waiting up to 30 s"), lines
    assert f"fpconsole call request/status request_id={RID}" in lines[1]
    assert len(lines) == 2
    json.loads(out)


def test_a_read_gets_a_short_notice_and_its_request_id_after_the_answer(
    stderr: Stderr, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def release() -> None:
        await stderr.arrived.wait()

    serve(monkeypatch, Server(release))
    code, out = call(capsys, stderr, "card.info", "card_id=7001234", f"request_id={RID}")
    assert code == 0, stderr.getvalue()
    lines = stderr.lines()
    assert lines[0].startswith("card.info: no answer yet; waiting up to 30 s (the read timeout)"), lines
    assert "request/status" not in lines[0]  # nothing to follow up: a read changes nothing
    assert lines[1:] == [f"request_id: {RID}"]
    json.loads(out)


def test_with_json_errors_the_notice_is_an_info_object_and_the_request_id_stays_with_the_error(
    stderr: Stderr, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    # stderr is not a terminal, so `call --json FILE` speaks JSON on stderr (json_errors).
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"card_id": "7001234", "description": "x", "request_id": RID}))
    serve(monkeypatch, Server(None))
    code, out = call(capsys, stderr, "card.close", "--json", str(body), "--timeout", "0.05")
    records = [json.loads(line) for line in stderr.lines()]
    assert records[0]["level"] == "info" and records[0]["message"].startswith("card.close: no answer yet")
    assert records[-1]["request_id"] == RID
    assert [r for r in records if r.get("request_id") == RID] == [records[-1]]
    assert code == 0 and json.loads(out)["request_status"] == "success"
