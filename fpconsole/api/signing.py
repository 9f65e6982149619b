"""Detached JWS in `X-JWS-Signature` (SPEC §1.2): one module, used by the client to sign and by
the sandbox to verify.

The signature covers `b64url(header) + "." + b64url(body)` over the exact body bytes sent, so
callers serialise the body once and pass those bytes here and to the wire.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from dataclasses import dataclass
from typing import Final, Literal

HEADER_NAME: Final = "X-JWS-Signature"
Algorithm = Literal["HS512", "HS256"]
ALGORITHMS: Final[dict[str, str]] = {"HS512": "sha512", "HS256": "sha256"}
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: only the unpadded base64url alphabet. (The stdlib decoder skips stray characters,
    so "f1sQ!!oeIp" would otherwise decode to the same signature as "f1sQoeIp".)"""
    if not _B64URL.fullmatch(text):
        raise binascii.Error("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def protected_header(uri: str, auth_id: str, alg: Algorithm = "HS512", method: str = "POST") -> bytes:
    # Key order and compact separators follow the vendor example, which the test vector pins.
    header = {"uri": uri, "auth_id": str(auth_id), "method": method, "params": "", "alg": alg}
    return json.dumps(header, separators=(",", ":")).encode()


def _mac(secret: str | bytes, alg: str, signing_input: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, signing_input, ALGORITHMS[alg]).digest()


def sign(body: bytes, *, uri: str, auth_id: str, secret: str | bytes, alg: Algorithm = "HS512") -> str:
    """The `X-JWS-Signature` value for these exact body bytes."""
    if alg not in ALGORITHMS:
        raise ValueError(f"alg must be one of {', '.join(ALGORITHMS)}, not {alg!r}")
    header_segment = b64url(protected_header(uri, auth_id, alg))
    signing_input = f"{header_segment}.{b64url(body)}".encode("ascii")
    return f"{header_segment}..{b64url(_mac(secret, alg, signing_input))}"


class SignatureError(Exception):
    """Why a signature was refused; `code` is the sandbox's stable error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class SignedHeader:
    uri: str
    auth_id: str
    method: str
    params: str
    alg: str


def read_header(value: str | None) -> tuple[SignedHeader, str, str]:
    """Parse a header value as received; returns the header and both raw segments."""
    if not value:
        raise SignatureError("missing_signature", f"the {HEADER_NAME} header is missing")
    header_segment, sep, signature_segment = value.strip().partition("..")
    if not sep or not header_segment or not signature_segment or "." in signature_segment:
        raise SignatureError(
            "malformed_signature",
            f"{HEADER_NAME} must be <b64url(header)>..<b64url(signature)> (a detached JWS)",
        )
    cached = _HEADERS.get(header_segment)
    if cached is not None:
        return cached, header_segment, signature_segment
    header = _decode_header(header_segment)
    if len(header_segment) <= _CACHED_SEGMENT_MAX:
        if len(_HEADERS) >= _CACHE_SIZE:
            _HEADERS.clear()
        _HEADERS[header_segment] = header
    return header, header_segment, signature_segment


# A client signs every call to one path with the same header segment, so the sandbox decodes
# each segment once: base64 + JSON of the header were 8 % of a served card/info. Only successes
# are kept (a refusal is decoded again), and only short segments, so the cache stays small.
_HEADERS: dict[str, SignedHeader] = {}
_CACHE_SIZE: Final = 1024
_CACHED_SEGMENT_MAX: Final = 512


def _decode_header(header_segment: str) -> SignedHeader:
    try:
        decoded = json.loads(b64url_decode(header_segment))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise SignatureError(
            "malformed_signature", f"the {HEADER_NAME} header segment is not base64url JSON"
        ) from None
    if not isinstance(decoded, dict):
        raise SignatureError("malformed_signature", f"the {HEADER_NAME} header must be a JSON object")
    fields = {}
    for key in ("uri", "auth_id", "method", "alg"):
        item = decoded.get(key)
        if not isinstance(item, (str, int)) or isinstance(item, bool) or item == "":
            raise SignatureError("malformed_signature", f"the {HEADER_NAME} header has no {key}")
        fields[key] = str(item)
    params = decoded.get("params", "")
    return SignedHeader(params=str(params) if params is not None else "", **fields)


def verify(
    value: str | None,
    body: bytes,
    *,
    uri: str,
    method: str,
    secrets: dict[str, str],
) -> SignedHeader:
    """Check a received signature against the raw body; the header is used exactly as received
    (the docs' own examples differ in key order, so rebuilding it would refuse valid calls)."""
    header, header_segment, signature_segment = read_header(value)
    if header.alg not in ALGORITHMS:
        raise SignatureError("unsupported_algorithm", f"alg {header.alg!r} is not HS512 or HS256")
    secret = secrets.get(header.auth_id)
    if secret is None:
        raise SignatureError("unknown_partner", f"auth_id {header.auth_id!r} is not a known partner")
    if header.uri != uri:
        raise SignatureError("invalid_signature", f"the signature was made for {header.uri!r}, not {uri!r}")
    if header.method.upper() != method.upper():
        raise SignatureError("invalid_signature", f"the signature was made for {header.method}, not {method}")
    try:
        received = b64url_decode(signature_segment)
    except (binascii.Error, ValueError):
        raise SignatureError("malformed_signature", "the signature segment is not base64url") from None
    expected = _mac(secret, header.alg, f"{header_segment}.{b64url(body)}".encode("ascii"))
    if not hmac.compare_digest(received, expected):
        raise SignatureError("invalid_signature", "the signature does not match the body and partner secret")
    return header
