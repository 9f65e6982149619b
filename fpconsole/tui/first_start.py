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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpconsole.config import ResolvedProfile

log = logging.getLogger(__name__)

# What the log keeps of a failed child's error output: its last lines (the child itself says an
# error in one line; more only if the interpreter itself failed).
STDERR_KEPT_LINES = 20
# The child's one line of output: the cache holds the first listing.
LISTED = b"listed\n"
# It takes well under a second; one that hangs is stopped, and the console seeds as before.
GIVE_UP_S = 30.0
# The child's exit status when it ends because the console's end of its stdin closed.
CONSOLE_GONE = 3


def is_first_start(profile: ResolvedProfile) -> bool:
    """The embedded sandbox's database does not exist yet: this start creates it. Not for a
    profile whose secret comes from a command: the child would run it too (a passphrase asked
    twice, a token touched twice), so that console seeds its sandbox itself, as before."""
    from fpconsole.locations import embedded_sandbox_db

    return profile.embedded and not profile.profile.secret_command and not embedded_sandbox_db().exists()


# The child's program: this module's main, imported from where the console's own fpconsole is
# (argv[1]). With -P the current folder is not on sys.path: a console started inside another
# checkout of fpconsole ran that checkout's code on its sandbox and cache (QA 23).
_CHILD_PROGRAM = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from fpconsole.tui.first_start import main; raise SystemExit(main(sys.argv[2:]))"
)


def child_command(profile_name: str | None) -> list[str]:
    import fpconsole

    package_root = str(Path(fpconsole.__file__).resolve().parent.parent)
    return [
        sys.executable,
        "-P",
        "-c",
        _CHILD_PROGRAM,
        package_root,
        *([profile_name] if profile_name else []),
    ]


@dataclass
class FirstStart:
    """The child process preparing the sandbox; `wait()` from a thread, `stop()` on close."""

    process: subprocess.Popen[bytes]
    outcome: int | None = field(default=None, init=False)
    started_at: float = field(default_factory=time.monotonic, init=False)

    @classmethod
    def begin(cls, profile_name: str | None) -> FirstStart | None:
        """Starts the child; None if it cannot be started (the console then seeds as before)."""
        command = child_command(profile_name)
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
        log.debug("first start: the sandbox is seeded and listed by process %s", process.pid)
        return cls(process)

    def wait_listed(self) -> bool:
        """Blocks until the cache holds the sandbox's first listing (True), or the child ended
        without it (False), stopped if it takes over GIVE_UP_S. The child still closes the
        sandbox after: see `wait`."""
        assert self.process.stdout is not None
        deadline = threading.Timer(GIVE_UP_S, self._give_up)
        deadline.start()
        try:
            listed = self.process.stdout.readline() == LISTED
        finally:
            deadline.cancel()
        if listed:
            spent_ms = (time.monotonic() - self.started_at) * 1000
            log.debug("first start: the sandbox's clients and cards listed after %.0f ms", spent_ms)
        return listed

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
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()
        if self.outcome != 0:
            said = errors.decode("utf-8", "replace").strip().splitlines()[-STDERR_KEPT_LINES:]
            text = "\n".join(said) or "no message"
            log.warning("the first start's sandbox preparation ended with %s: %s", self.outcome, text)
        else:
            log.debug("first start: the sandbox preparation ended")
        return self.outcome == 0

    def stop(self) -> None:
        """The console closes first: the child stops, and what it did not commit is done at the
        next start (the sandbox seeds a partner only once, the prime goes on from its mark)."""
        if self.process.poll() is None:
            # SIGKILL: a stopped child (SIGSTOP, a hung network home) acts on nothing else, and
            # a thread of the console's that waits for it would hold the console's exit. SQLite
            # rolls back what it had not committed.
            with contextlib.suppress(OSError):
                self.process.kill()


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

    gc.disable()  # a short life, whose objects all live to its end: nothing to collect
    end_with_the_console()
    try:
        asyncio.run(prepare(argv[0] if argv else None))
    except Exception as exc:  # the console meets the same error and says it on screen
        sys.stderr.write(f"{one_line(exc)}\n")
        return 1
    return 0


def one_line(exc: BaseException) -> str:
    """An error as the log says it: a profile that cannot connect is its message, anything else
    its type too (a full traceback here only repeated what the console then says)."""
    from fpconsole.session import SetupError

    text = " ".join(str(exc).split())
    return text if isinstance(exc, SetupError) else f"{type(exc).__name__}: {text}"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
