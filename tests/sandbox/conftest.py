"""Shared helpers for the sandbox's serving tests: signed requests over ASGITransport, a
recording engine for tests of the HTTP layer alone, and served sandboxes in subprocesses.

Helpers reach test modules as fixtures (`kit`, `served_factory`), never by `import conftest`:
other test folders have conftest modules of their own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest

from fpconsole.api.client import CallResult, CardApiClient, ClientOptions, PollPolicy
from fpconsole.api.errors import ApiError
from fpconsole.api.methods import Method
from fpconsole.api.models import ApiRequest
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.api.signing import HEADER_NAME, Algorithm, sign
from fpconsole.sandbox.app import create_app, now_rfc3339
from fpconsole.sandbox.errors import SandboxError
from fpconsole.sandbox.settings import SandboxSettings

AUTH_ID = BUILTIN_SANDBOX_AUTH_ID
SECRET = BUILTIN_SANDBOX_SECRET
BASE = "http://sandbox.test"
CARD_INFO = "/v5/card-api/card/info"
REQUEST_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


class Kit:
    """Signing and checking helpers (a fixture, see the module docstring)."""

    AUTH_ID = AUTH_ID
    SECRET = SECRET
    BASE = BASE
    CARD_INFO = CARD_INFO
    REQUEST_ID = REQUEST_ID

    @staticmethod
    def compact(payload: Any) -> bytes:
        return json.dumps(payload, separators=(",", ":")).encode()

    @staticmethod
    def headers(
        path: str, body: bytes, *, auth_id: str = AUTH_ID, secret: str = SECRET, alg: Algorithm = "HS512"
    ) -> dict[str, str]:
        signature = sign(body, uri=path, auth_id=auth_id, secret=secret, alg=alg)
        return {"Content-Type": "application/json", HEADER_NAME: signature}

    async def post(
        self,
        client: httpx.AsyncClient,
        path: str,
        payload: Any = None,
        *,
        body: bytes | None = None,
        **sign_args: Any,
    ) -> httpx.Response:
        """POST `payload` (compact JSON) or raw `body`, signed for `path`."""
        raw = body if body is not None else self.compact(payload)
        return await client.post(path, content=raw, headers=self.headers(path, raw, **sign_args))

    @staticmethod
    def real_client(base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> CardApiClient:
        return real_client(base_url, transport)

    @staticmethod
    def envelope(response: httpx.Response, code: str, status: int = 200) -> dict[str, Any]:
        """Asserts the response is the error envelope with this code; returns its body."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json"
        data: dict[str, Any] = response.json()
        assert data["status"] == "error"
        assert data["request_status"] == "error"
        assert data["error_code"] == code, data
        assert isinstance(data["error_description"], str) and data["error_description"]
        assert datetime.fromisoformat(data["dt"]).tzinfo is not None
        return data


@pytest.fixture
def kit() -> Kit:
    return Kit()


@dataclass
class RecordingEngine:
    """Stands in for the state engine where only the HTTP layer is under test: records what
    reached it and answers `ok`, or raises what it is told to."""

    calls: list[tuple[str, ApiRequest, str]] = field(default_factory=list)
    raise_next: Exception | None = None
    closed: bool = False

    def handle(self, method: Method, request: ApiRequest, *, partner: str) -> dict[str, Any]:
        if self.raise_next is not None:
            error, self.raise_next = self.raise_next, None
            raise error
        self.calls.append((method.name, request, partner))
        return {"status": "ok", "request_status": "success", "dt": now_rfc3339(), "echo": method.name}

    def close(self) -> None:
        self.closed = True

    def fail_with(self, code: str, message: str) -> None:
        self.raise_next = SandboxError(code, message)


@pytest.fixture
def recording_engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def settings() -> SandboxSettings:
    return SandboxSettings(partners={AUTH_ID: SECRET, "777": "second-secret"}, delay=0.0)


@pytest.fixture
async def api(
    settings: SandboxSettings, recording_engine: RecordingEngine
) -> AsyncIterator[httpx.AsyncClient]:
    """The app over ASGITransport with the recording engine."""
    app = create_app(settings, recording_engine)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


# --- a served sandbox -----------------------------------------------------------------------


@dataclass
class Served:
    process: subprocess.Popen[str]
    base_url: str
    banner: str

    def stop(self, timeout: float = 60, sig: int = signal.SIGINT) -> tuple[int, str, str]:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err


def start_served(*args: str, timeout: float = 20) -> Served:
    """`python -m fpconsole.sandbox.serve --port 0 ...` in a subprocess; waits for its banner."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "fpconsole.sandbox.serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    first = process.stdout.readline()
    if "listening on" not in first:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"serve did not start: {first!r} {err}")
    url = first.split("listening on", 1)[1].strip()
    lines = [first]
    # The rest of the banner (partners, db, faults); it ends with the OpenAPI line.
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if not line or "OpenAPI" in line:
            break
    return Served(process, url, "".join(lines))


@pytest.fixture
def served_factory() -> Iterator[Any]:
    started: list[Served] = []

    def factory(*args: str) -> Served:
        served = start_served(*args)
        started.append(served)
        return served

    yield factory
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.communicate()


# --- the full card lifecycle through the real client ------------------------------------------

PIN_BLOCK = "q3Jx0v9mW0b8k3YtZx3z1Q=="
FAST_POLL = PollPolicy(first_delay=0.01, factor=1.5, max_delay=0.05, total=30)


def real_client(base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> CardApiClient:
    return CardApiClient(
        base_url=base_url,
        auth_id=AUTH_ID,
        secret=SECRET,
        transport=transport,
        options=ClientOptions(read_timeout=10, poll=FAST_POLL),
    )


async def _settled(client: CardApiClient, method: str, data: dict[str, Any]) -> tuple[CallResult, Any]:
    """Send, follow `process` to its final status, and insist it succeeded."""
    result = await client.call(method, data)
    final = await client.wait(result)
    assert final.request_status == "success", (method, final)
    return result, final


async def _refused_after_close(client: CardApiClient, method: str, data: dict[str, Any]) -> str | None:
    """The error code with which a change to a closed card is refused (now or on request/status)."""
    try:
        result = await client.call(method, data)
    except ApiError as exc:
        return exc.error_code
    final = await client.wait(result)
    assert final.request_status == "error", (method, final)
    return final.error_code


async def run_lifecycle(client: CardApiClient) -> dict[str, Any]:
    """create client → issue → activate → set PIN → transaction → clearing → partial refund →
    statement → block → unblock → close, then every later change refused. Returns what a caller
    may check further (ids, balance)."""
    person = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}
    _, status = await _settled(client, "client.add", {"product_id": 2000, "client": person})
    client_id = status.client_id
    assert client_id
    _, status = await _settled(client, "card.issue", {"product_id": 2000, "client_id": client_id})
    card_id = status.cards[0].card_id
    info = await client.call("card.info", {"card_id": card_id})
    assert info.raw["card"]["status"] == "inactive" and info.raw["card"]["client_id"] == client_id

    await _settled(client, "card.activate", {"card_id": card_id})
    await _settled(client, "card.set_pin", {"card_id": card_id, "pin": PIN_BLOCK})
    assert (await client.post_control("/sandbox/verify_pin", {"card_id": card_id, "pin": PIN_BLOCK}))["valid"]

    await client.post_control(
        "/sandbox/credit", {"request_id": str(uuid.uuid4()), "card_id": card_id, "amount": 10000}
    )
    created, status = await _settled(
        client,
        "transaction.create",
        {"order_id": "ORD-1", "card_id": card_id, "amount": 3500, "currency": "KZT"},
    )
    transaction_id = status.transaction_id or created.raw.get("transaction_id")
    assert transaction_id
    await _settled(client, "transaction.clearing", {"transaction_id": transaction_id})
    await _settled(
        client, "transaction.refund", {"order_id": "ORD-1", "transaction_id": transaction_id, "amount": 1500}
    )
    tx = await client.call("transaction.info", {"transaction_id": transaction_id})
    assert tx.raw["transaction"]["status"] == "refunded"

    statement = await client.call("card.statement", {"card_id": card_id})
    amounts = sorted(float(op["amount"]) for op in statement.raw["operations"])
    assert 3500 in amounts and 1500 in amounts, statement.raw
    balance = await client.call("card.balance", {"card_id": card_id})
    (account,) = balance.raw["balances"]["accounts"]
    assert float(account["amount"]) == 10000 - 3500 + 1500

    await _settled(client, "card.block", {"card_id": card_id, "description": "lost"})
    assert (await client.call("card.info", {"card_id": card_id})).raw["card"]["status"] == "blocked"
    await _settled(client, "card.unblock", {"card_id": card_id, "description": "found"})
    await _settled(client, "card.close", {"card_id": card_id, "description": "customer request"})
    assert (await client.call("card.info", {"card_id": card_id})).raw["card"]["status"] == "closed"

    later = [
        ("card.activate", {"card_id": card_id}),
        ("card.block", {"card_id": card_id, "description": "again"}),
        ("card.unblock", {"card_id": card_id, "description": "again"}),
        ("card.close", {"card_id": card_id, "description": "again"}),
        ("card.set_pin", {"card_id": card_id, "pin": PIN_BLOCK}),
        ("card.reset_counter_pin", {"card_id": card_id}),
        ("card.issue_plastic", {"card_id": card_id}),
        ("transaction.create", {"order_id": "ORD-2", "card_id": card_id, "amount": 10, "currency": "KZT"}),
        (
            "limits.set",
            {"object": {"type": "card", "value": card_id}, "limits": [{"transaction_type": "pay"}]},
        ),
        ("card.link", {"client_id": client_id, "card_id": card_id}),
        # 2000 KZT of the transaction is still refundable: the refusal is the closed card's.
        ("transaction.refund", {"order_id": "ORD-1", "transaction_id": transaction_id}),
        ("transaction.clearing", {"order_id": "ORD-1", "transaction_id": transaction_id}),
    ]
    refusals = {method: await _refused_after_close(client, method, data) for method, data in later}
    assert refusals == dict.fromkeys(refusals, "card_closed"), refusals
    assert len(refusals) == len(later)
    with pytest.raises(ApiError) as credit:
        await client.post_control(
            "/sandbox/credit", {"request_id": str(uuid.uuid4()), "card_id": card_id, "amount": 1}
        )
    assert credit.value.error_code == "card_closed"
    # Nothing of it moved money: the balance is the one before the close.
    balance = await client.call("card.balance", {"card_id": card_id})
    assert float(balance.raw["balances"]["accounts"][0]["amount"]) == 10000 - 3500 + 1500
    return {"client_id": client_id, "card_id": card_id, "transaction_id": transaction_id}


@pytest.fixture
def lifecycle() -> Any:
    return run_lifecycle
