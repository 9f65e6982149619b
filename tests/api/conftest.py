"""Shared helpers for the Card API core's tests: a fake Card API on `httpx.MockTransport` that
checks every signature it receives, and a fake clock whose `sleep` only records delays.

Helpers reach test modules as fixtures (`fake_api`, `fake_time`, `make_client`), never by
`import conftest`: other test folders have conftest modules of their own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from fpconsole.api.client import CardApiClient, ClientOptions
from fpconsole.api.signing import HEADER_NAME, SignatureError, verify

AUTH_ID = "100500"
SECRET = "sandbox-secret-for-tests-only"
BASE_URL = "http://card-api.test"
FIXED_NOW = datetime(2025, 5, 1, 4, 30, tzinfo=UTC)

# What one route answers with: a JSON object (HTTP 200), a ready response, an exception to
# raise (httpx.ReadTimeout …), or a function of the request returning one of those.
Answer = dict[str, Any] | httpx.Response | Exception | Callable[[httpx.Request], Any]


class Kit:
    """Constants and body builders (a fixture, see the module docstring)."""

    AUTH_ID = AUTH_ID
    SECRET = SECRET
    BASE_URL = BASE_URL
    FIXED_NOW = FIXED_NOW

    @staticmethod
    def ok(request_status: str = "success", **fields: Any) -> dict[str, Any]:
        return {"status": "ok", "request_status": request_status, "dt": "2025-05-01T09:30:00+05:00", **fields}

    @staticmethod
    def api_error(code: str, description: str, **fields: Any) -> dict[str, Any]:
        return {
            "status": "error",
            "request_status": "error",
            "dt": "2025-05-01T09:30:00+05:00",
            "error_code": code,
            "error_description": description,
            **fields,
        }


@dataclass(frozen=True)
class Seen:
    """One request as it arrived at the fake API."""

    path: str
    body: bytes
    headers: httpx.Headers
    signature_error: str | None  # the verifier's code when the signature did not check out

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class FakeApi:
    """Answers by path from per-path queues; the last answer of a queue repeats."""

    routes: dict[str, list[Answer]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def on(self, short_path: str, *answers: Answer) -> FakeApi:
        self.routes["/v5/card-api/" + short_path] = list(answers)
        return self

    def requests_to(self, short_path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == "/v5/card-api/" + short_path]

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        try:
            verify(
                request.headers.get(HEADER_NAME),
                body,
                uri=request.url.path,
                method=request.method,
                secrets={AUTH_ID: SECRET},
            )
            problem = None
        except SignatureError as exc:
            problem = exc.code
        self.seen.append(Seen(request.url.path, body, request.headers, problem))
        queue = self.routes.get(request.url.path)
        if not queue:
            return httpx.Response(404, text=f"no fake route for {request.url.path}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(answer) and not isinstance(answer, Exception):
            answer = answer(request)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


@dataclass
class FakeTime:
    """`sleep` records the delay and advances `monotonic`; nothing really waits.

    With `block_from=N`, the N-th sleep (0-based) and every later one park until cancelled, so a
    test can cancel a task while it is sleeping; `sleeping` is set as soon as one parks."""

    now: float = 1000.0
    delays: list[float] = field(default_factory=list)
    block_from: int | None = None
    sleeping: asyncio.Event = field(default_factory=asyncio.Event)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        if self.block_from is not None and len(self.delays) > self.block_from:
            self.sleeping.set()
            await asyncio.Future()  # parks until the task is cancelled
        self.now += delay
        await asyncio.sleep(0)  # still a real suspension point, as asyncio.sleep would be


@pytest.fixture
def kit() -> type[Kit]:
    return Kit


@pytest.fixture
def fake_api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


MakeClient = Callable[..., CardApiClient]


@pytest.fixture
async def make_client(fake_api: FakeApi, fake_time: FakeTime) -> AsyncIterator[MakeClient]:
    """Clients on the fake API with fake time; closed after the test."""
    made: list[CardApiClient] = []

    def make(**option_overrides: Any) -> CardApiClient:
        alg = option_overrides.pop("alg", "HS512")
        options = ClientOptions(**option_overrides)
        client = CardApiClient(
            base_url=BASE_URL,
            auth_id=AUTH_ID,
            secret=SECRET,
            alg=alg,
            transport=fake_api.transport,
            options=options,
            clock=lambda: FIXED_NOW,
            sleep=fake_time.sleep,
            monotonic=fake_time.monotonic,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
