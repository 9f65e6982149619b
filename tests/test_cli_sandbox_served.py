"""`fpconsole sandbox …` against a real `fpconsole sandbox serve` on a free port, with two
partners: what one partner does (top-up, faults, reset) reaches its own data only. Also what a
target that is not a sandbox answers, and a reader that leaves (`| head -1`)."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fpconsole import cli, exit_codes

FPCONSOLE = [sys.executable, "-m", "fpconsole"]
PARTNERS = "42:first-secret,43:second-secret"
NOISE = ("Traceback", "BrokenPipeError", "Exception ignored", "Errno 32")
pytestmark = pytest.mark.slow


@dataclass
class Served:
    process: subprocess.Popen[str]
    base_url: str

    def flags(self, partner: str) -> list[str]:
        return ["--base-url", self.base_url, "--auth-id", partner, "--secret-env", f"FP_SECRET_{partner}"]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Served]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FPCONSOLE_SANDBOX_PARTNERS": PARTNERS}
    process = subprocess.Popen(
        [*FPCONSOLE, "sandbox", "serve", "--port", "0", "--seed", "2", "--delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # blocks until the banner (or the end, on a failure)
    if "listening on" not in first:
        process.kill()
        raise AssertionError(f"serve did not start: {first!r} {process.communicate()[1]}")
    monkeypatch.setenv("FP_SECRET_42", "first-secret")
    monkeypatch.setenv("FP_SECRET_43", "second-secret")
    yield Served(process, first.split("listening on", 1)[1].strip())
    process.terminate()
    process.communicate(timeout=60)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def first_card(capsys: pytest.CaptureFixture[str], served: Served, partner: str) -> str:
    """An active card of the partner's demo data."""
    from fpconsole.api.client import CardApiClient

    async def snapshot() -> dict[str, Any]:
        async with CardApiClient(
            base_url=served.base_url, auth_id=partner, secret=os.environ[f"FP_SECRET_{partner}"]
        ) as client:
            return await client.post_control("/sandbox/snapshot", {"limit": 1000})

    import asyncio

    cards = [c for c in asyncio.run(snapshot())["cards"] if c["status"] == "active"]
    return str(cards[0]["card_id"])


def balance(capsys: pytest.CaptureFixture[str], served: Served, partner: str, card: str) -> Decimal | str:
    code, out, err = run(capsys, "call", "card.balance", f"card_id={card}", *served.flags(partner))
    if code != 0:
        return err
    return Decimal(str(json.loads(out)["balances"]["accounts"][0]["amount"]))


def test_topup_faults_and_reset_reach_the_calling_partner_only(
    capsys: pytest.CaptureFixture[str], served: Served
) -> None:
    card_42, card_43 = first_card(capsys, served, "42"), first_card(capsys, served, "43")
    before_43 = balance(capsys, served, "43", card_43)

    before = balance(capsys, served, "42", card_42)
    assert isinstance(before, Decimal)
    code, out, err = run(capsys, "sandbox", "topup", card_42, "100", *served.flags("42"))
    assert code == 0, err
    assert out.startswith(f"card {card_42}: topped up by 100.00 KZT")
    assert balance(capsys, served, "42", card_42) == before + 100
    # Partner 43 cannot top up 42's card: to it, the card does not exist.
    code, _, err = run(capsys, "sandbox", "topup", card_42, "100", *served.flags("43"))
    assert code == exit_codes.EXIT_API_ERROR and "not_found" in err

    code, out, err = run(capsys, "sandbox", "faults", "set", "--error-rate", "100%", *served.flags("42"))
    assert (code, out) == (0, "faults: error_rate=1\n"), err
    assert "injected_error" in str(balance(capsys, served, "42", card_42))
    assert balance(capsys, served, "43", card_43) == before_43
    assert run(capsys, "sandbox", "faults", "show", *served.flags("43"))[1] == "faults: none\n"
    assert run(capsys, "sandbox", "faults", "clear", *served.flags("42"))[1] == "faults: none\n"

    code, out, err = run(capsys, "sandbox", "reset", "--yes", *served.flags("42"))
    assert code == 0, err
    assert out.startswith("reset: deleted 2 clients")
    assert "not_found" in str(balance(capsys, served, "42", card_42))
    assert balance(capsys, served, "43", card_43) == before_43


def test_health_and_requests_over_http(capsys: pytest.CaptureFixture[str], served: Served) -> None:
    code, out, err = run(capsys, "sandbox", "health", *served.flags("42"))
    assert code == 0, err
    assert "partners 2" in out and "first-secret" not in out
    card = first_card(capsys, served, "42")
    balance(capsys, served, "42", card)
    received = json.loads(run(capsys, "sandbox", "requests", "--json", *served.flags("42"))[1])
    assert received[0]["method"] == "card.balance"
    assert json.loads(run(capsys, "sandbox", "requests", "--json", *served.flags("43"))[1]) == []


def test_a_wrong_secret_is_the_sandboxs_refusal(
    capsys: pytest.CaptureFixture[str], served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FP_SECRET_42", "not-the-secret")
    code, _, err = run(capsys, "sandbox", "faults", "show", *served.flags("42"))
    assert code == exit_codes.EXIT_API_ERROR and "invalid_signature" in err
    # health answers unsigned: it still says the sandbox runs, and why this partner's part is missing
    code, out, err = run(capsys, "sandbox", "health", *served.flags("42"))
    assert code == 0, err
    assert "this partner: its delay and faults could not be read" in out and "signature" in out
    assert "not-the-secret" not in out


class _NotASandbox(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>Not Found</html>")

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def elsewhere() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotASandbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("words", [["topup", "7001001", "10"], ["faults", "show"], ["health"]])
def test_a_server_that_is_not_a_sandbox_is_named_so(
    capsys: pytest.CaptureFixture[str], elsewhere: str, monkeypatch: pytest.MonkeyPatch, words: list[str]
) -> None:
    monkeypatch.setenv("FP_SECRET", "x")
    code, out, err = run(
        capsys, "sandbox", *words, "--base-url", elsewhere, "--auth-id", "42", "--secret-env", "FP_SECRET"
    )
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert "is not a sandbox" in err and "sandbox-only" in err


def test_a_reader_that_leaves_ends_it_quietly(isolated_home: Path) -> None:
    """`fpconsole sandbox history CARD | head -1`: exit 141 and nothing but what it says anyway."""
    env = {**os.environ, "FPCONSOLE_HOME": str(isolated_home), "FPCONSOLE_SANDBOX_DELAY": "0"}
    done = subprocess.run(
        ["bash", "-c", "set -o pipefail; " + " ".join(FPCONSOLE) + " sandbox history 7001001 | head -1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.stdout.startswith("AT ") and done.stdout.count("\n") == 1
    assert done.returncode in (0, exit_codes.EXIT_BROKEN_PIPE)
    process = subprocess.Popen(
        [*FPCONSOLE, "sandbox", "requests"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader left before a line was written
    process.stdout = None
    _, err = process.communicate(timeout=300)
    assert process.returncode == exit_codes.EXIT_BROKEN_PIPE
    assert not [noise for noise in NOISE if noise in err.decode()]


class _OlderSandbox(_NotASandbox):
    """A sandbox of another fpconsole: health answers, the newer routes are 404s."""

    def do_GET(self) -> None:
        if self.path != "/sandbox/health":
            self._answer()
            return
        body = json.dumps({"status": "ok", "service": "fpconsole-sandbox", "version": "0.0.9"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_an_older_sandbox_without_the_route_says_which_and_what_to_do(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OlderSandbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("FP_SECRET", "x")
    try:
        code, out, err = run(
            capsys,
            "sandbox",
            "settle",
            "--base-url",
            f"http://127.0.0.1:{server.server_address[1]}",
            "--auth-id",
            "42",
            "--secret-env",
            "FP_SECRET",
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (code, out) == (exit_codes.EXIT_API_ERROR, "")
    assert "this sandbox runs fpconsole 0.0.9 and has no /sandbox/settle" in err
    assert "restart it with this fpconsole's `fpconsole sandbox serve`" in err
