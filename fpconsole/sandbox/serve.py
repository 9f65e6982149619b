"""`fpconsole sandbox serve`: the sandbox over HTTP under uvicorn (one worker, or `--workers N`
processes sharing a database file), on loopback unless told otherwise, so curl, Postman and other
tools can use it.

Ctrl+C, SIGTERM or SIGHUP stops it cleanly: uvicorn finishes the answers in flight, then the engine
is closed, which commits a file database. Exit codes: 0 stopped cleanly, 2 bad flags.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import ipaddress
import json
import logging
import os
import re
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn, TextIO

from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.exit_codes import EXIT_API_ERROR, EXIT_INVALID_INPUT, EXIT_OK
from fpconsole.sandbox import partners
from fpconsole.sandbox.control import MAX_SEED_COUNT
from fpconsole.sandbox.deadlines import DEFAULT_REQUEST_TIMEOUT_S, BodyDeadline, protocol_with_deadline
from fpconsole.sandbox.engine import store
from fpconsole.sandbox.faults import (
    MAX_SEED,
    DroppedConnection,
    FaultSpecError,
    describe,
    parse_fault_spec,
)
from fpconsole.sandbox.partners import PARTNERS_ENV
from fpconsole.sandbox.settings import (
    DEFAULT_DELAY_S,
    MAX_DELAY_S,
    SandboxSettings,
    check_delay,
)

if TYPE_CHECKING:
    from types import FrameType

    import uvicorn
    from starlette.types import ASGIApp, Receive, Scope, Send

    from fpconsole.sandbox.engine import SandboxEngine

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8642
# In-flight answers get this long after Ctrl+C; a request held by a timeout fault does not
# keep the process alive for its full hold.
GRACEFUL_SHUTDOWN_S: Final = 3
# An idle keep-alive connection is closed after this long (uvicorn's default, stated here).
KEEP_ALIVE_S: Final = 5
MAX_REQUEST_TIMEOUT_S: Final = 3600.0
# More processes than this only queue on SQLite's one write lock (see bench/sandbox_throughput.py).
MAX_WORKERS: Final = 32
# A worker that cannot start (its database became unusable): the supervisor stops.
EXIT_SERVER_FAILED: Final = EXIT_API_ERROR


class UsageError(Exception):
    """A bad flag; the message names it."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        head, sep, words = message.partition("unrecognized arguments: ")
        if sep:
            # argparse lists every stray word, and one may be a secret (`--partnr 42:s3cret`):
            # name only the options.
            options = [word for word in words.split() if word.startswith("-")]
            message = f"{head}unrecognized arguments: {' '.join(options) or '(values without an option)'}"
        raise UsageError(message)


def _shown(text: str) -> str:
    # A value is echoed so the user sees what was read, but never a screenful of it.
    return repr(text) if len(text) <= 24 else repr(text[:21]) + "…"


def _whole(
    low: int, high: int, what: str = "a whole number", *, past_high: str | None = None
) -> Callable[[str], int]:
    """An argparse type: ASCII digits only (int() would take '٨٠' or ' 8_0 ') within a range.
    With `past_high` (what the top is, and what to do instead), a number past the top is said
    to be too large, as `fpconsole sandbox seed 20000` says it (sandbox_commands.whole_number, which
    this layer may not import), rather than only given the range."""

    def parse(text: str) -> int:
        digits = text.strip()
        if re.fullmatch(r"[0-9]{1,19}", digits) and low <= int(digits) <= high:
            return int(digits)
        if past_high is not None and re.fullmatch(r"[0-9]+", digits):
            number = digits.lstrip("0") or "0"
            shown = number if len(number) <= 24 else number[:21] + "…"
            # Compared by length first: int() refuses more than 4300 digits.
            if len(number) > len(str(high)) or int(number) > high:
                raise argparse.ArgumentTypeError(f"{shown} is more than {high}, {past_high}")
        raise argparse.ArgumentTypeError(f"must be {what} {low}–{high}, got {_shown(text)}")

    return parse


def _seconds(text: str) -> float:
    """--delay: ASCII decimal seconds (1e-3 as a program may print it is fine) within range;
    NaN, infinities and 1e12 are refused."""
    digits = text.strip()
    if len(digits) <= 40 and re.fullmatch(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?", digits):
        with contextlib.suppress(ValueError):
            return check_delay(float(digits))
    raise argparse.ArgumentTypeError(
        f"must be a number of seconds, 0–{MAX_DELAY_S:g} (e.g. 0.5), got {_shown(text)}"
    )


def _request_seconds(text: str) -> float:
    digits = text.strip()
    if re.fullmatch(r"[0-9]{1,4}(?:\.[0-9]*)?|\.[0-9]+", digits):
        value = float(digits)
        if 0.1 <= value <= MAX_REQUEST_TIMEOUT_S:
            return value
    raise argparse.ArgumentTypeError(
        f"must be a number of seconds, 0.1–{MAX_REQUEST_TIMEOUT_S:g} (e.g. 15), got {_shown(text)}"
    )


def _db_path(text: str) -> str:
    """--db: refuses, before anything is opened or created, a path that cannot be the sandbox's
    database, saying what to do instead."""
    if text == ":memory:":
        return text
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text} is a folder; give a file name in it, e.g. --db {path / 'sandbox.sqlite3'}"
        )
    if path.exists():
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"{text} is not a regular file; give a SQLite file name")
        problem = store.check_file(path)
        if problem is not None:
            raise argparse.ArgumentTypeError(
                f"{text} {problem}; give a new file name, or one an earlier `sandbox serve --db` made"
            )
        return text
    folder = path.parent
    if not folder.exists():
        raise argparse.ArgumentTypeError(
            f"the folder {folder} does not exist; create it (mkdir -p {folder}) or give another path"
        )
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{folder} is not a folder; give another path")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot create a file in {folder} (permission denied)")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fpconsole sandbox serve",
        description="Serve the Card API sandbox over HTTP (loopback only unless --allow-remote).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port",
        default=DEFAULT_PORT,
        type=_whole(0, 65535),
        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--db",
        default=":memory:",
        type=_db_path,
        metavar="FILE",
        help="SQLite file, kept private (0600) (default: in memory)",
    )
    parser.add_argument(
        "--partner",
        action="append",
        default=[],
        metavar="ID:SECRET",
        help="a partner auth_id and its secret; repeatable. Visible to other users in `ps`: prefer "
        f"--partner-env or --partners-file (default, with no partner given: the built-in "
        f"{BUILTIN_SANDBOX_AUTH_ID} with secret {BUILTIN_SANDBOX_SECRET})",
    )
    parser.add_argument(
        "--partner-env",
        action="append",
        default=[],
        metavar="VAR",
        help=f"read partners from environment variable VAR: ID:SECRET entries separated by commas or "
        f"newlines; repeatable. ${PARTNERS_ENV} is read the same way whenever it is set",
    )
    parser.add_argument(
        "--partners-file",
        action="append",
        default=[],
        metavar="FILE",
        help="read partners from FILE, one ID:SECRET per line (# comments); it must be private "
        "(chmod 600); repeatable",
    )
    parser.add_argument(
        "--delay",
        default=DEFAULT_DELAY_S,
        type=_seconds,
        metavar="S",
        help=f"seconds before a 'process' request settles, 0–{MAX_DELAY_S:g} (default {DEFAULT_DELAY_S})",
    )
    parser.add_argument(
        "--seed",
        type=_whole(
            0,
            MAX_SEED_COUNT,
            past_high="the most a start seeds; seed more with `fpconsole sandbox seed` once it runs",
        ),
        metavar="N",
        help=f"create N (0–{MAX_SEED_COUNT}) demo clients with cards when the database is empty",
    )
    parser.add_argument(
        "--rng-seed",
        type=_whole(0, MAX_SEED),
        metavar="N",
        help="make generated ids and data reproducible",
    )
    parser.add_argument(
        "--faults", default="", metavar="SPEC", help="fault injection, e.g. 'latency=200ms,error_rate=0.1'"
    )
    parser.add_argument(
        "--auth-error-status",
        default=200,
        type=_whole(100, 599, "an HTTP status"),
        metavar="N",
        help="HTTP status of signature refusals (default 200, as the API documents; e.g. 401)",
    )
    parser.add_argument(
        "--request-timeout",
        default=DEFAULT_REQUEST_TIMEOUT_S,
        type=_request_seconds,
        metavar="S",
        help="seconds a client has to send its request headers, and then its body; a stalled "
        f"client is dropped (default {DEFAULT_REQUEST_TIMEOUT_S:g}, 0.1–{MAX_REQUEST_TIMEOUT_S:g})",
    )
    parser.add_argument(
        "--workers",
        default=1,
        type=_whole(1, MAX_WORKERS),
        metavar="N",
        help=f"worker processes (1–{MAX_WORKERS}; default 1), sharing the state and fault settings "
        "of a file database: needs --db FILE",
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow binding an address other than loopback"
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    settings: SandboxSettings
    allow_remote: bool
    access_log: bool
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_S
    workers: int = 1
    # Where each partner came from (--partner, $VAR, FILE line N), for the banner: never a secret.
    partner_sources: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def _partners(args: argparse.Namespace, environ: Mapping[str, str]) -> partners.Partners:
    try:
        found = partners.gather(
            on_command_line=args.partner,
            env_names=args.partner_env,
            files=args.partners_file,
            environ=environ,
            public_ids=[(BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET)],
        )
    except partners.PartnerError as exc:
        raise UsageError(str(exc)) from None
    if not found.secrets:
        found.add(BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET, "built-in")
    return found


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_options(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> ServeOptions:
    """Flags (and the partner variables of `environ`, default os.environ) → options; raises
    UsageError naming the bad flag."""
    args = build_parser().parse_args(list(argv))
    found = _partners(args, os.environ if environ is None else environ)
    if not is_loopback(args.host) and not args.allow_remote:
        raise UsageError(
            f"argument --host: {args.host} is not a loopback address; pass --allow-remote to serve "
            "on it (anyone who can reach it can use the sandbox)"
        )
    if args.workers > 1 and args.db == ":memory:":
        raise UsageError(
            f"argument --workers: {args.workers} workers need a file database to share; add --db FILE "
            "(e.g. --db sandbox.sqlite3): an in-memory database lives in one process"
        )
    try:
        faults = parse_fault_spec(args.faults)
    except FaultSpecError as exc:
        raise UsageError(f"argument --faults: {str(exc).removeprefix('faults: ')}") from None
    settings = SandboxSettings(
        partners=found.secrets,
        delay=args.delay,
        db=args.db,
        seed=args.seed,
        faults=faults,
        auth_error_status=args.auth_error_status,
        rng_seed=args.rng_seed,
    )
    return ServeOptions(
        args.host,
        args.port,
        settings,
        args.allow_remote,
        args.access_log,
        request_timeout=args.request_timeout,
        workers=args.workers,
        partner_sources=found.sources,
        warnings=tuple(found.warnings),
    )


def _bind(host: str, port: int) -> socket.socket:
    """Bind and listen before printing the address, so a client that reads it can connect at once
    (and `--port 0` can report the port it got)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio disables Nagle only on sockets whose proto says TCP, and a
    # proto-0 socket (the default) made every keep-alive answer wait ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(_bind_problem(host, port, exc)) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _bind_problem(host: str, port: int, exc: OSError) -> str:
    """Which flag is at fault when listening fails, and what to do about it."""
    if isinstance(exc, socket.gaierror):
        return f"argument --host: cannot resolve {host} ({exc.strerror}); give an IP address of this machine"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"argument --host: {host} is not an address of this machine; see `ip addr` for its addresses"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"argument --port: {port} is already in use on {host}; pick another port, "
            "or --port 0 for a free one"
        )
    if exc.errno == errno.EACCES:
        return f"argument --port: {port} needs privileges to listen on; pick a port of 1024 or more"
    return f"argument --host/--port: cannot listen on {host}:{port}: {exc.strerror or exc}"


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def banner(options: ServeOptions, port: int) -> str:
    settings = options.settings
    lines = [f"fpconsole sandbox listening on {_url(options.host, port)}"]
    for auth_id in settings.partner_ids:
        if settings.uses_builtin_partner(auth_id):
            lines.append(f"  partner {auth_id}  secret: {BUILTIN_SANDBOX_SECRET} (built-in)")
        else:
            source = options.partner_sources.get(auth_id, "--partner")
            lines.append(f"  partner {auth_id}  secret: from {source} (not shown)")
    db = "in memory (lost on exit)" if settings.db == ":memory:" else settings.db
    lines.append(f"  db: {db}   delay: {settings.delay:g}s   faults: {describe(settings.faults)}")
    if options.workers > 1:
        lines.append(f"  workers: {options.workers} processes sharing the database")
    lines.append(f"  OpenAPI: {_url(options.host, port)}/openapi.json   stop: Ctrl+C")
    return "\n".join(lines)


class _CutConnections:
    """Lets a dropped-connection fault end as a cut socket: the app raises DroppedConnection
    after a partial answer; returning quietly makes uvicorn close the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(DroppedConnection):
            await self.app(scope, receive, send)


class _QuietCuts(logging.Filter):
    # uvicorn reports the deliberate cut as an error; the sandbox logs the fault itself.
    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


def _log_to_stderr() -> None:
    """Fault notices and bug reports of the app, next to uvicorn's own lines."""
    logger = logging.getLogger("fpconsole.sandbox")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _open(settings: SandboxSettings) -> SandboxEngine:
    """The engine, with any problem of the --db file as a UsageError (the file was checked when
    the flags were read; this covers what only opening it shows: a lock, a full disk)."""
    from fpconsole.sandbox.app import open_engine

    if store.is_file_target(settings.db):
        for path in store.make_private(settings.db):
            print(
                f"note: made {path} private (0600): it holds full test card numbers and CVVs",
                file=sys.stderr,
            )
    try:
        return open_engine(settings)
    except (sqlite3.Error, OSError) as exc:
        raise UsageError(f"argument --db: cannot use {settings.db}: {exc}") from None


def _config(
    app: ASGIApp | str, options: ServeOptions, http: type[asyncio.Protocol] | str, **extra: Any
) -> uvicorn.Config:
    import uvicorn

    return uvicorn.Config(
        app,
        # uvicorn's own protocol with a deadline for request headers (deadlines.py).
        http=http,
        log_level="info",
        access_log=options.access_log,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        lifespan="on",
        **extra,
    )


def _serving(app: ASGIApp, request_timeout: float) -> ASGIApp:
    """The app as uvicorn serves it: deliberate cuts end quietly, bodies have a deadline."""
    return _CutConnections(BodyDeadline(app, request_timeout))


def run(options: ServeOptions, out: TextIO) -> int:
    import uvicorn

    from fpconsole.sandbox.app import create_app
    from fpconsole.sandbox.engine_threads import DEFAULT_THREADS

    sock = _bind(options.host, options.port)
    if not is_loopback(options.host):
        print(
            f"warning: serving on {options.host}, not loopback: anyone who can reach it can use the sandbox",
            file=sys.stderr,
        )
    try:
        # Opened (and seeded) here, before any worker starts, so a problem with the file is a
        # clear message and exit 2, and the workers find the demo data in place.
        engine = _open(options.settings)
    except BaseException:
        sock.close()
        raise
    code = EXIT_OK
    try:
        logging.getLogger("uvicorn.error").addFilter(_QuietCuts())
        _log_to_stderr()
        if options.workers > 1:
            engine.close()  # each worker opens its own
            print(banner(options, sock.getsockname()[1]), file=out, flush=True)
            code = _run_workers(options, sock)
        else:
            threads = DEFAULT_THREADS if store.is_file_target(options.settings.db) else 1
            app = create_app(options.settings, engine, threads=threads)
            config = _config(
                _serving(app, options.request_timeout),
                options,
                protocol_with_deadline(options.request_timeout),
            )
            server = uvicorn.Server(config)
            print(banner(options, sock.getsockname()[1]), file=out, flush=True)
            with _stop_signals(server):
                server.run(sockets=[sock])
    finally:
        engine.close()
        sock.close()
    # The terminal may be gone (SIGHUP): the stop is clean whether or not this line is seen.
    with contextlib.suppress(OSError):
        print("fpconsole sandbox stopped", file=out, flush=True)
    return code


# --- several worker processes ------------------------------------------------------------------

# How the settings reach each worker: uvicorn starts workers as fresh interpreters (spawn) that
# build the app from an import string, so the settings travel in the environment, which only this
# user can read (/proc/PID/environ is 0400), never in argv, where `ps` shows every user a secret.
WORKER_ENV: Final = "FPCONSOLE_SANDBOX_SERVE_WORKER"
# Apart enough that the engines of different workers never share a random seed (app.open_engine).
_ENGINES_PER_WORKER: Final = 64


def _worker_settings_json(options: ServeOptions) -> str:
    settings = options.settings
    return json.dumps(
        {
            "partners": dict(settings.partners),
            "delay": settings.delay,
            "db": os.path.abspath(settings.db),
            "faults": settings.faults.to_spec() if settings.faults.enabled else "",
            "auth_error_status": settings.auth_error_status,
            "rng_seed": settings.rng_seed,
            "max_body_bytes": settings.max_body_bytes,
            "request_timeout": options.request_timeout,
            "workers": options.workers,
        }
    )


def _worker_spec() -> dict[str, Any]:
    text = os.environ.get(WORKER_ENV)
    if not text:
        raise RuntimeError(
            f"{WORKER_ENV} is not set: this runs only in a worker of `sandbox serve --workers`"
        )
    spec: dict[str, Any] = json.loads(text)
    return spec


def worker_app() -> ASGIApp:
    """The app of one worker process (uvicorn's factory, called in the worker)."""
    from fpconsole.sandbox.app import create_app

    spec = _worker_spec()
    settings = SandboxSettings(
        partners=spec["partners"],
        delay=spec["delay"],
        db=spec["db"],
        faults=parse_fault_spec(spec["faults"]),
        auth_error_status=spec["auth_error_status"],
        rng_seed=spec["rng_seed"],
        max_body_bytes=spec["max_body_bytes"],
    )
    # The SSH session closing sends SIGHUP to every process of the terminal: the parent stops
    # the workers (SIGTERM, a graceful stop), so a worker does not die of it mid-answer.
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    logging.getLogger("uvicorn.error").addFilter(_QuietCuts())
    _log_to_stderr()
    app = create_app(
        settings, workers=int(spec["workers"]), engine_offset=1 + os.getpid() * _ENGINES_PER_WORKER
    )
    return _serving(app, float(spec["request_timeout"]))


def __getattr__(name: str) -> Any:
    # The worker's HTTP protocol, by import string (a class made by a function cannot be pickled
    # to a spawned worker): built in the worker from the request timeout it was given.
    if name == "WorkerProtocol":
        return protocol_with_deadline(float(_worker_spec()["request_timeout"]))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _run_workers(options: ServeOptions, sock: socket.socket) -> int:
    """uvicorn's supervisor over N workers on the one listening socket; Ctrl+C, SIGTERM or SIGHUP
    stops them all (each finishes its answers in flight) and exits 0."""
    from uvicorn.supervisors.multiprocess import Multiprocess

    class Workers(Multiprocess):
        def handle_hup(self) -> None:
            # uvicorn restarts the workers on SIGHUP; here it is the SSH session closing: stop.
            self.stopped = True
            self.should_exit.set()

        def handle_int(self) -> None:
            self.stopped = True
            super().handle_int()

        def handle_term(self) -> None:
            self.stopped = True
            super().handle_term()

    config = _config(
        f"{__name__}:worker_app",
        options,
        f"{__name__}:WorkerProtocol",
        factory=True,
        workers=options.workers,
    )
    previous = os.environ.get(WORKER_ENV)
    os.environ[WORKER_ENV] = _worker_settings_json(options)
    try:
        supervisor = Workers(config, sockets=[sock])
        supervisor.stopped = False
        supervisor.run()
    finally:
        if previous is None:
            os.environ.pop(WORKER_ENV, None)
        else:
            os.environ[WORKER_ENV] = previous
    if not supervisor.stopped:
        print("fpconsole sandbox serve: a worker could not start; see the messages above", file=sys.stderr)
        return EXIT_SERVER_FAILED
    return EXIT_OK


class _Stopped(Exception):
    """A stop signal, re-raised by uvicorn after its graceful shutdown."""


@contextlib.contextmanager
def _stop_signals(server: uvicorn.Server) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP all stop the server cleanly (answers in flight finish, the
    engine is closed, exit 0).

    uvicorn handles SIGINT and SIGTERM itself, then restores the handlers it found and raises
    the signal again: for SIGINT that is a KeyboardInterrupt, for SIGTERM the default action
    would kill the process before the engine is closed, so the handler it finds is ours. SIGHUP
    (the SSH session closed) is not uvicorn's: it asks the server to exit the same way."""

    def stopped(signum: int, frame: FrameType | None) -> None:
        raise _Stopped

    def hang_up(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, stopped)}
    if hasattr(signal, "SIGHUP"):
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, hang_up)
    try:
        with contextlib.suppress(KeyboardInterrupt, _Stopped):
            yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    out = sys.stdout
    try:
        options = parse_options(sys.argv[1:] if argv is None else argv)
        for warning in options.warnings:
            print(warning, file=sys.stderr)
        return run(options, out)
    except UsageError as exc:
        print(f"fpconsole sandbox serve: {exc}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
