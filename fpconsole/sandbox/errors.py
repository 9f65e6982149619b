"""The sandbox's stable error codes, in one table. The real API's codes are undocumented
(SPEC §5.1); these are ours, and tests and scripts may rely on them."""

from __future__ import annotations

from typing import Final

from pydantic import ValidationError

from fpconsole.api.validation import describe_errors

ERROR_CODES: Final[dict[str, str]] = {
    # authentication (SPEC §1.2)
    "missing_signature": "the X-JWS-Signature header is missing",
    "malformed_signature": "the X-JWS-Signature header is not a detached JWS",
    "unsupported_algorithm": "the signature algorithm is not HS512 or HS256",
    "unknown_partner": "the auth_id is not a known partner",
    "invalid_signature": "the signature does not match the request",
    # the request itself
    "invalid_json": "the body is not a JSON object",
    "validation_error": "a field is missing or has a wrong value",
    "unknown_method": "no such method",
    "duplicate_request_id": "this request_id was already used; poll request/status instead",
    "unknown_request_id": "no request with this request_id",
    # business outcomes
    "not_found": "the client, card or transaction does not exist",
    "invalid_state": "the card or transaction is not in a state that allows this",
    "card_closed": "the card is closed and refuses every change",
    "insufficient_funds": "the available balance is lower than the amount",
    "limit_exceeded": "the amount exceeds a limit set on the card",
    "amount_exceeded": "the amount is more than may still be cleared or refunded",
    "pin_locked": "too many wrong PIN attempts; reset the PIN counter",
    "already_linked": "the card already belongs to a client",
    "request_timeout": "the request did not arrive whole in time; the connection was closed",
    "body_too_large": "the body is larger than the sandbox accepts (4 MiB by default); HTTP 413",
    # injected faults
    "injected_error": "an error injected by the sandbox's fault settings",
    "internal_error": "the sandbox failed; this is a bug",
}


class SandboxError(Exception):
    """A refusal that becomes an API error envelope."""

    def __init__(self, code: str, message: str | None = None, *, field: str | None = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown sandbox error code {code!r}")
        text = message or ERROR_CODES[code]
        super().__init__(text)
        self.code = code
        self.message = f"{field}: {text}" if field and not text.startswith(field) else text
        self.field = field


class ValidationRefusal(SandboxError):
    """`validation_error` with one readable description plus the field list for the envelope."""

    def __init__(self, exc: ValidationError) -> None:
        problems = describe_errors(exc)
        super().__init__("validation_error", "; ".join(str(p) for p in problems) or "the request is invalid")
        self.errors = [{"field": p.field, "message": p.message} for p in problems]
