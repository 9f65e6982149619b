"""The async Card API client: build → validate → sign → send → parse, on one httpx.AsyncClient
per profile.

Safety rules it keeps:
- a state-changing call is never resent with a new request_id; after a timeout or a dropped
  connection it asks request/status about the same id instead (unknown outcome otherwise);
- only reads are retried, and connect failures (the server never saw the request);
- every event it emits carries redacted bodies only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from fpconsole.api import errors, pin_block
from fpconsole.api.events import (
    CANCELLED,
    ClientEvent,
    EventBus,
    RequestFailed,
    RequestSent,
    ResponseReceived,
    Subscriber,
)
from fpconsole.api.methods import REGISTRY, REQUEST_STATUS, Method
from fpconsole.api.models import ApiRequest, Envelope, RequestStatusResponse
from fpconsole.api.redaction import redact, scrub_optional
from fpconsole.api.signing import HEADER_NAME, Algorithm, sign

# PollPolicy is the tracker's; importable from here too, since ClientOptions carries one.
from fpconsole.api.tracker import PollPolicy as PollPolicy
from fpconsole.api.tracker import track_request
from fpconsole.api.validation import FieldError, describe_errors

USER_AGENT = "fpconsole/0.1"
UNKNOWN_REQUEST_CODES = errors.UNKNOWN_REQUEST_CODES  # kept importable from here


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """Exactly what goes on the wire: the signature covers `body` byte for byte."""

    method: Method
    url: str
    headers: dict[str, str]
    # Kept out of repr: the body may carry a PIN block, and a repr ends up in logs.
    body: bytes = field(repr=False)
    request: ApiRequest = field(repr=False)

    @property
    def request_id(self) -> str | None:
        value = getattr(self.request, "request_id", None)
        return str(value) if value is not None else None

    def redacted_body(self) -> dict[str, Any]:
        return redact(json.loads(self.body), self.method.request_secret_fields)


@dataclass(frozen=True, slots=True)
class CallResult:
    method: Method
    request_id: str | None
    # Not in repr: Secret data answers with a PAN and CVV, and a repr ends up in logs.
    response: Envelope = field(repr=False)
    raw: dict[str, Any] = field(repr=False)
    latency_ms: float
    recovered: bool = False  # True: the answer came from request/status after a timeout

    @property
    def request_status(self) -> str | None:
        return self.response.request_status

    @property
    def in_process(self) -> bool:
        return self.response.request_status == "process"


@dataclass
class ClientOptions:
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    read_retries: int = 2
    retry_backoff: float = 0.25
    proxy: str | None = None
    # A context (what Profile.tls_verify() builds); a path string is deprecated by httpx 0.28.
    verify: ssl.SSLContext | bool | str = True
    poll: PollPolicy = field(default_factory=PollPolicy)


def _uuid4_text() -> str:
    return str(uuid.uuid4())


def _discard(event: ClientEvent) -> None:
    return None


# Told of every exchange with the server, the client's own status polls included: None when an
# HTTP answer came back (whatever it said), the TransportError when none did.
TransportWatcher = Callable[[errors.TransportError | None], None]


def _target_ids(method: Method, payload: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for dotted in method.target_fields:
        value: Any = payload
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None:
            found[dotted.rsplit(".", 1)[-1] if "." not in dotted else dotted] = str(value)
    return found


class CardApiClient:
    def __init__(
        self,
        *,
        base_url: str,
        auth_id: str,
        secret: str,
        alg: Algorithm = "HS512",
        transport: httpx.AsyncBaseTransport | None = None,
        options: ClientOptions | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        new_request_id: Callable[[], str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth_id = str(auth_id)
        self.alg: Algorithm = alg
        self.__secret = secret  # name-mangled so it does not turn up in reprs or vars() dumps
        self.options = options or ClientOptions()
        self.events = EventBus()
        self._transport_watchers: list[TransportWatcher] = []
        self._clock = clock
        self._sleep = sleep
        self._monotonic = monotonic
        self._new_request_id = new_request_id or _uuid4_text
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(self.options.read_timeout, connect=self.options.connect_timeout),
            proxy=self.options.proxy,
            verify=self.options.verify,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
        self._embedded = transport is not None and isinstance(transport, httpx.ASGITransport)

    def __repr__(self) -> str:
        return f"CardApiClient(base_url={self.base_url!r}, auth_id={self.auth_id!r}, alg={self.alg!r})"

    # --- lifecycle ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> CardApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        return self.events.subscribe(subscriber)

    def _emit(self, event: ClientEvent) -> None:
        self.events.emit(event)

    def watch_transport(self, watcher: TransportWatcher) -> Callable[[], None]:
        """Call `watcher` after every exchange with the server, polls included: whether the
        server is there at all, which events (polls emit none) cannot tell. Returns the
        unsubscribe function. A bulk run uses it to stop waiting once the server is gone."""
        self._transport_watchers.append(watcher)

        def unsubscribe() -> None:
            if watcher in self._transport_watchers:
                self._transport_watchers.remove(watcher)

        return unsubscribe

    def _saw(self, failure: errors.TransportError | None) -> None:
        for watcher in list(self._transport_watchers):
            try:
                watcher(failure)
            except Exception:  # a watcher's bug must not fail the call it watches
                continue

    # --- building -----------------------------------------------------------------------------

    @staticmethod
    def resolve(method: Method | str) -> Method:
        return method if isinstance(method, Method) else REGISTRY.resolve(method)

    def build(self, method: Method | str, data: Mapping[str, Any] | BaseModel) -> ApiRequest:
        """Validate a request; a missing request_id is generated (never reused across submits),
        except on request/status, where it names the earlier request and is required."""
        meth = self.resolve(method)
        if isinstance(data, meth.request):
            return data
        payload = dict(data.model_dump(exclude_none=True) if isinstance(data, BaseModel) else data)
        if meth.generates_request_id and not payload.get("request_id"):
            payload["request_id"] = self._new_request_id()
        try:
            return meth.request.model_validate(payload)
        except ValidationError as exc:
            raise errors.InvalidRequest(describe_errors(exc), method=meth.name) from None

    def prepare(self, method: Method | str, data: Mapping[str, Any] | BaseModel) -> PreparedRequest:
        meth = self.resolve(method)
        try:
            # Set PIN's pin is encrypted here, the one place a body is made for the wire.
            request = pin_block.encode_request(self.build(meth, data))
        except pin_block.PinBlockError as exc:
            raise errors.InvalidRequest([FieldError(exc.field, str(exc))], method=meth.name) from None
        body = request.model_dump_json(exclude_none=True).encode()
        return PreparedRequest(
            method=meth,
            url=self.base_url + meth.path,
            headers={
                "Content-Type": "application/json",
                HEADER_NAME: sign(
                    body, uri=meth.path, auth_id=self.auth_id, secret=self.__secret, alg=self.alg
                ),
            },
            body=body,
            request=request,
        )

    def sign_path(self, path: str, body: bytes) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            HEADER_NAME: sign(body, uri=path, auth_id=self.auth_id, secret=self.__secret, alg=self.alg),
        }

    # --- sending ------------------------------------------------------------------------------

    async def _send_once(
        self,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        verb: str = "POST",
        read_timeout: float | None = None,
    ) -> httpx.Response:
        try:
            response = await self._send_raw(path, headers, body, verb=verb, read_timeout=read_timeout)
        except errors.TransportError as failure:
            self._saw(failure)
            raise
        self._saw(None)
        return response

    async def _send_raw(
        self,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        verb: str = "POST",
        read_timeout: float | None = None,
    ) -> httpx.Response:
        """`read_timeout`: this call's own, when it is known to take longer than others."""
        wait = self.options.read_timeout if read_timeout is None else read_timeout
        try:
            timeout = (
                httpx.USE_CLIENT_DEFAULT
                if read_timeout is None
                else httpx.Timeout(wait, connect=self.options.connect_timeout)
            )
            request = self._http.build_request(
                verb, path, headers=dict(headers), content=body, timeout=timeout
            )
            if self._embedded:
                # httpx's timeouts do not apply to an in-process ASGI app; bound it ourselves.
                # asyncio.timeout, not wait_for: 3.11's wait_for swallows a cancellation (Ctrl+C)
                # that lands in the same turn as the answer, and `call --wait` went on waiting.
                # The read timeout alone: there is no connection to open, and the wait is the
                # one the error and the console's forms announce ("no answer within 30 s").
                async with asyncio.timeout(wait):
                    return await self._http.send(request)
            return await self._http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
            raise errors.CannotConnect(f"cannot connect to {self.base_url}: {exc}") from None
        except (httpx.TimeoutException, TimeoutError):
            raise errors.TimedOut(f"no answer from {self.base_url} within {wait:g} s") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise errors.ConnectionDropped(f"the connection to {self.base_url} broke: {exc}") from None
        except httpx.HTTPError as exc:
            raise errors.ConnectionDropped(f"transport error talking to {self.base_url}: {exc}") from None

    def _parse(self, method: Method, response: httpx.Response) -> tuple[Envelope, dict[str, Any]]:
        body = response.content
        if response.status_code != 200:
            raise errors.HttpStatusError(
                response.status_code, body, secret_paths=method.response_secret_fields
            )
        try:
            raw = json.loads(body)
        except ValueError:
            raise errors.BadResponse("the answer is not JSON", body) from None
        except RecursionError:
            raise errors.BadResponse("the answer is JSON nested too deeply to read", body) from None
        if not isinstance(raw, dict):
            raise errors.BadResponse("the answer is not a JSON object", body)
        try:
            parsed = method.response.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(str(e) for e in describe_errors(exc)[:3])
            raise errors.BadResponse(
                f"the answer does not match {method.name}'s response: {problems}", body
            ) from None
        return parsed, raw

    async def _exchange(
        self, method: Method, prepared_path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[Envelope, dict[str, Any]]:
        response = await self._send_once(prepared_path, headers, body)
        return self._parse(method, response)

    async def call(
        self,
        method: Method | str,
        data: Mapping[str, Any] | BaseModel | PreparedRequest,
        *,
        emit: bool = True,
        on_unknown: Callable[[errors.CardApiError], object] | None = None,
    ) -> CallResult:
        """Send one call. Raises InvalidRequest, ApiError (status: error) or a TransportError.

        `emit=False` is for the client's own status polls: they carry the original request's id
        and would otherwise show up in the journal as requests of their own. `on_unknown` hears
        when a state change's answer did not come (a timeout, a dropped connection), as the
        client starts asking request/status about the same request_id: a form shows that step
        while the call goes on."""
        prepared = data if isinstance(data, PreparedRequest) else self.prepare(method, data)
        meth = prepared.method
        request_id = prepared.request_id
        redacted_request = prepared.redacted_body()
        emit_event = self._emit if emit else _discard
        emit_event(
            RequestSent(
                method=meth.name,
                path=meth.path,
                request_id=request_id,
                target_ids=_target_ids(meth, redacted_request),
                request=redacted_request,
                changes_state=meth.changes_state,
                at=self._clock(),
            )
        )
        started = self._monotonic()
        try:
            sent = await self._send_attempts(
                meth, prepared, request_id, started, emit=emit, on_unknown=on_unknown
            )
        except asyncio.CancelledError:
            # The caller's task was cancelled after the request went out (a newer selection
            # replaced a read, a screen closed). Say so, or the journal keeps the row "sent"
            # and the console keeps counting it; then let the cancellation through.
            if emit:
                self._cancelled(meth, request_id, started)
            raise
        if isinstance(sent, CallResult):
            return sent  # recovered from request/status after an unknown outcome
        parsed, raw = sent
        latency = (self._monotonic() - started) * 1000
        if emit:
            self._answered(meth, request_id, parsed, raw, latency)
        if parsed.status == "error":
            raise errors.ApiError(
                parsed.error_code,
                parsed.error_description,
                response=raw,
                method=meth.name,
                request_id=request_id,
            )
        return CallResult(meth, request_id, parsed, raw, latency)

    async def _send_attempts(
        self,
        meth: Method,
        prepared: PreparedRequest,
        request_id: str | None,
        started: float,
        *,
        emit: bool,
        on_unknown: Callable[[errors.CardApiError], object] | None = None,
    ) -> tuple[Envelope, dict[str, Any]] | CallResult:
        """Send with the retry rules; after an unknown outcome of a state change, the status."""
        attempts = 0
        while True:
            attempts += 1
            try:
                return await self._exchange(meth, meth.path, prepared.headers, prepared.body)
            except errors.TransportError as exc:
                exc.method, exc.request_id = meth.name, request_id
                # The server never saw a failed connect; a read is safe to ask again.
                retryable = isinstance(exc, errors.CannotConnect) or (
                    not meth.changes_state
                    and isinstance(exc, (errors.TimedOut, errors.ConnectionDropped, errors.HttpStatusError))
                    and exc.outcome_unknown
                )
                if retryable and attempts <= self.options.read_retries:
                    await self._sleep(self.options.retry_backoff * 2 ** (attempts - 1))
                    continue
                if meth.changes_state and exc.outcome_unknown and request_id:
                    if on_unknown is not None:
                        # A listener's bug must not stop the status poll (as with subscribers).
                        with contextlib.suppress(Exception):
                            on_unknown(exc)
                    return await self._recover(meth, request_id, exc, started)
                if emit:
                    self._fail(meth, request_id, exc, started)
                raise

    def _cancelled(self, method: Method, request_id: str | None, started: float) -> None:
        # Fixed text only: nothing from the request or the answer reaches this event.
        if method.changes_state:
            message = (
                "cancelled after sending; the outcome is unknown: poll request/status with the "
                "same request_id"
            )
        else:
            message = "cancelled before the answer arrived"
        self._emit(
            RequestFailed(
                method=method.name,
                request_id=request_id,
                error=CANCELLED,
                message=message,
                # A read has nothing to follow up; a state change may have been applied.
                outcome_unknown=method.changes_state,
                at=self._clock(),
                latency_ms=(self._monotonic() - started) * 1000,
            )
        )

    def _answered(
        self,
        method: Method,
        request_id: str | None,
        parsed: Envelope,
        raw: dict[str, Any],
        latency: float,
    ) -> None:
        self._emit(
            ResponseReceived(
                method=method.name,
                request_id=request_id,
                status=parsed.status,
                request_status=parsed.request_status,
                response=redact(raw, method.response_secret_fields),
                latency_ms=latency,
                at=self._clock(),
                # Copied out of the body, so redacted like it: a description may quote a PAN.
                error_code=scrub_optional(parsed.error_code),
                error_description=scrub_optional(parsed.error_description),
            )
        )

    def _fail(self, method: Method, request_id: str | None, exc: errors.CardApiError, started: float) -> None:
        from fpconsole.api.redaction import scrub_text

        self._emit(
            RequestFailed(
                method=method.name,
                request_id=request_id,
                error=type(exc).__name__,
                message=scrub_text(exc.message),
                outcome_unknown=exc.outcome_unknown,
                at=self._clock(),
                latency_ms=(self._monotonic() - started) * 1000,
            )
        )

    async def _recover(
        self, method: Method, request_id: str, cause: errors.CardApiError, started: float
    ) -> CallResult:
        """After an unknown outcome, ask about the same request_id instead of resending."""
        try:
            status = await self.call(REQUEST_STATUS, {"request_id": request_id}, emit=False)
        except errors.ApiError as refusal:
            if not errors.is_unknown_request(refusal):
                # Refused for another reason (e.g. a signature problem): we still do not know.
                self._fail(method, request_id, cause, started)
                raise cause from None
            # The server does not know the id: the request never arrived. Sending it again with
            # the SAME request_id is safe (a duplicate would be refused), so say exactly that.
            exc = errors.TimedOut(
                f"{cause.message}; request/status does not know {request_id}, so it was not "
                "received — retry with the same request_id",
                method=method.name,
                request_id=request_id,
            )
            exc.outcome_unknown = False
            self._fail(method, request_id, exc, started)
            raise exc from None
        except errors.CardApiError:
            self._fail(method, request_id, cause, started)
            raise cause from None
        assert isinstance(status.response, RequestStatusResponse)
        # The journal and the console learn the request's status as if it had been answered.
        self._answered(method, request_id, status.response, status.raw, status.latency_ms)
        return CallResult(method, request_id, status.response, status.raw, status.latency_ms, recovered=True)

    async def post_control(
        self, path: str, body: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> dict[str, Any]:
        """A signed POST to a sandbox-only control route (outside /v5/); `read_timeout` for one
        known to take longer than the client's own (see sandbox_control.LONG_CONTROL_TIMEOUT_S)."""
        payload = json.dumps(body, separators=(",", ":"), default=str).encode()
        response = await self._send_once(
            path, self.sign_path(path, payload), payload, read_timeout=read_timeout
        )
        if response.status_code != 200:
            raise errors.HttpStatusError(response.status_code, response.content)
        try:
            raw = json.loads(response.content)
        except ValueError:
            raise errors.BadResponse("the answer is not JSON", response.content) from None
        except RecursionError:
            raise errors.BadResponse(
                "the answer is JSON nested too deeply to read", response.content
            ) from None
        if not isinstance(raw, dict):
            raise errors.BadResponse("the answer is not a JSON object", response.content)
        if raw.get("status") == "error":
            raise errors.ApiError(
                raw.get("error_code"), raw.get("error_description"), response=raw, method=path
            )
        return raw

    async def get_unsigned(self, path: str) -> httpx.Response:
        """An unsigned GET (the sandbox's /sandbox/health), through the same transport, timeouts
        and error mapping as every call; the caller reads the answer."""
        return await self._send_once(path, {}, b"", verb="GET")

    # --- request status ---------------------------------------------------------------------
    # now / monotonic / pause / poll_status are what the tracker uses (tracker.StatusPoller).

    def now(self) -> datetime:
        return self._clock()

    def monotonic(self) -> float:
        return self._monotonic()

    async def pause(self, seconds: float) -> None:
        await self._sleep(seconds)

    async def poll_status(self, request_id: str) -> tuple[RequestStatusResponse, dict[str, Any]]:
        result = await self.call(REQUEST_STATUS, {"request_id": request_id}, emit=False)
        # The registry gives request/status this response model; the assert tells mypy.
        assert isinstance(result.response, RequestStatusResponse)
        return result.response, result.raw

    def track(
        self,
        request_id: str,
        *,
        method: str | None = None,
        initial: str | None = "process",
        policy: PollPolicy | None = None,
        on_poll_failed: Callable[[errors.TransportError], object] | None = None,
    ) -> AsyncIterator[RequestStatusResponse]:
        return track_request(
            self,
            request_id,
            method=method,
            initial=initial,
            policy=policy or self.options.poll,
            on_poll_failed=on_poll_failed,
        )

    async def wait(
        self, result: CallResult, *, policy: PollPolicy | None = None
    ) -> RequestStatusResponse | Envelope:
        """Follow a `process` answer to its final status; returns the last status seen."""
        if not result.in_process or not result.request_id:
            return result.response
        last: RequestStatusResponse | Envelope = result.response
        async for status in self.track(result.request_id, method=result.method.name, policy=policy):
            last = status
        return last
