"""`fpconsole sandbox serve`: flags, and (marked slow) the real server in a subprocess: signed
calls over HTTP, the full lifecycle, copy-as-curl with the real curl, faults on real sockets,
and a clean stop on SIGINT with the database intact."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import stat
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from fpconsole.api.curl import to_curl
from fpconsole.sandbox.faults import FaultRule
from fpconsole.sandbox.serve import banner, main, parse_options

BODY = {"request_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "card_id": "7001234"}


# --- flags -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--port", "abc"], "--port"),
        (["--port", "70000"], "--port"),
        (["--delay", "-1"], "--delay"),
        (["--delay", "soon"], "--delay"),
        (["--seed", "5000"], "--seed"),
        (["--partner", "no-colon-here"], "--partner"),
        (["--partner", ":secret"], "--partner"),
        (["--faults", "eror_rate=1"], "--faults"),
        (["--auth-error-status", "42"], "--auth-error-status"),
        (["--host", "0.0.0.0"], "--host"),
        (["--host", "192.0.2.1"], "--host"),
        (["--bogus"], "--bogus"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(
    argv: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert flag in err, err
    assert "no-colon-here" not in err  # a mistyped --partner value may be a secret: never echoed


def test_non_loopback_host_is_refused_without_allow_remote(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--host", "0.0.0.0"]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    options = parse_options(["--host", "0.0.0.0", "--allow-remote"])
    assert options.host == "0.0.0.0" and options.allow_remote


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--faults" in capsys.readouterr().out


def test_options_become_settings() -> None:
    options = parse_options(
        [
            "--port", "0", "--db", "x.sqlite3", "--partner", "42:s3cret", "--partner", "43:other",
            "--delay", "0.5", "--seed", "3", "--rng-seed", "9", "--faults", "card.block:error_rate=1",
            "--auth-error-status", "401", "--host", "::1",
        ]
    )  # fmt: skip
    settings = options.settings
    assert (options.host, options.port) == ("::1", 0)
    assert dict(settings.partners) == {"42": "s3cret", "43": "other"}
    assert (settings.db, settings.delay, settings.seed, settings.rng_seed) == ("x.sqlite3", 0.5, 3, 9)
    assert settings.faults.rule_for("card.block") == FaultRule(error_rate=1)
    assert settings.auth_error_status == 401


def test_banner_shows_ids_and_only_the_builtin_secret() -> None:
    assert "secret: sandbox-secret (built-in)" in banner(parse_options([]), 8642)
    text = banner(parse_options(["--partner", "42:s3cret"]), 8642)
    assert "partner 42" in text and "s3cret" not in text and "sandbox-secret" not in text
    assert "http://127.0.0.1:8642" in text


# --- the real server ---------------------------------------------------------------------------


def post(base: str, path: str, payload: Any, kit: Any, **sign_args: Any) -> httpx.Response:
    body = kit.compact(payload)
    return httpx.post(base + path, content=body, headers=kit.headers(path, body, **sign_args), timeout=10)


@pytest.mark.slow
def test_served_over_http_and_stopped_cleanly_with_the_db_intact(
    served_factory: Any, kit: Any, tmp_path: Path
) -> None:
    db = tmp_path / "sandbox.sqlite3"
    served = served_factory("--db", str(db), "--delay", "0", "--seed", "2")
    assert served.base_url.startswith("http://127.0.0.1:") and not served.base_url.endswith(":0")
    assert "partner 100500" in served.banner and "sandbox-secret (built-in)" in served.banner

    health = httpx.get(served.base_url + "/sandbox/health", timeout=5).json()
    assert health["partners"] == 1 and health["db"] == str(db) and health["workers"] == 1
    person = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}
    request_id = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
    added = post(
        served.base_url,
        "/v5/card-api/client/add",
        {"request_id": request_id, "product_id": 2000, "client": person},
        kit,
    )
    assert added.status_code == 200 and added.json()["status"] == "ok", added.text
    status = post(served.base_url, "/v5/card-api/request/status", {"request_id": request_id}, kit).json()
    assert status["request_status"] == "success"
    refused = post(
        served.base_url, "/v5/card-api/request/status", {"request_id": request_id}, kit, secret="nope"
    )
    assert refused.json()["error_code"] == "invalid_signature"

    code, out, err = served.stop()
    assert code == 0, err
    assert "fpconsole sandbox stopped" in out
    assert "Traceback" not in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (found,) = conn.execute(
            "SELECT count(*) FROM clients WHERE client_id = ?", (status["client_id"],)
        ).fetchone()
    assert found == 1
    # Restarted on the same file, the sandbox still knows the request (and does not seed again).
    again = served_factory("--db", str(db), "--delay", "0", "--seed", "2")
    status_again = post(again.base_url, "/v5/card-api/request/status", {"request_id": request_id}, kit).json()
    assert status_again["client_id"] == status["client_id"]
    assert again.stop()[0] == 0


@pytest.mark.slow
async def test_full_lifecycle_over_real_http(served_factory: Any, lifecycle: Any, kit: Any) -> None:
    served = served_factory("--delay", "0")
    client = kit.real_client(served.base_url)
    try:
        await lifecycle(client)
    finally:
        await client.aclose()
    assert served.stop()[0] == 0


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary")
def test_copy_as_curl_runs_with_real_curl(served_factory: Any, kit: Any) -> None:
    # Seeded, so the first card exists and the accepted call answers with its data.
    served = served_factory("--delay", "0", "--seed", "1")
    client = kit.real_client(served.base_url)
    line = to_curl(client.prepare("card.info", {**BODY, "card_id": "7001001"}))
    assert kit.SECRET not in line
    answer = json.loads(
        subprocess.run(["bash", "-c", line], capture_output=True, text=True, check=True).stdout
    )
    assert answer["status"] == "ok" and answer["card"]["card_id"] == "7001001", answer
    tampered = line.replace('"card_id":"7001001"', '"card_id":"7001002"')
    assert len(tampered) == len(line) and sum(a != b for a, b in zip(tampered, line, strict=True)) == 1
    answer = json.loads(
        subprocess.run(["bash", "-c", tampered], capture_output=True, text=True, check=True).stdout
    )
    assert answer["error_code"] == "invalid_signature", answer
    assert served.stop()[0] == 0


@pytest.mark.slow
def test_faults_on_real_sockets(served_factory: Any, kit: Any) -> None:
    served = served_factory(
        "--faults", "hold=30s;card.block:drop_rate=1;card.unblock:timeout_rate=1;card.info:http5xx_rate=1"
    )
    block = {**BODY, "description": "lost"}
    with pytest.raises(httpx.RemoteProtocolError):
        post(served.base_url, "/v5/card-api/card/block", block, kit)
    # Held (hold=30s): the client's own 0.5 s read timeout ends the wait, not an answer.
    with pytest.raises(httpx.ReadTimeout):
        body = kit.compact(block)
        path = "/v5/card-api/card/unblock"
        httpx.post(served.base_url + path, content=body, headers=kit.headers(path, body), timeout=0.5)
    unavailable = post(served.base_url, kit.CARD_INFO, BODY, kit)
    kit.envelope(unavailable, "injected_error", status=503)
    # The server is still well: other methods answer, and the held request does not stop shutdown.
    assert post(served.base_url, "/v5/card-api/card/balance", BODY, kit).json()["error_code"] == "not_found"
    code, _, err = served.stop()
    assert code == 0 and "Traceback" not in err and "returned without completing" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "0"],
        ["--db", "x.sqlite3", "--port", "0", "--delay", "0"],
        ["--seed", "3", "--faults", "card.block:error_rate=1", "--partner", "42:s"],
    ],
)
def test_the_console_command_hands_serve_its_flags_as_typed(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import fpconsole.cli
    import fpconsole.sandbox.serve

    received: list[list[str]] = []

    def fake_main(args: list[str]) -> int:
        received.append(list(args))
        return 0

    monkeypatch.setattr(fpconsole.sandbox.serve, "main", fake_main)
    assert fpconsole.cli.main(["sandbox", "serve", *argv]) == 0
    assert received == [argv]


def test_the_console_knows_where_serve_listens_by_default() -> None:
    # session.py keeps its own copy so the console does not import uvicorn to say it.
    from fpconsole.sandbox.serve import DEFAULT_PORT
    from fpconsole.session import SERVED_SANDBOX_BASE_URL

    assert f"http://127.0.0.1:{DEFAULT_PORT}" == SERVED_SANDBOX_BASE_URL


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_shuts_down_cleanly_and_closes_the_db(
    served_factory: Any, kit: Any, tmp_path: Path, sig: int
) -> None:
    """SIGTERM (systemd, docker, kill) and SIGHUP (the SSH session closed) stop it as Ctrl+C
    does: exit 0, the closing line, the database closed (SQLite folds the WAL back in and
    removes it when the last connection closes)."""
    db = tmp_path / "sandbox.sqlite3"
    served = served_factory("--db", str(db), "--delay", "0", "--seed", "1")
    request_id = str(uuid.uuid4())
    body = kit.compact({"request_id": request_id, "card_id": "7001001", "amount": 100})
    credited = httpx.post(
        served.base_url + "/sandbox/credit",
        content=body,
        headers=kit.headers("/sandbox/credit", body),
        timeout=10,
    )
    assert credited.json()["status"] == "ok", credited.text
    code, out, err = served.stop(sig=sig)
    assert code == 0, (code, err)
    assert out.rstrip().endswith("fpconsole sandbox stopped"), out
    assert "Traceback" not in err
    assert not Path(f"{db}-wal").exists()  # closed, not just killed
    assert stat.S_IMODE(db.stat().st_mode) == 0o600  # full test PANs and CVVs: private
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (recorded,) = conn.execute(
            "SELECT status FROM requests WHERE request_id = ?", (request_id,)
        ).fetchone()
    conn.close()
    assert recorded == "success"


@pytest.mark.slow
def test_a_20_mb_body_gets_a_413_answer_not_a_connection_reset(served_factory: Any, kit: Any) -> None:
    served = served_factory("--delay", "0")
    body = kit.compact({**BODY, "pad": "x" * (20 * 1024 * 1024)})
    response = httpx.post(
        served.base_url + kit.CARD_INFO, content=body, headers=kit.headers(kit.CARD_INFO, body), timeout=60
    )
    data = kit.envelope(response, "body_too_large", status=413)
    assert "4 MiB" in data["error_description"]
    # The server goes on answering on new connections.
    assert post(served.base_url, "/v5/card-api/card/balance", BODY, kit).json()["error_code"] == "not_found"
    code, _, err = served.stop()
    assert code == 0 and "Traceback" not in err


@pytest.mark.slow
def test_a_client_writing_the_whole_oversized_body_first_reads_the_413(served_factory: Any, kit: Any) -> None:
    """curl and most clients send the whole body before reading: they must not meet a reset."""
    import socket
    from urllib.parse import urlsplit

    served = served_factory("--delay", "0")
    body = kit.compact({**BODY, "pad": "x" * (20 * 1024 * 1024)})
    headers = kit.headers(kit.CARD_INFO, body)
    split = urlsplit(served.base_url)
    head = f"POST {kit.CARD_INFO} HTTP/1.1\r\nHost: {split.netloc}\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "Connection: close\r\n\r\n"
    with socket.create_connection((split.hostname, split.port), timeout=60) as sock:
        sock.sendall(head.encode("latin-1") + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b'"error_code":"body_too_large"' in answer
    served.stop()
