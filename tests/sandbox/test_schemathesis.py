"""Contract test: schemathesis generates requests from the sandbox's own /openapi.json, each is
signed over the exact bytes sent, and every answer must be a non-5xx that matches its schema
(the method's response or the error envelope).

Bounded for CI: examples, coverage and fuzzing phases, 20 fuzzed examples per operation."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.api.signing import HEADER_NAME, sign
from fpconsole.sandbox.app import create_app
from fpconsole.sandbox.openapi import build_openapi
from fpconsole.sandbox.settings import SandboxSettings

# Demo data, so some generated ids may meet real cards; delay 0 settles requests on the next call.
APP = create_app(SandboxSettings.default(delay=0, seed=2, rng_seed=1))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]

schema = schemathesis.openapi.from_dict(build_openapi())
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
schema.config.generation.update(max_examples=20)


def _body_bytes(case: Any) -> bytes:
    # Negative cases may have no body or raw bytes instead of a JSON value: send them as they are.
    if isinstance(case.body, NotSet):
        return b""
    if isinstance(case.body, bytes):
        return bytes(case.body)
    return json.dumps(case.body, separators=(",", ":"), ensure_ascii=False).encode()


async def _send(path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
        return await client.post(path, content=body, headers=headers)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_matches_the_openapi_document(case: Any) -> None:
    body = _body_bytes(case)
    path = case.formatted_path
    signature = sign(body, uri=path, auth_id=BUILTIN_SANDBOX_AUTH_ID, secret=BUILTIN_SANDBOX_SECRET)
    headers = {"Content-Type": "application/json", HEADER_NAME: signature}
    response = asyncio.run(_send(path, body, headers))
    case.validate_response(response, checks=CHECKS, headers=headers)
    data = response.json()
    # Every case is signed over the bytes sent, and nothing generated may hit a sandbox bug.
    assert data.get("error_code") not in {"invalid_signature", "missing_signature", "internal_error"}, data
