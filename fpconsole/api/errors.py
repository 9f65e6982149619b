"""What can go wrong with a call, as types the CLI maps to exit codes and the console to
messages. Every error keeps what a person needs to follow up: the method, the request_id and,
where there was one, the raw body."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fpconsole.api.redaction import redact_json_text, scrub_text
from fpconsole.api.validation import FieldError, format_errors

# error_code values of request/status meaning "no such request" (the sandbox's; the real API's
# codes are undocumented, SPEC §5.1 — INFERRED, correct here when known). Only this refusal says
# something about the request asked about (it never arrived); any other error envelope answering
# request/status is a failed poll.
UNKNOWN_REQUEST_CODES = frozenset({"unknown_request_id", "not_found"})


class CardApiError(Exception):
    """Base of every client error. The message is scrubbed of card numbers (an error's text is
    what ends up in logs and tracebacks); raw bodies stay in their own attributes."""

    outcome_unknown = False  # True: the request may or may not have been applied

    def __init__(self, message: str, *, method: str = "", request_id: str | None = None) -> None:
        message = scrub_text(message)
        super().__init__(message)
        self.message = message
        self.method = method
        self.request_id = request_id


class InvalidRequest(CardApiError):
    """The request failed validation before anything was sent."""

    def __init__(self, errors: list[FieldError], *, method: str = "") -> None:
        super().__init__(format_errors(errors), method=method)
        self.errors = errors


class TransportError(CardApiError):
    """Nothing usable came back."""


class CannotConnect(TransportError):
    """The connection could not be made: the request was certainly not received."""


class TimedOut(TransportError):
    """No answer in time. For a state-changing call the outcome is unknown: poll request/status
    with the same request_id, never resend with a new one."""

    outcome_unknown = True


class ConnectionDropped(TransportError):
    """The connection broke after the request was sent: outcome unknown, as for a timeout."""

    outcome_unknown = True


class HttpStatusError(TransportError):
    """An HTTP status other than 200 (the Card API documents only 200)."""

    def __init__(
        self, status_code: int, body: bytes, *, secret_paths: Iterable[str] = (), **kwargs: Any
    ) -> None:
        # Redacted as a JSON body first (a CVV or PIN by key, the method's secret fields by path),
        # then cut: cutting first would leave JSON that no longer parses, so only card numbers
        # would be masked.
        text = redact_json_text(body[:65536].decode("utf-8", "replace"), secret_paths)[:200]
        message = f"HTTP {status_code} from the server ({_status_hint(status_code)})"
        super().__init__(f"{message}: {text}" if text.strip() else message, **kwargs)
        self.status_code = status_code
        self.body = body
        # A 5xx may come after the server acted; only a 4xx certainly did nothing.
        self.outcome_unknown = status_code >= 500


def _status_hint(status_code: int) -> str:
    """What an operator should check for a status the Card API itself never answers with:
    it comes from something in between (a proxy, a gateway) or from a wrong address."""
    if status_code == 404:
        return "no such path: check the profile's base_url"
    if status_code in (401, 403):
        return "access refused before the API: check auth_id, the secret and any proxy"
    if status_code == 413:
        return "the request is too large for the server"
    if status_code == 429:
        return "too many requests: wait and check the status before sending again"
    if status_code >= 500:
        return "a server or gateway error; the outcome is unknown: check the request's status"
    return "not an answer of the Card API: check the profile's base_url and proxy"


class BadResponse(TransportError):
    """The body was not JSON, or not the shape the method answers with. The raw body is kept."""

    outcome_unknown = True

    def __init__(self, message: str, body: bytes, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.body = body


class ApiError(CardApiError):
    """The API answered `status: error` (or a final `request_status: error`)."""

    def __init__(
        self,
        error_code: str | None,
        error_description: str | None,
        *,
        response: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        code = error_code or "error"
        super().__init__(f"{code}: {error_description or 'the API reported an error'}", **kwargs)
        self.error_code = error_code
        self.error_description = error_description
        self.response = response or {}


def is_unknown_request(exc: BaseException) -> bool:
    """request/status refused because it does not know the request_id: proof it was not received."""
    return isinstance(exc, ApiError) and exc.error_code in UNKNOWN_REQUEST_CODES


class TrackingTimedOut(CardApiError):
    """The request was still in `process` when the tracker's time ran out."""

    outcome_unknown = True
