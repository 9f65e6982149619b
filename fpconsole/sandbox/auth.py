"""Who is calling: the detached-JWS check of SPEC §1.2, turned into the sandbox's error codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fpconsole.api.signing import SignatureError, verify
from fpconsole.sandbox.errors import SandboxError

# Refusals that come from the signature, answered with `auth_error_status` (SPEC §5.2).
AUTH_ERROR_CODES: Final = frozenset(
    {
        "missing_signature",
        "malformed_signature",
        "unsupported_algorithm",
        "unknown_partner",
        "invalid_signature",
    }
)


def authenticate(
    header_value: str | None,
    body: bytes,
    *,
    path: str,
    http_method: str,
    query: str,
    partners: Mapping[str, str],
) -> str:
    """The partner's auth_id, or SandboxError with a signature code.

    The header is used exactly as received and the body as raw bytes (never re-serialised): the
    docs' own examples differ in header key order, and bodies may carry any whitespace."""
    try:
        header = verify(header_value, body, uri=path, method=http_method, secrets=dict(partners))
    except SignatureError as exc:
        raise SandboxError(exc.code, exc.message) from None
    # INFERRED like the uri check: `params` binds the signature to the query string ("" for
    # every Card API call), so a signed request cannot be replayed with other parameters.
    if header.params != query:
        raise SandboxError(
            "invalid_signature", f"the signature was made for params {header.params!r}, not {query!r}"
        )
    return header.auth_id
