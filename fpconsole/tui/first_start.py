"""A first start's sandbox, seeded and listed by a second process while the console starts.

On a first start the embedded sandbox does not exist yet: its demo clients and cards are written,
then listed into the cache, before the Clients list has anything to show. In the console that
waited for the first frame, then for the backend's imports (the client, the sandbox's Starlette
app, pydantic: ~250 ms of CPU), then for the seed: the data came ~2.7x as late as a bare Textual
app's first frame. None of that needs the console's own process: a child process does the same
(the same session, sandbox and prime as the console's, Textual-free) on another core while the
console imports Textual and paints its first frame. When the child ends, the lists are told, and
show its rows before the console's backend is even imported.

The console's own prime then finds the cache primed up to the child's revision (its PrimeMark),
reads only what changed since, and writes the demo history as on any first start. A child that
fails or is cut off leaves things as a first start cut off leaves them: the console's backend
seeds and primes as it always did, and the child's error goes to the log file.

Only a first start of the embedded sandbox (no database file yet) starts one; a later start has
its data cached, shown in the first frame.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpconsole.config import ResolvedProfile

log = logging.getLogger(__name__)

# What the log keeps of a failed child's error output (its last lines: the exception).
STDERR_KEPT_CHARS = 2000
# The child's one line of output: the cache holds the first listing.
LISTED = b"listed\n"
# It takes well under a second; one that hangs is stopped, and the console seeds as before.
GIVE_UP_S = 30.0
# The child's exit status when it ends because the console's end of its stdin closed.
CONSOLE_GONE = 3


def is_first_start(profile: ResolvedProfile) -> bool:
    """The embedded sandbox's database does not exist yet: this start creates it."""
    from fpconsole.locations import embedded_sandbox_db

    return profile.embedded and not embedded_sandbox_db().exists()


@dataclass
class FirstStart:
    """The child process preparing the sandbox; `wait()` from a thread, `stop()` on close."""

    process: subprocess.Popen[bytes]
    outcome: int | None = field(default=None, init=False)

    @classmethod
    def begin(cls, profile_name: str | None) -> FirstStart | None:
        """Starts the child; None if it cannot be started (the console then seeds as before)."""
        command = [sys.executable, "-m", __name__, *([profile_name] if profile_name else [])]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,  # never written: its end tells the child the console is gone
                stdout=subprocess.PIPE,  # says LISTED once the cache holds the sandbox's rows
                stderr=subprocess.PIPE,  # never the console's terminal
                close_fds=True,
            )
        except OSError as exc:
            log.warning("could not start the first start's sandbox preparation: %s", exc)
            return None
        return cls(process)

    def wait_listed(self) -> bool:
        """Blocks until the cache holds the sandbox's first listing (True), or the child ended
        without it (False), stopped if it takes over GIVE_UP_S. The child still closes the
        sandbox after: see `wait`."""
        assert self.process.stdout is not None
        deadline = threading.Timer(GIVE_UP_S, self._give_up)
        deadline.start()
        try:
            return self.process.stdout.readline() == LISTED
        finally:
            deadline.cancel()

    def _give_up(self) -> None:
        log.warning("the first start's sandbox preparation took over %s s: stopped", GIVE_UP_S)
        self.stop()

    def wait(self) -> bool:
        """Blocks until the child ends (the sandbox is then the console's to open); True when it
        seeded and listed the sandbox."""
        assert self.process.stderr is not None
        # Not communicate(): it would close the child's stdin, which tells the child to end.
        deadline = threading.Timer(GIVE_UP_S, self._give_up)
        deadline.start()
        try:
            errors = self.process.stderr.read()  # to its end: the child's
            self.outcome = self.process.wait()
        finally:
            deadline.cancel()
        if self.outcome != 0:
            text = errors.decode("utf-8", "replace").strip()[-STDERR_KEPT_CHARS:]
            log.warning("the first start's sandbox preparation ended with %s: %s", self.outcome, text)
        return self.outcome == 0

    def stop(self) -> None:
        """The console closes first: the child stops, and what it did not commit is done at the
        next start (the sandbox seeds a partner only once, the prime goes on from its mark)."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.terminate()


async def prepare(profile_name: str | None) -> int:
    """In the child: the sandbox opened (so seeded) and its first listing primed into the cache,
    as the console's backend would (tui/backend.py), without the console."""
    from fpconsole.session import ClientHooks, open_session
    from fpconsole.store.cache import EntityCache
    from fpconsole.tui.prime import SandboxPrime, snapshot_body

    session = open_session(
        profile_name=profile_name, journal=False, hooks=ClientHooks(sandbox_history_later=True)
    )
    try:

        async def fetch(offset: int, limit: int, whole: int, since: int | None) -> dict[str, object]:
            return await session.client.post_control("/sandbox/snapshot", snapshot_body(offset, limit, since))

        with EntityCache.open(profile=session.profile_name) as cache:
            written = await SandboxPrime(cache, fetch, lambda: None, threading.Event()).run()
        sys.stdout.buffer.write(LISTED)
        sys.stdout.flush()
        return written
    finally:
        await session.aclose()


def end_with_the_console() -> None:
    """The child ends when the console does, however it ended (killed, its terminal gone): the
    console never writes to the child's stdin, which reads end-of-file once the console's end of
    the pipe closes. What the child had not committed is done at the next start."""

    def watch() -> None:
        # The bare descriptor: a thread blocked in sys.stdin's reader holds its lock, and the
        # interpreter's own shutdown then aborts on it.
        while os.read(0, 512):
            pass
        os._exit(CONSOLE_GONE)

    threading.Thread(target=watch, name="console-watch", daemon=True).start()


def main(argv: list[str]) -> int:
    import asyncio
    import gc

    from fpconsole.session import SetupError

    gc.disable()  # a short life, whose objects all live to its end: nothing to collect
    end_with_the_console()
    try:
        asyncio.run(prepare(argv[0] if argv else None))
    except SetupError as exc:  # a profile that cannot connect: the console says it in its bar
        sys.stderr.write(f"{exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
