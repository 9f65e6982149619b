"""The sandbox's ASGI app: one POST route per registry method (and alias), generated from REGISTRY.

Per request: raw body → signature (over those exact bytes) → JSON object → the method's
pydantic request model → the engine → a JSON answer. Every refusal is the API's error envelope
(SPEC §1.5) with a stable code from `errors.py`, HTTP 200 unless configured otherwise. Nothing
a client sends produces a 500: unexpected failures are logged and answered `internal_error`.

API routes are raw ASGI endpoints rather than Starlette request handlers: the sandbox needs the
raw body bytes, and fault injection needs to hold a request open (watching for the client to
leave) or cut it mid-answer, which a Response object cannot express.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeVar

import anyio
import anyio.to_thread
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from fpconsole.api.methods import REGISTRY, Method
from fpconsole.api.signing import HEADER_NAME
from fpconsole.sandbox import control
from fpconsole.sandbox.auth import AUTH_ERROR_CODES, authenticate
from fpconsole.sandbox.engine.clock import rfc3339
from fpconsole.sandbox.engine_threads import DEFAULT_THREADS, EngineThreads, SandboxClosed
from fpconsole.sandbox.errors import ERROR_CODES, SandboxError, ValidationRefusal
from fpconsole.sandbox.faults import MAX_SEED, NO_FAULT, DroppedConnection, FaultBoard, FaultDecision
from fpconsole.sandbox.openapi import OPENAPI_PATH, openapi_bytes
from fpconsole.sandbox.settings import SandboxSettings

if TYPE_CHECKING:
    from fpconsole.sandbox.engine import SandboxEngine

log = logging.getLogger("fpconsole.sandbox")

JSON_HEADERS: Final = [(b"content-type", b"application/json")]
_SIGNATURE_HEADER: Final = HEADER_NAME.lower().encode("latin-1")


# --- the wire format ------------------------------------------------------------------------


def now_rfc3339() -> str:
    # The engine's format (local offset, as in the SPEC's examples), so every `dt` looks alike.
    return rfc3339(datetime.now(UTC))


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        # Amounts are JSON numbers in major units (SPEC §1.4): 5000, 1500.5. A float's shortest
        # repr is exact for the two decimals the API allows.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode(payload: object) -> bytes:
    # allow_nan=False: NaN/Infinity are not JSON; a value that slipped through fails here, where
    # the endpoint answers internal_error, instead of reaching a client as invalid JSON.
    return json.dumps(
        payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default
    ).encode()


def error_body(code: str, description: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "status": "error",
        "request_status": "error",
        "dt": now_rfc3339(),
        "error_code": code,
        "error_description": description or ERROR_CODES.get(code, code),
        **extra,
    }


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string" if isinstance(value, str) else "an array"


def parse_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or SandboxError("invalid_json") saying what is wrong."""
    if not body.strip():
        raise SandboxError("invalid_json", "the body is empty; send a JSON object")
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise SandboxError("invalid_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SandboxError("invalid_json", f"the body must be a JSON object, not {_json_kind(data)}")
    return data


async def send_json(
    send: Send, status: int, data: bytes, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*JSON_HEADERS, (b"content-length", str(len(data)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": data})


def _json_response(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(encode(payload), status_code=status, media_type="application/json", headers=headers)


# --- the running sandbox --------------------------------------------------------------------


def open_engine(settings: SandboxSettings, number: int = 0) -> SandboxEngine:
    """A state engine for these settings. The first (number 0) seeds demo data for a partner
    never seeded nor reset (engine.needs_demo_data) — with settings.seed_history_later only its
    clients and cards, the history being the caller's to ask for (engine.seed_history) — and
    writes a history a start cut off between the two steps left pending; the others (more
    threads or worker processes on the same file) only open it, each with a random generator
    of its own, so two of them never make up the same ids."""
    from fpconsole.sandbox.engine import SandboxEngine

    rng_seed = settings.rng_seed
    if number and rng_seed is not None:
        rng_seed = (rng_seed + number * _SEED_STRIDE) % (MAX_SEED + 1)
    engine = SandboxEngine(db=settings.db, delay=settings.delay, rng_seed=rng_seed)
    if settings.seed and number == 0:
        for partner in settings.partner_ids:
            if engine.seed_demo_data(settings.seed, partner=partner, history=not settings.seed_history_later):
                continue
            if not settings.seed_history_later:
                engine.seed_history(partner)  # nothing to do unless a two-step seed was cut off
    return engine


# An odd constant (the golden ratio's 64 bits): engines n and m never share a seed for n != m.
_SEED_STRIDE: Final = 0x9E3779B97F4A7C15

T = TypeVar("T")


class SandboxRuntime:
    """Settings, engines and fault settings of one app. Without a given engine, one is opened on
    first use: the embedded transport runs no lifespan, and building the app (which the console
    does early) should not open or seed a database.

    Engine calls run in engine threads (engine_threads.py), never on the event loop: `run(fn)`.
    A file database gets several threads, each with an engine of its own (engine 0 is the one
    given or first opened); `:memory:` or a given engine gets one thread.

    workers: how many processes serve this database (`serve --workers`); engine_offset numbers
    this process's engines apart from the other workers' (their random generators); threads:
    how many engine threads (default: DEFAULT_THREADS for a file opened here, else 1; a given
    engine on a file may be joined by more, which open their own connections)."""

    def __init__(
        self,
        settings: SandboxSettings,
        engine: SandboxEngine | None = None,
        *,
        workers: int = 1,
        engine_offset: int = 0,
        threads: int | None = None,
    ) -> None:
        self.settings = settings
        self.partners = dict(settings.partners)
        self.workers = workers
        # Per partner: each partner's own settings (in the database), else serve's --faults.
        self.faults = FaultBoard(settings.faults, control.partner_faults(self))
        self._engine = engine
        self._owns_engine = engine is None
        self._engine_offset = engine_offset
        self._opening = threading.Lock()
        # Reads on the event loop (ApiEndpoint._read_on_loop): an engine of the loop's own,
        # opened with the threads by `start`.
        self._loop_engine: SandboxEngine | None = None
        self._here = threading.local()
        from fpconsole.sandbox.engine.store import is_file_target

        if threads is None or not is_file_target(settings.db):
            threads = DEFAULT_THREADS if is_file_target(settings.db) and engine is None else 1
        self.threads: EngineThreads[SandboxEngine] = EngineThreads(self._engine_for_thread, threads)

    @property
    def engine(self) -> SandboxEngine:
        """The calling engine thread's engine; elsewhere (tests, the console's own calls) the
        first one."""
        own = self.threads.current() or getattr(self._here, "engine", None)
        if own is not None:
            return own
        with self._opening:
            if self._engine is None:
                self._engine = open_engine(self.settings, self._engine_offset)
            return self._engine

    def _engine_for_thread(self, number: int) -> SandboxEngine:
        if number == 0:
            return self.engine
        return open_engine(self.settings, self._engine_offset + number)

    async def run(self, fn: Callable[[SandboxEngine], T]) -> T:
        """fn(engine) in an engine thread, so a busy database never stalls the event loop."""
        return await self.threads.run(fn)

    async def start(self) -> None:
        """Starts the engine threads, and the loop's reads-only engine (opened in a thread:
        opening may wait for the file's write lock)."""
        await self.threads.start_all()
        from fpconsole.sandbox.engine.store import is_file_target

        # Like the threads past the first, it is opened from the settings: only where those are
        # (a file database served by several threads).
        if self.threads.size > 1 and is_file_target(self.settings.db) and self._loop_engine is None:
            number = self._engine_offset + self.threads.size
            engine = await anyio.to_thread.run_sync(lambda: open_engine(self.settings, number))
            engine.reads_only()
            self._loop_engine = engine

    def on_loop(self, fn: Callable[[SandboxEngine], T]) -> T:
        """fn(engine) right here with the loop's reads-only engine (`runtime.engine` is that
        engine meanwhile); raises WouldWrite without one, or when fn would write or wait."""
        from fpconsole.sandbox.engine.core import WouldWrite

        engine = self._loop_engine
        if engine is None:
            raise WouldWrite
        self._here.engine = engine
        try:
            return fn(engine)
        finally:
            self._here.engine = None

    def close(self) -> None:
        """Stops the engine threads and closes the engines this runtime opened (a
        caller-supplied one is the caller's)."""
        self.threads.close()
        for engine in self.threads.engines:
            if engine is not self._engine:
                engine.close()
        loop_engine, self._loop_engine = self._loop_engine, None
        if loop_engine is not None:
            loop_engine.close()
        if self._owns_engine and self._engine is not None:
            engine, self._engine = self._engine, None
            engine.close()


# --- request plumbing -----------------------------------------------------------------------


class _BodyTooLarge(Exception):
    pass


class _ClientGone(Exception):
    pass


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


MIB: Final = 1024 * 1024
# How much of a refused body is read and dropped so the client hears the 413; a body larger
# still is cut off (the connection closes), since reading it would only feed a runaway sender.
DRAIN_LIMIT_BYTES: Final = 256 * MIB


async def _drain(receive: Receive, most: int) -> bool:
    """Reads the rest of a body, dropping it; False when the client left (nobody to answer)."""
    drained = 0
    while drained <= most:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return True


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _hold(receive: Receive, seconds: float) -> bool:
    """Waits up to `seconds` without answering; True when the client left first."""
    with anyio.move_on_after(seconds):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return True
    return False


async def _cut(send: Send, data: bytes) -> None:
    """Start the answer, send half of it and hang up: the client sees a broken body, not a 500."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [*JSON_HEADERS, (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data[: len(data) // 2], "more_body": True})
    raise DroppedConnection("the sandbox dropped the connection mid-answer (fault injection)")


class _Endpoint:
    """Shared plumbing of signed POST routes."""

    def __init__(self, runtime: SandboxRuntime) -> None:
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError

    async def _refuse_verb(self, scope: Scope, send: Send) -> None:
        body = error_body(
            "unknown_method", f"{scope['method']} is not supported on {scope['path']}; use POST"
        )
        await send_json(send, 405, encode(body), [(b"allow", b"POST")])

    async def _read(self, receive: Receive, send: Send) -> bytes | None:
        limit = self.runtime.settings.max_body_bytes
        try:
            return await read_body(receive, limit)
        except _BodyTooLarge:
            # The rest is read and dropped first: answering with the body still arriving makes
            # the server close a socket with unread data, which the client sees as a reset
            # instead of this answer.
            if await _drain(receive, DRAIN_LIMIT_BYTES):
                shown = f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit} bytes"
                message = f"the body is larger than {shown} ({limit} bytes), the most this sandbox accepts"
                await send_json(send, 413, encode(error_body("body_too_large", message)))
        except _ClientGone:
            pass
        return None

    def _authenticate(self, scope: Scope, body: bytes) -> str:
        return authenticate(
            _header(scope, _SIGNATURE_HEADER),
            body,
            path=scope["path"],
            http_method=scope["method"],
            query=scope.get("query_string", b"").decode("latin-1"),
            partners=self.runtime.partners,
        )

    def _refusal(self, exc: SandboxError) -> tuple[int, dict[str, Any]]:
        extra = {"errors": exc.errors} if isinstance(exc, ValidationRefusal) else {}
        status = self.runtime.settings.auth_error_status if exc.code in AUTH_ERROR_CODES else 200
        return status, error_body(exc.code, exc.message, **extra)


class ApiEndpoint(_Endpoint):
    """One Card API method: signed POST, validated by the method's request model."""

    def __init__(self, runtime: SandboxRuntime, method: Method) -> None:
        super().__init__(runtime)
        self.method = method

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await self._refuse_verb(scope, send)
            return
        body = await self._read(receive, send)
        if body is None:
            return
        heard = control.Heard(self.method.name, scope["path"], started=time.perf_counter())
        try:
            await self._respond(scope, receive, send, body, heard)
        finally:
            # Synchronous (it neither blocks nor waits), so a cancelled request is logged too
            # without a shielded cancel scope, which cost a served read ~4 % of its time.
            control.record_received(self.runtime, heard)

    async def _respond(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, heard: control.Heard
    ) -> None:
        # A read, when nothing has come due, is answered right here: an engine thread's round
        # trip (and the GIL handed between the loop and the threads at every SQLite call) cost
        # more than the read itself. Anything else takes one trip to an engine thread when no
        # fault steps in: signature, faults, the answer.
        call = self._read_on_loop(scope, body, heard) if not self.method.changes_state else None
        if call is None:
            call = await self.runtime.run(lambda engine: self._first_pass(scope, body, heard))
        decision = call.decision
        if decision.delay_s:
            await anyio.sleep(decision.delay_s)
        if decision.outcome in ("http5xx", "error"):
            log.info("fault: %s for %s", decision.outcome, self.method.name)
            code = 503 if decision.outcome == "http5xx" else 200
            what = "injected HTTP 503" if code == 503 else "injected error"
            refusal = error_body("injected_error", f"{what}: the request was not applied")
            heard.answered(code, refusal, request_id=control.request_id_of(body))
            await send_json(send, code, encode(refusal))
            return
        answer = call.answer
        if answer is None:  # held back by a latency fault: now apply it
            answer = await self.runtime.run(lambda engine: self._apply(call, body, heard))
        status, data = answer
        if decision.outcome == "timeout":
            log.info("fault: holding %s without an answer", self.method.name)
            heard.fault = "timeout"
            if await _hold(receive, decision.hold_s):
                return  # the client gave up: nobody to answer
            await _cut(send, data)
        if decision.outcome == "drop":
            log.info("fault: dropping the connection of %s", self.method.name)
            heard.fault = "drop"
            await _cut(send, data)
        await send_json(send, status, data)

    def _read_on_loop(self, scope: Scope, body: bytes, heard: control.Heard) -> _Call | None:
        """_first_pass of a read on the loop's reads-only engine; None when it cannot be answered
        there (no such engine, something came due and must settle first, a database lock, any
        failure): the caller then hands it to an engine thread, where it starts over."""
        from fpconsole.sandbox.engine.core import WouldWrite

        try:
            call = self.runtime.on_loop(lambda engine: self._first_pass(scope, body, heard, on_loop=True))
        except (WouldWrite, _TryInThread):
            return None
        call.on_loop = False  # what is left of it (after a latency fault) runs in a thread
        return call

    def _first_pass(self, scope: Scope, body: bytes, heard: control.Heard, *, on_loop: bool = False) -> _Call:
        """In an engine thread: who calls (once), the faults of that partner (the default when
        the signature fails), and the answer unless a fault must act before it. on_loop: on the
        loop's reads-only engine, which gives up (WouldWrite) before rolling the fault dice when
        something has come due."""
        call = _Call()
        call.on_loop = on_loop
        try:
            call.partner = heard.partner = self._authenticate(scope, body)
        except SandboxError as exc:
            call.refused = exc
        # A read's fault settings and answer come from one read transaction (one_read).
        engine = self.runtime.engine
        one_read = None if self.method.changes_state else getattr(engine, "one_read", None)
        with one_read() if one_read is not None else contextlib.nullcontext():
            if on_loop:
                from fpconsole.sandbox.engine.core import WouldWrite

                try:
                    due = call.partner is not None and engine.anything_due(call.partner)
                except Exception as exc:
                    raise _TryInThread from exc
                if due:
                    raise WouldWrite
            call.decision = self.runtime.faults.decide(self.method.name, call.partner)
            if not call.decision.delay_s and call.decision.outcome not in ("http5xx", "error"):
                call.answer = self._apply(call, body, heard)
        return call

    def answer(self, scope: Scope, body: bytes, heard: control.Heard | None = None) -> tuple[int, bytes]:
        """Authenticate, parse, validate, apply (in the calling thread): the HTTP status and the
        JSON answer."""
        call = _Call()
        try:
            call.partner = self._authenticate(scope, body)
        except SandboxError as exc:
            call.refused = exc
        return self._apply(call, body, heard or control.Heard(self.method.name, scope["path"]))

    def _apply(self, call: _Call, body: bytes, heard: control.Heard) -> tuple[int, bytes]:
        """Parse, validate, apply for the authenticated caller: the HTTP status and the answer."""
        try:
            try:
                if call.refused is not None or call.partner is None:
                    raise call.refused or SandboxError("missing_signature")
                fields = parse_object(body)
                heard.request_id = control.request_id_in(fields)
                try:
                    request = self.method.request.model_validate(fields)
                except ValidationError as exc:
                    raise ValidationRefusal(exc) from None
                payload = self.runtime.engine.handle(self.method, request, partner=call.partner)
                status = 200
            except SandboxError as exc:
                status, payload = self._refusal(exc)
            heard.answered(status, payload)
            return status, encode(payload)
        except Exception as exc:
            if call.on_loop:  # answered again by an engine thread, which reports a real failure
                raise _TryInThread from exc
            log.exception("sandbox bug while answering %s", self.method.name)
            heard.answered(200, {"status": "error", "error_code": "internal_error"})
            return 200, encode(error_body("internal_error"))


class _TryInThread(Exception):
    """A read on the loop met something only an engine thread may do or wait for."""


class _Call:
    """One API call between the engine thread and the loop."""

    __slots__ = ("answer", "decision", "on_loop", "partner", "refused")

    def __init__(self) -> None:
        self.on_loop = False
        self.partner: str | None = None
        self.refused: SandboxError | None = None
        self.decision: FaultDecision = NO_FAULT
        self.answer: tuple[int, bytes] | None = None


class ControlEndpoint(_Endpoint):
    """A sandbox-only control route: signed like the API, answered with an `ok` envelope."""

    def __init__(self, runtime: SandboxRuntime, path: str, handler: control.Handler) -> None:
        super().__init__(runtime)
        self.path = path
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await self._refuse_verb(scope, send)
            return
        body = await self._read(receive, send)
        if body is None:
            return
        # In an engine thread: a handler may wait for the database or take long (seed, snapshot).
        status, data = await self.runtime.run(lambda engine: self.answer(scope, body))
        await send_json(send, status, data)

    def answer(self, scope: Scope, body: bytes) -> tuple[int, bytes]:
        try:
            try:
                partner = self._authenticate(scope, body)
                # An empty body means "no options", so `curl -X POST .../sandbox/reset` works.
                fields = parse_object(body) if body.strip() else {}
                result = self.handler(self.runtime, partner, fields)
                status, payload = 200, {"status": "ok", "request_status": "success", "dt": now_rfc3339()}
                payload.update(result)
            except SandboxError as exc:
                status, payload = self._refusal(exc)
            return status, encode(payload)
        except Exception:
            log.exception("sandbox bug in %s", self.path)
            return 200, encode(error_body("internal_error"))


# --- the app --------------------------------------------------------------------------------


def _api_paths() -> list[str]:
    return [path for method in REGISTRY for path in (method.path, *method.aliases)]


def _not_found(request: Request, exc: Exception) -> Response:
    path = request.url.path
    close = difflib.get_close_matches(path, _api_paths(), n=1, cutoff=0.75)
    hint = f"; did you mean {close[0]}?" if close else "; see /openapi.json for the methods"
    return _json_response(404, error_body("unknown_method", f"no method at {path}{hint}"))


def _not_allowed(request: Request, exc: Exception) -> Response:
    allowed = exc.headers.get("Allow", "") if isinstance(exc, HTTPException) and exc.headers else ""
    description = f"{request.method} is not supported on {request.url.path}" + (
        f"; use {allowed}" if allowed else ""
    )
    return _json_response(
        405, error_body("unknown_method", description), {"Allow": allowed} if allowed else None
    )


def _server_error(request: Request, exc: Exception) -> Response:
    # A backstop: the endpoints catch their own errors, so reaching this is a bug elsewhere. A
    # deliberate cut passes through here too (Starlette calls this even after the answer started,
    # then re-raises for the server to hang up); it is no bug.
    if not isinstance(exc, DroppedConnection):
        log.error("sandbox bug on %s", request.url.path, exc_info=exc)
    return _json_response(200, error_body("internal_error"))


class SandboxApp(Starlette):
    """The Starlette app with a shortcut: a POST to an exact route path (every Card API method and
    control route) goes straight to its endpoint, skipping the middleware and the route-by-route
    match, which cost a read about a fifth of its time. The endpoints answer every error of their
    own; what still escapes one is answered here as the middleware would (`internal_error`)."""

    def __init__(self, *, direct: dict[str, _Endpoint], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.direct = direct

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.direct.get(scope["path"]) if scope["type"] == "http" else None
        if endpoint is None or scope["method"] != "POST":
            await super().__call__(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await endpoint(scope, receive, tracked_send)
        except DroppedConnection:
            raise  # a deliberate cut: the server hangs up
        except SandboxClosed:
            # A call that arrived while the sandbox stopped (the console closing during a prime):
            # not a bug, so no traceback in the log.
            log.info("sandbox closed before %s was answered", scope["path"])
            if not started:
                await send_json(send, 200, encode(error_body("internal_error")))
        except Exception:
            log.exception("sandbox bug on %s", scope["path"])
            if not started:
                await send_json(send, 200, encode(error_body("internal_error")))


def create_app(
    settings: SandboxSettings,
    engine: SandboxEngine | None = None,
    *,
    workers: int = 1,
    engine_offset: int = 0,
    threads: int | None = None,
) -> Starlette:
    """The sandbox app. Without an engine, one is opened on first use (and closed with the app's
    lifespan, or by `app.state.sandbox.close()` where no lifespan runs). workers, engine_offset
    and threads: see SandboxRuntime."""
    runtime = SandboxRuntime(settings, engine, workers=workers, engine_offset=engine_offset, threads=threads)
    routes: list[BaseRoute] = []
    direct: dict[str, _Endpoint] = {}
    for method in REGISTRY:
        endpoint = ApiEndpoint(runtime, method)
        for path in (method.path, *method.aliases):
            routes.append(Route(path, endpoint))
            direct[path] = endpoint
    for path, handler in control.ROUTES.items():
        control_endpoint = ControlEndpoint(runtime, path, handler)
        routes.append(Route(path, control_endpoint))
        direct[path] = control_endpoint

    async def health(request: Request) -> Response:
        # On the loop and from memory only: it answers while every engine thread is busy.
        return _json_response(200, control.health(runtime))

    async def openapi(request: Request) -> Response:
        return Response(openapi_bytes(), media_type="application/json")

    routes.append(Route(control.HEALTH_PATH, health, methods=["GET"]))
    routes.append(Route(OPENAPI_PATH, openapi, methods=["GET"]))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            await runtime.start()
            yield
        finally:
            runtime.close()

    app = SandboxApp(
        direct=direct,
        routes=routes,
        exception_handlers={404: _not_found, 405: _not_allowed, 500: _server_error},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # a redirect would break the signed uri anyway
    app.state.sandbox = runtime
    return app
