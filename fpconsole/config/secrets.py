"""Fetching a profile's partner secret from a file or a command, without hanging or reading
without end whatever the path or the command turns out to be.

A secret is short: both sources are read up to SECRET_LIMIT bytes. A secret file must be a
regular file (a FIFO would block the open, /dev/zero would never end); a secret command runs in
its own session so that whatever it leaves behind (a backgrounded child, one holding our pipe)
is ended with it. Messages never contain the secret or a command's output.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

SECRET_LIMIT: Final = 64 * 1024
_LIMIT_TEXT: Final = "64 KiB"
_READ_CHUNK: Final = 65536
_STDERR_TAIL: Final = 4096
# How often a running command is checked for having exited while a child still holds its
# stdout open; data and EOF wake the wait at once.
_EXIT_POLL_S: Final = 0.05

_FILE_TYPES: Final = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class SecretError(Exception):
    """The profile's secret could not be fetched (variable unset, command failed, empty)."""


class SecretFileProblem(Exception):
    """secret_file names something that cannot hold the secret; the caller adds where the
    key is written (file and line)."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem} — {fix}")
        self.problem = problem
        self.fix = fix


# --- secret_file ---------------------------------------------------------------------------------


def describe_file_type(mode: int) -> str:
    """What a path that is not a regular file is, in words ("a named pipe")."""
    return next((name for test, name in _FILE_TYPES if test(mode)), "a special file")


def _not_regular(path: Path, mode: int) -> SecretFileProblem:
    return SecretFileProblem(
        f"{path} is {describe_file_type(mode)}, not a regular file",
        "secret_file must name a file holding only the secret (mode 0600)",
    )


def _too_large(path: Path, size: int | None) -> SecretFileProblem:
    amount = f"is {size} bytes" if size is not None else f"holds more than {_LIMIT_TEXT}"
    return SecretFileProblem(
        f"{path} {amount}; a secret file holds one secret (at most {_LIMIT_TEXT})",
        "check that secret_file names the right file",
    )


def read_secret_file(profile: str, path: Path) -> str:
    """The file's content, trimmed. Raises SecretFileProblem for a path that cannot be a secret
    file (missing, not a regular file, readable by others, too large) and SecretError when its
    content cannot be used."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SecretFileProblem(
            "the file does not exist", f"create it with the secret on one line and run chmod 600 {path}"
        ) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise SecretFileProblem(f"cannot read it ({reason})", "check the path and its permissions") from None
    # Decided on stat alone: opening a FIFO waits for a writer, and opening some devices acts.
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)
    # POSIX modes mean nothing on Windows; there the folder's ACL is what protects it.
    if os.name == "posix" and info.st_mode & 0o077:
        raise SecretFileProblem(
            f"the file is readable by others (mode {info.st_mode & 0o777:04o}); a secret file must be "
            "0600 or stricter",
            f"run chmod 600 {path}",
        )
    if info.st_size > SECRET_LIMIT:
        raise _too_large(path, info.st_size)
    try:
        raw = _read_regular(path)
    except OSError as exc:
        raise SecretError(f"profile {profile}: cannot read secret_file {path}: {exc.strerror}") from None
    if raw is None:
        raise _too_large(path, None)  # it grew between stat and read
    try:
        value = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise SecretError(f"profile {profile}: cannot read secret_file {path}: not UTF-8 text") from None
    if not value:
        raise SecretError(f"profile {profile}: secret_file {path} is empty — put the secret in it")
    return value


def _read_regular(path: Path) -> bytes | None:
    """Up to SECRET_LIMIT bytes, or None when there is more. Non-blocking open and a second
    type check on the open file: the path may have been swapped for a FIFO since the stat."""
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    )
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        data = bytearray()
        while len(data) <= SECRET_LIMIT:
            chunk = os.read(fd, SECRET_LIMIT + 1 - len(data))
            if not chunk:
                return bytes(data)
            data += chunk
        return None
    finally:
        os.close(fd)


# --- secret_command ------------------------------------------------------------------------------


@dataclass
class _Output:
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    timed_out: bool = False
    too_much: bool = False


def run_secret_command(profile: str, command: str, timeout: float) -> str:
    import shlex

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(f"profile {profile}: secret_command cannot be parsed ({exc})") from None
    if not argv:
        raise SecretError(f"profile {profile}: secret_command is empty")
    failed = f"profile {profile}: secret_command `{command}`"
    try:
        # No shell: the command is split like a shell would, but nothing is interpolated. Its
        # own session: everything it starts can be ended together (see _end).
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",
        )
    except FileNotFoundError:
        raise SecretError(
            f"{failed} failed: {argv[0]} was not found — install it or give its full path"
        ) from None
    except PermissionError:
        raise SecretError(f"{failed} failed: {argv[0]} is not executable") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in an argument
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise SecretError(f"{failed} failed: {reason}") from None
    try:
        output = _collect(proc, timeout) if os.name == "posix" else _collect_simply(proc, timeout)
    finally:
        _end(proc)
    if output.timed_out:
        raise SecretError(f"{failed} did not finish within {timeout:g} s (is it waiting for a passphrase?)")
    if output.too_much:
        raise SecretError(
            f"{failed} printed more than {_LIMIT_TEXT} and was stopped — a secret command prints only the "
            "secret; check that it is the right command"
        )
    stdout = output.stdout.decode("utf-8", errors="replace").strip()
    if proc.returncode != 0:
        raise SecretError(
            f"{failed} exited with status {proc.returncode}" + _stderr_hint(output.stderr, stdout)
        )
    if not stdout:
        raise SecretError(f"{failed} printed nothing (exit status 0)")
    return stdout


def _leader_exited(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the command itself has exited, without reaping it: while its zombie holds the
    pid, the process group id cannot be reused, so _end's killpg cannot hit a stranger."""
    if not hasattr(os, "waitid"):  # macOS: polling reaps, a risk only if the pid is reused at once
        return proc.poll() is not None
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _collect(proc: subprocess.Popen[bytes], timeout: float) -> _Output:
    """Read stdout (at most SECRET_LIMIT) and the tail of stderr until both close, the command
    exits (a child it left may keep them open: what is already there is taken, and no more
    waited for), or the timeout."""
    import selectors
    import time

    assert proc.stdout is not None and proc.stderr is not None
    output = _Output()
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, output.stdout)
        selector.register(proc.stderr, selectors.EVENT_READ, output.stderr)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                output.timed_out = True
                break
            exited = _leader_exited(proc)
            events = selector.select(0 if exited else min(left, _EXIT_POLL_S))
            if exited and not events:
                break
            for key, _ in events:
                chunk = os.read(key.fd, _READ_CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer: bytearray = key.data
                buffer += chunk
                if buffer is output.stderr:
                    del buffer[:-_STDERR_TAIL]
                elif len(buffer) > SECRET_LIMIT:
                    output.too_much = True
                    return output
    if not output.timed_out and not _exits_by(proc, deadline):
        output.timed_out = True
    return output


def _exits_by(proc: subprocess.Popen[bytes], deadline: float) -> bool:
    """Whether the command exits by `deadline`, its output already closed. cat, echo and printf
    close stdout and stderr themselves just before they exit: ended in that instant (_end), 7
    runs in 10 of `cat file` failed with "exited with status -9" (QA 24). Polled as
    subprocess's own wait(timeout) does, without reaping (see _leader_exited)."""
    import time

    pause = 0.0005
    while not _leader_exited(proc):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(pause, left))
        pause = min(pause * 2, _EXIT_POLL_S)
    return True


def _collect_simply(proc: subprocess.Popen[bytes], timeout: float) -> _Output:
    """Where pipes cannot be polled (Windows): wait for the end, then apply the same limit."""
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return _Output(timed_out=True)
    return _Output(
        bytearray(stdout[: SECRET_LIMIT + 1]),
        bytearray(stderr[-_STDERR_TAIL:]),
        too_much=len(stdout) > SECRET_LIMIT,
    )


def _end(proc: subprocess.Popen[bytes]) -> None:
    """End the command's process group (the command if still running, and what it left behind
    in that group), then reap it. A child that moved to a group or session of its own (setsid)
    is out of reach without privileges; docs/local-state.md says so."""
    import signal

    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def _stderr_hint(stderr: bytes | bytearray, stdout: str) -> str:
    """The last line of stderr helps ("gpg: decryption failed"), unless it could carry what
    the command printed on stdout — that may be the secret."""
    lines = [
        line.strip() for line in bytes(stderr).decode("utf-8", errors="replace").splitlines() if line.strip()
    ]
    if not lines:
        return ""
    last = lines[-1][:200]
    if stdout and (stdout in last or any(part in last for part in stdout.split() if len(part) >= 6)):
        return ""
    from fpconsole.store.scrub import scrub_text

    return f": {scrub_text(last)}"
