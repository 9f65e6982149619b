"""`fpconsole call` end to end, in-process through `fpconsole.cli.main`: exit codes 0 (success),
1 (API error or final error), 2 (invalid input or setup), 3 (transport failure or unknown
outcome), and `--curl`, which prints and sends nothing.

The API is either a fake on `httpx.MockTransport` (injected by replacing the CardApiClient that
`fpconsole.session` builds) or a closed loopback port. The default connection (the embedded
sandbox via a profile) is covered by the sandbox's and the config's own tests.
"""

from __future__ import annotations

import io
import json
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from fpconsole import cli, exit_codes
from fpconsole.api.client import CardApiClient
from fpconsole.api.signing import HEADER_NAME, SignatureError, verify

AUTH_ID = "100500"
SECRET = "cli-test-secret-value"
SECRET_ENV = "FPCONSOLE_TEST_SECRET"
BASE_URL = "http://card-api.test"
RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
PAN = "4400430000001237"
DT = "2025-05-01T09:30:00+05:00"

Answer = dict[str, Any] | httpx.Response | Exception


@dataclass
class Backend:
    """A fake Card API: per-path answer queues (the last repeats); records what arrives."""

    routes: dict[str, list[Answer]] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)  # path, body, alg
    delays: list[float] = field(default_factory=list)

    def on(self, short: str, *answers: Answer) -> None:
        self.routes["/v5/card-api/" + short] = list(answers)

    def handler(self, request: httpx.Request) -> httpx.Response:
        try:
            header = verify(
                request.headers.get(HEADER_NAME),
                request.content,
                uri=request.url.path,
                method=request.method,
                secrets={AUTH_ID: SECRET},
            )
        except SignatureError as exc:
            return httpx.Response(200, json={"status": "error", "error_code": exc.code})
        self.seen.append((request.url.path, json.loads(request.content), header.alg))
        queue = self.routes[request.url.path]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)

    def paths(self) -> list[str]:
        return [path.removeprefix("/v5/card-api/") for path, _, _ in self.seen]


def ok(request_status: str = "success", **fields: Any) -> dict[str, Any]:
    return {"status": "ok", "request_status": request_status, "dt": DT, **fields}


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def _client_factory(
    backend: Backend, transport: httpx.AsyncBaseTransport | None
) -> Callable[..., CardApiClient]:
    def make(**kwargs: Any) -> CardApiClient:
        # Same arguments the session passes, plus a transport and a sleep that does not wait
        # (a profile's session passes transport=None: only the embedded sandbox has its own).
        kwargs.pop("transport", None)
        return CardApiClient(**kwargs, transport=transport, sleep=backend.sleep)

    return make


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch, secret_env: None) -> Backend:
    fake = Backend()
    monkeypatch.setattr(
        "fpconsole.session.CardApiClient", _client_factory(fake, httpx.MockTransport(fake.handler))
    )
    return fake


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nobody else takes it), never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def run(capsys: pytest.CaptureFixture[str], *args: str, base_url: str | None = BASE_URL) -> Outcome:
    argv = ["call", *args]
    if base_url is not None:
        argv += ["--base-url", base_url, "--auth-id", AUTH_ID, "--secret-env", SECRET_ENV]
    code = cli.main(argv)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


# --- 0: success -------------------------------------------------------------------------


def test_success_exits_0_and_prints_the_answer_as_json(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = ok(card={"card_id": "7001234", "status": "active"})
    backend.on("card/info", answer)
    result = run(capsys, "card.info", "card_id=7001234", f"request_id={RID}")
    assert result.code == exit_codes.EXIT_OK == 0
    assert result.json == answer
    assert f"request_id: {RID}" in result.err
    [(path, body, alg)] = backend.seen
    assert (path, body, alg) == ("/v5/card-api/card/info", {"request_id": RID, "card_id": "7001234"}, "HS512")


def test_method_by_path_and_nested_fields(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("limits/set", ok())
    result = run(
        capsys,
        "/v5/card-api/limits/set",
        "object.type=card",
        "object.value=7001234",
        "limits.0.transaction_type=pay",
        "limits.0.amount.0.value=5000",
    )
    assert result.code == 0, result.err
    sent = backend.seen[0][1]
    assert sent["object"] == {"type": "card", "value": "7001234"}
    assert sent["limits"] == [
        {"transaction_type": "pay", "amount": [{"type": "max", "value": "5000", "currency": "KZT"}]}
    ]


def test_alg_hs256_is_used_on_the_wire(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("card/info", ok())
    assert run(capsys, "card.info", "card_id=7001234", "--alg", "HS256").code == 0
    assert backend.seen[0][2] == "HS256"


def test_body_from_json_on_stdin(
    backend: Backend, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.on("card/block", ok("process"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"card_id": "7001234", "description": "lost"})))
    result = run(capsys, "card.block", "--json", "-", f"request_id={RID}")
    assert result.code == 0, result.err
    assert backend.seen[0][1] == {"request_id": RID, "card_id": "7001234", "description": "lost"}
    assert result.json["request_status"] == "process"


def test_wait_follows_process_to_success(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("card/block", ok("process"))
    backend.on("request/status", ok("process"), ok("success", cards=[], client_id=None))
    result = run(capsys, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}", "--wait")
    assert result.code == 0, result.err
    assert "card.block: process" in result.err and "card.block: success" in result.err
    assert result.json["request_status"] == "success"
    assert backend.paths() == ["card/block", "request/status", "request/status"]
    assert all(body == {"request_id": RID} for path, body, _ in backend.seen[1:])
    assert backend.delays[0] == 0.5  # the tracker's backoff (not really slept)


INJECTED = {
    "status": "error",
    "request_status": "error",
    "dt": DT,
    "error_code": "injected_error",
    "error_description": "injected error: the request was not applied",
}


def test_wait_keeps_polling_through_failed_polls(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    # QA: an error answer to request/status itself is a failed poll, not the block's outcome.
    backend.on("card/block", ok("process"))
    backend.on("request/status", INJECTED, INJECTED, ok("success", cards=[], client_id=None))
    result = run(capsys, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}", "--wait")
    assert result.code == 0, result.err
    assert "injected" not in result.err
    assert result.err.endswith("card.block: process\ncard.block: success\n")
    assert result.json["request_status"] == "success"
    assert backend.paths() == ["card/block", *["request/status"] * 3]


def test_wait_after_an_unknown_outcome_polls_the_same_request_id(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    # The connection drops after sending and the recovery poll fails too: --wait keeps asking
    # request/status about the same request_id (never resending) until it is final.
    backend.on("card/activate", httpx.RemoteProtocolError("peer closed"))
    backend.on("request/status", INJECTED, INJECTED, ok("process"), ok("success", cards=[], client_id=None))
    result = run(capsys, "card.activate", "card_id=7001234", f"request_id={RID}", "--wait")
    assert result.code == 0, result.err
    assert "connection to" in result.err and "card.activate: unknown; polling request/status" in result.err
    assert result.err.endswith("card.activate: process\ncard.activate: success\n")
    assert result.json["request_status"] == "success"
    assert backend.paths() == ["card/activate", *["request/status"] * 4]
    assert all(body == {"request_id": RID} for path, body, _ in backend.seen[1:])


def test_wait_says_once_when_the_server_cannot_be_reached_and_once_when_it_is_back(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    # QA: the server died while --wait polled; stderr stayed silent until the final timeout.
    backend.on("card/activate", ok("process"))
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    backend.on(
        "request/status", refused, refused, refused, ok("process"), ok("success", cards=[], client_id=None)
    )
    result = run(capsys, "card.activate", "card_id=7001234", f"request_id={RID}", "--wait")
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    [down] = [line for line in lines if "cannot reach the server" in line]
    assert down.startswith("card.activate: cannot reach the server (")
    assert "Connection refused" in down
    assert f"still asking request/status about {RID}" in down and "the request is not resent" in down
    [back] = [line for line in lines if "reached again" in line]
    assert lines.index(down) < lines.index(back) < lines.index("card.activate: success")
    assert result.json["request_status"] == "success"
    assert backend.paths() == ["card/activate", *["request/status"] * 5]


def test_secrets_are_masked_unless_revealed(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("card/secret_data", ok(data={"pan": PAN, "cvv": "739", "expiry": "09/29"}))
    masked = run(capsys, "card.secret_data", "card_id=7001234")
    assert masked.code == 0
    assert masked.json["data"] == {"pan": "440043******1237", "cvv": "[redacted]", "expiry": "[redacted]"}
    assert PAN not in masked.out + masked.err
    revealed = run(capsys, "card.secret_data", "card_id=7001234", "--reveal")
    assert revealed.json["data"] == {"pan": PAN, "cvv": "739", "expiry": "09/29"}


# --- 1: API error -----------------------------------------------------------------------


def test_api_error_exits_1(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    answer = {
        "status": "error",
        "request_status": "error",
        "dt": DT,
        "error_code": "not_found",
        "error_description": "no card 7001234",
    }
    backend.on("card/info", answer)
    result = run(capsys, "card.info", "card_id=7001234")
    assert result.code == exit_codes.EXIT_API_ERROR == 1
    assert result.json == answer
    assert "not_found: no card 7001234" in result.err


def test_final_request_status_error_exits_1(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("card/block", ok("error", error_code="invalid_state", error_description="closed"))
    result = run(capsys, "card.block", "card_id=7001234", "description=lost")
    assert result.code == 1
    assert result.json["error_code"] == "invalid_state"


def test_wait_ending_in_error_exits_1(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("card/block", ok("process"))
    backend.on("request/status", ok("error", error_code="declined", error_description="risk"))
    result = run(capsys, "card.block", "card_id=7001234", "description=lost", "--wait")
    assert result.code == 1
    assert "card.block: error declined: risk" in result.err
    assert result.json["request_status"] == "error"


# --- 2: invalid input and setup ---------------------------------------------------------


def test_invalid_field_exits_2_naming_the_field(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "client.update", "client_id=CL-1", "product_id=1000", "client.phone=+77011234567")
    assert result.code == exit_codes.EXIT_INVALID_INPUT == 2
    assert "invalid client.update request" in result.err
    assert "client.phone: must be digits only" in result.err
    assert result.out == ""
    assert backend.seen == []


def test_several_invalid_fields_are_all_named(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "transaction.create", "card_id=7001234", "amount=1.005", "currency=KZ")
    assert result.code == 2
    for expected in ("order_id: is required", "amount: must have at most 2 decimal places", "currency:"):
        assert expected in result.err
    assert backend.seen == []


def test_unknown_field_exits_2(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "card.info", "card_id=7001234", "cardid=1")
    assert result.code == 2
    assert "cardid: is not a field of this request" in result.err


def test_unknown_method_exits_2_and_suggests_close_names(
    capsys: pytest.CaptureFixture[str], secret_env: None
) -> None:
    result = run(capsys, "card.blok", "card_id=7001234")
    assert result.code == 2
    assert "unknown method 'card.blok'" in result.err
    assert "did you mean card.block" in result.err


def test_unknown_method_with_no_close_name_points_at_methods(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "zzzzzz", base_url=None)
    assert result.code == 2
    assert "fpconsole methods" in result.err


@pytest.mark.parametrize(
    ("assignment", "says"),
    [
        ("card_id", "is not FIELD=VALUE"),
        ("=7001234", "is not FIELD=VALUE"),
        ("client..phone=1", "empty part"),
        ("limits.2.period=day", "skips 0"),
    ],
)
def test_bad_field_syntax_exits_2(
    backend: Backend, capsys: pytest.CaptureFixture[str], assignment: str, says: str
) -> None:
    result = run(capsys, "card.info", assignment)
    assert result.code == 2
    assert says in result.err
    assert backend.seen == []


def test_conflicting_assignments_exit_2(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "client.update", "client=1", "client.phone=77011234567")
    assert result.code == 2
    assert "already has a value" in result.err


def test_bad_json_body_exits_2(
    backend: Backend, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("[1, 2]"))
    result = run(capsys, "card.info", "--json", "-")
    assert result.code == 2
    assert "--json" in result.err and "JSON object" in result.err


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--base-url", BASE_URL, "--secret-env", SECRET_ENV], "--auth-id is required"),
        (["--base-url", BASE_URL, "--auth-id", AUTH_ID], "--secret-env VAR is required"),
        (["--base-url", "card-api.test", "--auth-id", AUTH_ID, "--secret-env", SECRET_ENV], "http://"),
    ],
)
def test_incomplete_connection_flags_exit_2(
    capsys: pytest.CaptureFixture[str], secret_env: None, flags: list[str], says: str
) -> None:
    code = cli.main(["call", "card.info", "card_id=7001234", *flags])
    err = capsys.readouterr().err
    assert code == 2
    assert says in err


def test_unset_secret_env_var_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    result = run(capsys, "card.info", "card_id=7001234")
    assert result.code == 2
    assert f"{SECRET_ENV} is not set" in result.err


def test_missing_method_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    # METHOD is optional for argparse (--from-journal takes it from the journal), not for call.
    assert cli.main(["call"]) == 2
    assert "METHOD is required (fpconsole methods lists them), or --from-journal" in capsys.readouterr().err


# --- 3: transport -----------------------------------------------------------------------


def test_closed_port_exits_3(
    capsys: pytest.CaptureFixture[str], closed_port: int, secret_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = Backend()  # only for its fake sleep: the connection attempts are real
    monkeypatch.setattr("fpconsole.session.CardApiClient", _client_factory(backend, None))
    result = run(
        capsys, "card.info", "card_id=7001234", "--timeout", "2", base_url=f"http://127.0.0.1:{closed_port}"
    )
    assert result.code == exit_codes.EXIT_TRANSPORT == 3
    assert "fpconsole call: cannot connect to http://127.0.0.1:" in result.err
    assert "outcome unknown" not in result.err  # a refused connection was certainly not received
    assert result.out == ""
    assert len(backend.delays) == 2  # connect failures retried (read_retries=2), then given up


def test_closed_port_exits_3_without_any_patching(
    capsys: pytest.CaptureFixture[str], closed_port: int, secret_env: None
) -> None:
    result = run(
        capsys,
        "card.block",
        "card_id=7001234",
        "description=lost",
        "--timeout",
        "1",
        base_url=f"http://127.0.0.1:{closed_port}",
    )
    assert result.code == 3
    # The request_id first (a script reading stderr keeps it even if it stops at the error),
    # and no internal class name.
    first, second = result.err.splitlines()[:2]
    assert first.startswith("request_id: ") and second.startswith("fpconsole call: cannot connect to "), (
        result.err
    )
    assert "CannotConnect" not in result.err


def test_unknown_outcome_exits_3_with_the_request_id(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.on("card/block", httpx.ReadTimeout("slow"))
    backend.on("request/status", httpx.ReadTimeout("still slow"))
    result = run(capsys, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}")
    assert result.code == 3
    assert "fpconsole call: no answer from" in result.err and "TimedOut" not in result.err
    assert "outcome unknown: poll request/status with the same request_id" in result.err
    assert f"request_id: {RID}" in result.err
    assert backend.paths().count("card/block") == 1  # never resent


def test_timeout_recovered_from_request_status_exits_0(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.on("card/block", httpx.ReadTimeout("slow"))
    backend.on("request/status", ok("success", cards=[], client_id=None))
    result = run(capsys, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}")
    assert result.code == 0, result.err
    assert result.json["request_status"] == "success"
    assert backend.paths() == ["card/block", "request/status"]


def test_http_error_status_exits_3(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("card/info", httpx.Response(401, text="unauthorised"))
    result = run(capsys, "card.info", "card_id=7001234")
    assert result.code == 3
    assert "fpconsole call: HTTP 401 from the server" in result.err and "HttpStatusError" not in result.err


# --- --curl -----------------------------------------------------------------------------


def test_curl_prints_a_signed_line_and_sends_nothing(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}", "--curl")
    assert result.code == 0
    assert result.out.startswith("curl -sS -X POST")
    assert f"{BASE_URL}/v5/card-api/card/block" in result.out
    assert SECRET not in result.out + result.err
    assert backend.seen == []


def test_curl_against_a_closed_port_still_exits_0(
    capsys: pytest.CaptureFixture[str], closed_port: int, secret_env: None
) -> None:
    result = run(capsys, "card.info", "card_id=7001234", "--curl", base_url=f"http://127.0.0.1:{closed_port}")
    assert result.code == 0, result.err
    assert result.out.startswith("curl ")
    assert HEADER_NAME in result.out


def test_curl_validates_first(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "card.block", "card_id=7001234", "--curl")
    assert result.code == 2
    assert "description: is required" in result.err
    assert result.out == ""


def test_curl_for_set_pin_hides_the_pin(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "card.set_pin", "card_id=7001234", "pin=q3Jx0v9mW0b8k3YtZx3z1Q==", "--curl")
    assert result.code == 0
    assert "q3Jx0v9mW0b8k3YtZx3z1Q==" not in result.out
    assert result.out.startswith("# not runnable")


def test_as_a_real_process(closed_port: int) -> None:
    # The installed entry point's exit code and streams, once, without any patching.
    env = {"PATH": "/usr/bin:/bin", SECRET_ENV: SECRET, "FPCONSOLE_HOME": "/nonexistent-fpconsole-home"}
    argv = [sys.executable, "-m", "fpconsole", "call", "card.info", "card_id=7001234", "--curl"]
    argv += [
        "--base-url",
        f"http://127.0.0.1:{closed_port}",
        "--auth-id",
        AUTH_ID,
        "--secret-env",
        SECRET_ENV,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("curl -sS -X POST")
    bad = subprocess.run([*argv[:4], "card.blok"], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2
    assert "did you mean card.block" in bad.stderr


def test_fields_may_come_after_options(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("card/block", ok("process"))
    backend.on("request/status", ok("success"))
    result = run(capsys, "card.block", "card_id=7001234", "--wait", "description=lost", f"request_id={RID}")
    assert result.code == 0, result.err
    assert "card.block: success" in result.err
    assert backend.seen[0][1] == {"request_id": RID, "card_id": "7001234", "description": "lost"}


def test_unknown_options_are_still_refused(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run(capsys, "card.info", "card_id=7001234", "--bogus")
    assert caught.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_wait_when_request_status_answers_an_api_error_exits_1(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.on("card/block", ok("process"))
    answer = {"status": "error", "request_status": "error", "dt": DT, "error_code": "unknown_request_id"}
    backend.on("request/status", answer)
    result = run(capsys, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}", "--wait")
    assert result.code == 1
    assert "unknown_request_id" in result.err
    assert result.json == answer


def test_a_pan_quoted_in_an_error_is_masked_on_both_streams(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.on(
        "card/info", {"status": "error", "error_code": "not_found", "error_description": f"no card {PAN}"}
    )
    result = run(capsys, "card.info", "card_id=7001234")
    assert result.code == 1
    assert "no card 440043******1237" in result.err
    assert result.json["error_description"] == "no card 440043******1237"
    assert PAN not in result.out + result.err


def test_a_pan_in_an_http_error_body_is_masked(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("card/info", httpx.Response(400, text=f"bad card {PAN}"))
    result = run(capsys, "card.info", "card_id=7001234")
    assert result.code == 3
    assert "440043******1237" in result.err
    assert PAN not in result.out + result.err


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_non_positive_or_non_numeric_timeout_is_invalid_input(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["call", "card.info", "card_id=1", "--timeout", value])
    assert exited.value.code == 2
    assert "--timeout" in capsys.readouterr().err


# --- later additions: connection flags, --read-only, bodies, lookups, Ctrl+C, the default --


@pytest.mark.parametrize(
    "argv",
    [
        ["call", "card.info", "card_id=7001234", "--profile", "nope"],
        ["--profile", "nope", "call", "card.info", "card_id=7001234"],
    ],
    ids=["after-the-command", "before-the-command"],
)
def test_profile_is_accepted_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown profile 'nope'" in err


@pytest.mark.parametrize("flags", [["--auth-id", AUTH_ID], ["--secret-env", SECRET_ENV]])
def test_credentials_without_base_url_are_refused_not_ignored(
    backend: Backend, capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    # Otherwise the request would silently go to the default profile (the embedded sandbox).
    result = run(capsys, "card.info", "card_id=7001234", *flags, base_url=None)
    assert result.code == 2
    assert "--auth-id and --secret-env go with --base-url" in result.err
    assert backend.seen == []


def test_read_only_flag_refuses_a_state_change_and_allows_a_read(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.on("card/info", ok(card={"card_id": "7001234"}))
    connection = ["--base-url", BASE_URL, "--auth-id", AUTH_ID, "--secret-env", SECRET_ENV]
    code = cli.main(["--read-only", "call", "card.block", "card_id=7001234", "description=lost", *connection])
    captured = capsys.readouterr()
    assert code == 2
    assert "--read-only is set; card.block changes state" in captured.err
    assert backend.seen == []
    assert cli.main(["--read-only", "call", "card.info", "card_id=7001234", *connection]) == 0
    assert backend.paths() == ["card/info"]


def test_a_bad_response_shows_its_body_redacted(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    backend.on("card/secret_data", {"status": 7, "data": {"pan": PAN, "cvv": "739", "expiry": "09/29"}})
    result = run(capsys, "card.secret_data", "card_id=7001234")
    assert result.code == 3
    assert "fpconsole call: " in result.err and "BadResponse" not in result.err
    assert '"pan":"440043******1237"' in result.err and '"status":7' in result.err
    for secret in (PAN, '"739"', "09/29"):
        assert secret not in result.out + result.err


def test_request_status_needs_the_request_id_it_asks_about(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "request.status")
    assert result.code == 2
    assert "request_id: is required" in result.err
    assert backend.seen == []


def test_bad_json_text_says_it_is_not_json(
    backend: Backend, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"card_id": '))
    result = run(capsys, "card.info", "--json", "-")
    assert result.code == 2
    assert "--json: not valid JSON" in result.err


def test_the_embedded_sandbox_is_the_default_target(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No connection flags at all: the built-in sandbox profile, in process (tests/conftest.py
    # gives every test its own FPCONSOLE_HOME, so its data is this test's own).
    monkeypatch.setenv("FPCONSOLE_SANDBOX_DELAY", "0")
    client = ["client.type=1", "client.resident=1", "client.first_name=ALIYA", "client.last_name=SERIKOVA"]
    added = run(
        capsys, "client/add", "product_id=2000", "client.phone=77011234567", *client, "--wait", base_url=None
    )
    assert added.code == 0, added.err
    assert added.json["request_status"] == "success"
    client_id = added.json["client_id"]
    issued = run(capsys, "card.issue", "product_id=2000", f"client_id={client_id}", "--wait", base_url=None)
    assert issued.code == 0, issued.err
    [card] = issued.json["cards"]
    info = run(capsys, "card.info", f"card_id={card['card_id']}", base_url=None)
    assert info.code == 0, info.err
    assert info.json["card"]["client_id"] == client_id
    missing = run(capsys, "card.info", "card_id=NO-SUCH-CARD", base_url=None)
    assert missing.code == 1
    assert missing.json["status"] == "error" and missing.json["error_code"]
    bad = run(capsys, "client/add", "product_id=2000", "client.phone=12ab", *client, base_url=None)
    assert bad.code == 2 and "client.phone: must be digits only" in bad.err


def test_curl_on_the_embedded_sandbox_is_a_line_for_the_served_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fpconsole.session import EMBEDDED_BASE_URL, SERVED_SANDBOX_BASE_URL

    result = run(capsys, "card.info", "card_id=7001001", "--curl", base_url=None)
    assert result.code == 0, result.err
    assert f"{SERVED_SANDBOX_BASE_URL}/v5/card-api/card/info" in result.out
    assert EMBEDDED_BASE_URL not in result.out
    assert "fpconsole sandbox serve" in result.err


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 3), (signal.SIGTERM, 143)], ids=["ctrl+c", "SIGTERM"]
)
def test_ctrl_c_while_waiting_exits_3_with_the_request_id_and_no_traceback(
    tmp_path: Any, signum: signal.Signals, code: int
) -> None:
    # SIGTERM (kill, a CI timeout) said only "Terminated" (QA): now the same words as Ctrl+C.
    env = {
        "PATH": "/usr/bin:/bin",
        "FPCONSOLE_HOME": str(tmp_path),
        "FPCONSOLE_SANDBOX_DELAY": "60",  # stays in `process` while we interrupt it
    }
    argv = [sys.executable, "-m", "fpconsole", "call", "card.bulk_issue", "product_id=2000", "count=1"]
    with subprocess.Popen(
        [*argv, f"request_id={RID}", "--wait"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl+C as at a terminal: a suite started in the background (`.ci/run &`) passes its
        # ignored SIGINT down, and a command that inherits that rightly ignores it (as nohup).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as proc:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:  # wait until it is following the request
            lines.append(line)
            if "card.bulk_issue: process" in line:
                break
        else:
            pytest.fail("".join(lines))
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert "interrupted; the outcome of card.bulk_issue is unknown here" in err
    assert f"poll request/status with request_id {RID}" in err
    assert out == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "0"],
        ["--db", "x.sqlite3", "--port", "0", "--delay", "0"],
        ["--seed", "3", "--faults", "card.block:error_rate=1", "--partner", "42:s"],
        ["--help"],
        [],
    ],
)
def test_sandbox_serve_gets_its_words_as_typed(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Same entry point as `call`: parse_known_args used to split each flag from its value.
    import fpconsole.sandbox.serve

    received: list[list[str]] = []
    monkeypatch.setattr(fpconsole.sandbox.serve, "main", lambda args: received.append(list(args)) or 0)
    assert cli.main(["--profile", "sandbox", "sandbox", "serve", *argv]) == 0
    assert received == [argv]


# --- --base-url sessions are journalled; `methods` shows may-process -----------------------


def test_a_base_url_call_is_journalled_under_an_adhoc_name(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    from fpconsole.session import adhoc_profile_name
    from fpconsole.store.journal import Journal

    name = "adhoc:card-api.test:100500"
    assert adhoc_profile_name(BASE_URL, AUTH_ID) == name
    # Stable whatever the case of the host, and a password in the URL is never part of it.
    assert adhoc_profile_name("https://me:hunter2@Card-API.test:8443/", AUTH_ID) == (
        "adhoc:card-api.test:8443:100500"
    )
    backend.on("card/block", ok("process"))
    result = run(capsys, "card.block", "card_id=7001234", "description=lost", f"request_id={RID}")
    assert result.code == 0, result.err
    with Journal.open(profile=name) as journal:
        [entry] = journal.entries()
    assert (entry.request_id, entry.method, entry.outcome) == (RID, "card.block", "process")
    assert SECRET not in json.dumps(entry.to_json())

    # Read back with --profile, like a profile's journal; the pending note repeats the flags.
    assert cli.main(["journal", "--profile", name]) == 0
    listing = capsys.readouterr().out
    assert RID in listing and "card.block" in listing
    assert (
        f"fpconsole call request.status request_id={RID} --base-url http(s)://card-api.test "
        f"--auth-id {AUTH_ID} --secret-env VAR"
    ) in listing

    # --curl sends nothing, so it records nothing.
    assert run(capsys, "card.info", "card_id=7001234", "--curl").code == 0
    with Journal.open(profile=name) as journal:
        assert len(journal.entries()) == 1


def test_the_adhoc_prefix_is_the_same_everywhere() -> None:
    from fpconsole import local_commands, session

    assert local_commands.ADHOC_PREFIX == session.ADHOC_PREFIX


def test_methods_table_shows_may_process_within_100_columns() -> None:
    from fpconsole.api.methods import REGISTRY

    out = io.StringIO()
    assert cli.run_methods(out) == 0
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 100
    assert lines[0].split() == ["NAME", "PATH", "CHANGES", "STATE", "MAY", "PROCESS", "CONFIDENCE"]
    names = [name for name, _title, _method in REGISTRY.listing()]
    rows = {line.split()[0]: line.split() for line in lines[1 : len(names) + 1]}
    assert set(rows) == set(names) == {method.name for method in REGISTRY} | {"transaction.request_status"}
    for name, _title, method in REGISTRY.listing():
        _, path, changes, may_process, _ = rows[name]
        assert changes == ("yes" if method.changes_state else "no")
        assert may_process == ("yes" if method.may_process else "no")
        assert REGISTRY.resolve(path) is method  # the short path is one `call` accepts
    assert rows["card.block"][3] == "yes" and rows["card.info"][3] == "no"


def test_methods_lists_transaction_request_status_as_request_status() -> None:
    """Docs page api-14318518: one path under two menu labels, so one entry shown under both."""
    out = io.StringIO()
    assert cli.run_methods(out) == 0
    lines = out.getvalue().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("request.status "))
    status, twin = lines[at].split(), lines[at + 1].split()  # listed right after its entry
    assert twin[0] == "transaction.request_status"
    assert twin[1:] == status[1:] and twin[1] == "request/status"
    assert "transaction.request_status: another name of request.status" in out.getvalue()
    assert "transaction/request_status" not in out.getvalue()
    listed = io.StringIO()
    assert cli.run_methods(listed, as_json=True) == 0
    by_name = {row["name"]: row for row in map(json.loads, listed.getvalue().splitlines())}
    assert by_name["transaction.request_status"] == {
        **by_name["request.status"],
        "name": "transaction.request_status",
        "title": "Transaction request status",
    }
    assert by_name["transaction.request_status"]["entry"] == "request.status"


# --- production: a state change needs --yes or the method's name typed back -------------------

PRODUCTION_CONFIG = f"""\
[profiles.live]
kind = "production"
base_url = "https://card-api.test"
auth_id = "{AUTH_ID}"
secret_env = "{SECRET_ENV}"
read_only = false

[profiles.qa]
kind = "test"
base_url = "{BASE_URL}"
auth_id = "{AUTH_ID}"
secret_env = "{SECRET_ENV}"
"""


class Terminal(io.StringIO):
    """What the user types at a terminal (stdin that says it is a tty)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def production(isolated_home: Any) -> None:
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PRODUCTION_CONFIG)


def on_live(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    return run(capsys, "--profile", "live", *args, base_url=None)


BLOCK = ("card.block", "card_id=7001234", "description=lost", f"request_id={RID}")


def test_a_state_change_on_production_without_a_terminal_needs_yes(
    backend: Backend, production: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script: stdin is not a terminal
    backend.on("card/block", ok("process"))
    result = on_live(capsys, *BLOCK)
    assert result.code == 2
    assert "profile live is production (card-api.test) and card.block changes state" in result.err
    assert "nothing was sent" in result.err and "--yes" in result.err
    assert backend.seen == [] and result.out == ""


def test_yes_sends_a_state_change_on_production(
    backend: Backend, production: None, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.on("card/block", ok("process"))
    result = on_live(capsys, *BLOCK, "--yes")
    assert result.code == 0, result.err
    assert backend.paths() == ["card/block"]


def test_on_a_terminal_typing_the_method_name_sends_it(
    backend: Backend, production: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("card.block\n"))
    backend.on("card/block", ok("process"))
    result = on_live(capsys, *BLOCK)
    assert result.code == 0, result.err
    # The question says where, what and with which fields, before anything goes out.
    assert "profile live is production (card-api.test); card.block changes state:" in result.err
    assert f"request_id={RID} card_id=7001234 description=lost" in result.err
    assert "Type card.block to send it" in result.err
    assert backend.paths() == ["card/block"]


@pytest.mark.parametrize("typed", ["y\n", "yes\n", "card.unblock\n", "\n", ""], ids=repr)
def test_on_a_terminal_anything_else_cancels(
    backend: Backend,
    production: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    typed: str,
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(typed))
    backend.on("card/block", ok("process"))
    result = on_live(capsys, *BLOCK)
    assert result.code == 2
    assert "not confirmed; nothing was sent" in result.err
    assert backend.seen == []


def test_the_question_never_shows_a_pin(
    backend: Backend, production: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("no\n"))
    result = on_live(capsys, "card.set_pin", "card_id=7001234", "pin=q3Jx0v9mW0b8k3YtZx3z1Q==")
    assert result.code == 2
    assert "card_id=7001234" in result.err
    assert "q3Jx0v9mW0b8k3YtZx3z1Q==" not in result.err


def test_a_body_on_stdin_cannot_also_confirm(
    backend: Backend, production: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps({"card_id": "7001234", "description": "lost"})
    monkeypatch.setattr("sys.stdin", Terminal(body))
    result = on_live(capsys, "card.block", "--json", "-")
    assert result.code == 2
    assert "--yes" in result.err and backend.seen == []


@pytest.mark.parametrize(
    "args",
    [
        ("card.info", "card_id=7001234"),  # a read never asks
        ("card.block", "card_id=7001234", "description=lost", "--curl"),  # --curl sends nothing
    ],
    ids=["read", "curl"],
)
def test_reads_and_curl_on_production_need_no_confirmation(
    backend: Backend,
    production: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    backend.on("card/info", ok(card={"card_id": "7001234"}))
    result = on_live(capsys, *args)
    assert result.code == 0, result.err
    assert "production" not in result.err


def test_an_invalid_request_on_production_is_refused_before_any_question(
    backend: Backend, production: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("card.block\n"))
    result = on_live(capsys, "card.block", "description=lost")
    assert result.code == 2
    assert "card_id" in result.err and "Type card.block" not in result.err


def test_a_state_change_on_a_test_profile_is_not_asked_about(
    backend: Backend, production: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    backend.on("card/block", ok("process"))
    result = run(capsys, "--profile", "qa", *BLOCK, base_url=None)
    assert result.code == 0, result.err
    assert backend.paths() == ["card/block"]


def test_the_question_on_a_real_terminal(isolated_home: Any) -> None:
    # A real process with a pty for stdin: the question appears, a wrong answer sends nothing.
    import os
    import pty  # noqa: F401  (POSIX only, like the jump hosts this is for)

    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PRODUCTION_CONFIG)
    master, slave = os.openpty()
    argv = [sys.executable, "-m", "fpconsole", "--profile", "live", "call", *BLOCK]
    env = {**os.environ, SECRET_ENV: SECRET}
    process = subprocess.Popen(argv, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    try:
        assert process.stderr is not None
        seen = b""
        while b"Type card.block" not in seen:
            chunk = process.stderr.read1(4096)  # type: ignore[attr-defined]
            assert chunk, seen  # the process ended without asking
            seen += chunk
        os.write(master, b"card.unblock\n")
        out, err = process.communicate(timeout=60)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 2, err
    assert b"not confirmed; nothing was sent" in err
    assert out == b""


def test_yes_does_not_open_a_read_only_production_profile(
    backend: Backend, isolated_home: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # read_only defaults to true on production: --yes answers the question, it lifts nothing.
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PRODUCTION_CONFIG.replace("read_only = false\n", ""))
    result = on_live(capsys, *BLOCK, "--yes")
    assert result.code == 2
    assert "profile live is read-only; card.block changes state" in result.err
    assert backend.seen == []


def test_ctrl_c_at_the_production_question_sends_nothing(
    backend: Backend, production: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Interrupted(Terminal):
        def readline(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin", Interrupted(""))
    result = on_live(capsys, *BLOCK)
    assert result.code == 130
    assert result.err.endswith("\nfpconsole call: interrupted; nothing was sent\n")
    assert backend.seen == []


@pytest.mark.parametrize("source", ["stdin", "file"])
def test_json_nested_too_deeply_exits_2_without_a_traceback(
    backend: Backend,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    source: str,
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    if source == "stdin":
        monkeypatch.setattr(sys, "stdin", io.StringIO(deep))
        result = run(capsys, "card.info", "--json", "-")
    else:
        path = tmp_path / "deep.json"
        path.write_text(deep, encoding="utf-8")
        result = run(capsys, "card.info", "--json", str(path))
    assert result.code == 2
    shown = "--json" if source == "stdin" else f"--json {tmp_path / 'deep.json'}"
    assert f"{shown}: not valid JSON (nested too deeply)" in result.err
    assert backend.seen == []


def test_an_answer_nested_too_deeply_is_a_bad_response_not_a_traceback(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.on("card/info", httpx.Response(200, content=b'{"status":"ok","card":' + b"[" * 100_000 + b"}"))
    result = run(capsys, "card.info", "card_id=7001234")
    assert result.code == 3
    assert "nested too deeply" in result.err and "Traceback" not in result.err
