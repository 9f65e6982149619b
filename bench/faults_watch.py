"""What keeping the top bar's fault warning current costs (fpconsole/tui/faults_watch.py): the
console reads this partner's faults every READ_EVERY_S seconds, whoever set them.

Printed, in one run:
- one read's time in-process (the embedded sandbox, as the console does it: signed faults/get
  through a CardApiClient on the ASGI app), median and p95 over --reads reads;
- one read's bytes on the wire to a served sandbox (request line and headers + body, answer
  headers + body), and so what the watch adds per minute;
- in a 120x40 pseudo-terminal (xterm-256color, as bench/ssh_bytes.py): bytes the console writes
  over --idle seconds of reads that find the faults unchanged (goal: 0), and bytes written when
  another shell changes them (`fpconsole sandbox faults set` on the same FPCONSOLE_HOME).

Run: python bench/faults_watch.py [--reads 200] [--idle 10]. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ssh_bytes import fpconsole_command, read_until_quiet, spawn

from fpconsole.api.client import CardApiClient
from fpconsole.tui.faults_watch import READ_EVERY_S

SPEC = "latency=200ms,error_rate=0.2,http5xx_rate=0.1,timeout_rate=0.05;card.issue:drop_rate=1"


def embedded_client() -> CardApiClient:
    """The built-in partner's client on an in-memory embedded sandbox (the console's sandbox)."""
    from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
    from fpconsole.sandbox.embedded import embedded_transport

    return CardApiClient(
        base_url="http://sandbox.local",
        auth_id=BUILTIN_SANDBOX_AUTH_ID,
        secret=BUILTIN_SANDBOX_SECRET,
        transport=embedded_transport(),
    )


async def in_process_reads(count: int) -> list[float]:
    from fpconsole.api.sandbox_control import SandboxControl

    async with embedded_client() as client:
        control = SandboxControl(client)
        await control.get_faults()  # warm: the first builds the app's routes
        times = []
        for _ in range(count):
            started = time.perf_counter()
            await control.get_faults()
            times.append((time.perf_counter() - started) * 1000)
    return times


def wire_bytes() -> tuple[int, int]:
    """(request, answer) bytes of one faults/get, as HTTP/1.1 would carry them."""
    import httpx

    seen: dict[str, int] = {}

    async def run() -> None:
        async def on_request(request: httpx.Request) -> None:
            head = f"{request.method} {request.url.raw_path.decode()} HTTP/1.1\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in request.headers.items()) + "\r\n"
            seen["request"] = len(head.encode()) + len(request.content)

        async def on_response(response: httpx.Response) -> None:
            await response.aread()
            head = "HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in response.headers.items())
            seen["answer"] = len(head.encode()) + 2 + len(response.content)

        async with embedded_client() as client:
            client._http.event_hooks = {"request": [on_request], "response": [on_response]}
            await client.post_control("/sandbox/faults/get", {})

    asyncio.run(run())
    return seen["request"], seen["answer"]


def terminal_bytes(idle: float) -> tuple[int, int, int]:
    """(bytes over `idle` seconds unchanged, bytes for one change, reads in that time)."""
    home = Path(tempfile.mkdtemp(prefix="fpconsole-faults-watch-"))
    env = {"FPCONSOLE_HOME": str(home)}
    cli = [*fpconsole_command().split(), "sandbox", "faults"]
    try:
        subprocess.run(
            [*cli, "set", "--spec", SPEC], env={**os.environ, **env}, check=True, capture_output=True
        )
        pid, fd = spawn(fpconsole_command(), env)
        try:
            boot = b""
            started = time.monotonic()
            while b"faults" not in boot and time.monotonic() - started < 60:
                boot += read_until_quiet(fd, 0.2, 2)
            read_until_quiet(fd, 2.0, 15)  # the first paint and the lists' fetches
            quiet = b""
            end = time.monotonic() + idle
            while time.monotonic() < end:
                quiet += read_until_quiet(fd, 0.2, max(0.1, end - time.monotonic()))
            subprocess.run(
                [*cli, "set", "--error-rate", "50%"],
                env={**os.environ, **env},
                check=True,
                capture_output=True,
            )
            changed = read_until_quiet(fd, 1.0, READ_EVERY_S * 3)
        finally:
            os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            os.close(fd)
        return len(quiet), len(changed), int(idle / READ_EVERY_S)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reads", type=int, default=200, help="in-process reads timed")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of unchanged reads watched")
    args = parser.parse_args()

    times = sorted(asyncio.run(in_process_reads(args.reads)))
    p95 = times[int(len(times) * 0.95) - 1]
    median = statistics.median(times)
    print(f"one read in-process: median {median:.2f} ms, p95 {p95:.2f} ms ({args.reads} reads)")
    request, answer = wire_bytes()
    per_minute = (request + answer) * 60 / READ_EVERY_S
    print(
        f"one read on the wire: {request} B sent + {answer} B answered; every {READ_EVERY_S:g} s "
        f"= {per_minute / 1024:.1f} KiB a minute"
    )
    quiet, changed, reads = terminal_bytes(args.idle)
    print(f"terminal, {args.idle:g} s of ~{reads} unchanged reads: {quiet} B written")
    print(f"terminal, faults changed by another shell: {changed} B written")
    print(
        json.dumps(
            {
                "read_ms_median": round(statistics.median(times), 3),
                "wire_bytes": request + answer,
                "idle_bytes": quiet,
                "change_bytes": changed,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
