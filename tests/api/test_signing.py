"""X-JWS-Signature (SPEC §1.2): the vendor's vector byte for byte, the second vector in both
algorithms, and every way verify() refuses, each with its stable code."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from fpconsole.api.signing import (
    SignatureError,
    b64url,
    b64url_decode,
    protected_header,
    read_header,
    sign,
    verify,
)

# SPEC §1.2, "Verified test vector" (from the vendor docs).
VENDOR_BODY = b'{"request_id":"828cf71d-a447-4a67-a149-c1df8bc197ca"}'
VENDOR_URI = "/v5/card-api/request/status"
VENDOR_SIGNATURE = (
    "eyJ1cmkiOiIvdjUvY2FyZC1hcGkvcmVxdWVzdC9zdGF0dXMiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIs"
    "InBhcmFtcyI6IiIsImFsZyI6IkhTNTEyIn0..f1sQoeIpX_ZjOaykQzSeylvvKaVrEQV4gNM2ACFbEMkFDUV9Zk5WO1yQGEWez"
    "-vnQMVHodLBDVEyh5Xm2-3MjQ"
)
VENDOR_HEADER = (
    b'{"uri":"/v5/card-api/request/status","auth_id":"123456","method":"POST","params":"","alg":"HS512"}'
)

# SPEC §1.2, the second vector (HS512 and HS256).
SECOND_BODY = b'{"request_id":"0f8fad5b-d9cb-469f-a165-70867728950e","card_id":"7001234"}'
SECOND_URI = "/v5/card-api/card/info"
SECOND = {
    "HS512": (
        "eyJ1cmkiOiIvdjUvY2FyZC1hcGkvY2FyZC9pbmZvIiwiYXV0aF9pZCI6IjEwMDUwMCIsIm1ldGhvZCI6IlBPU1QiLCJw"
        "YXJhbXMiOiIiLCJhbGciOiJIUzUxMiJ9..SIVglIHqwjLlM-NpMtHsCuQtY0znt3VrnnbgNkl8V8OcojTe0IRgVvrWn-ey2Bj"
        "9RQLMu2kSbe3L0w0E-MyyLQ"
    ),
    "HS256": (
        "eyJ1cmkiOiIvdjUvY2FyZC1hcGkvY2FyZC9pbmZvIiwiYXV0aF9pZCI6IjEwMDUwMCIsIm1ldGhvZCI6IlBPU1QiLCJw"
        "YXJhbXMiOiIiLCJhbGciOiJIUzI1NiJ9..-g-g_KoI6PSOpA9VkUo8MUzOGMsM64b4iWlOM3_1HMM"
    ),
}
SECRETS = {"123456": "secret", "100500": "sandbox-secret"}


def test_vendor_vector_byte_for_byte() -> None:
    assert protected_header(VENDOR_URI, "123456") == VENDOR_HEADER
    assert sign(VENDOR_BODY, uri=VENDOR_URI, auth_id="123456", secret="secret") == VENDOR_SIGNATURE


def test_auth_id_given_as_int_is_signed_as_the_docs_string() -> None:
    assert sign(VENDOR_BODY, uri=VENDOR_URI, auth_id=123456, secret="secret") == VENDOR_SIGNATURE  # type: ignore[arg-type]


@pytest.mark.parametrize("alg", ["HS512", "HS256"])
def test_second_vector(alg: Any) -> None:
    signed = sign(SECOND_BODY, uri=SECOND_URI, auth_id="100500", secret="sandbox-secret", alg=alg)
    assert signed == SECOND[alg]
    assert json.loads(b64url_decode(signed.split("..")[0]))["alg"] == alg


def test_secret_as_bytes_signs_the_same() -> None:
    assert sign(VENDOR_BODY, uri=VENDOR_URI, auth_id="123456", secret=b"secret") == VENDOR_SIGNATURE


def test_unknown_algorithm_is_refused_when_signing() -> None:
    with pytest.raises(ValueError, match="HS512"):
        sign(VENDOR_BODY, uri=VENDOR_URI, auth_id="1", secret="s", alg="none")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "body", "uri", "auth_id", "alg"),
    [
        (VENDOR_SIGNATURE, VENDOR_BODY, VENDOR_URI, "123456", "HS512"),
        (SECOND["HS512"], SECOND_BODY, SECOND_URI, "100500", "HS512"),
        (SECOND["HS256"], SECOND_BODY, SECOND_URI, "100500", "HS256"),
    ],
    ids=["vendor-HS512", "second-HS512", "second-HS256"],
)
def test_verify_accepts_every_vector(value: str, body: bytes, uri: str, auth_id: str, alg: str) -> None:
    header = verify(value, body, uri=uri, method="POST", secrets=SECRETS)
    assert (header.auth_id, header.alg, header.uri, header.method, header.params) == (
        auth_id,
        alg,
        uri,
        "POST",
        "",
    )


def test_verify_accepts_lowercase_request_method() -> None:
    assert verify(VENDOR_SIGNATURE, VENDOR_BODY, uri=VENDOR_URI, method="post", secrets=SECRETS)


def _refusal(value: str | None, body: bytes = VENDOR_BODY, **overrides: Any) -> SignatureError:
    kwargs: dict[str, Any] = {"uri": VENDOR_URI, "method": "POST", "secrets": SECRETS, **overrides}
    with pytest.raises(SignatureError) as caught:
        verify(value, body, **kwargs)
    return caught.value


def test_verify_refuses_wrong_secret() -> None:
    error = _refusal(VENDOR_SIGNATURE, secrets={"123456": "not-the-secret"})
    assert error.code == "invalid_signature"
    assert "does not match" in error.message


def test_verify_refuses_wrong_uri() -> None:
    error = _refusal(VENDOR_SIGNATURE, uri="/v5/card-api/card/info")
    assert error.code == "invalid_signature"
    assert VENDOR_URI in error.message and "/v5/card-api/card/info" in error.message


def test_verify_refuses_wrong_method() -> None:
    error = _refusal(VENDOR_SIGNATURE, method="PUT")
    assert error.code == "invalid_signature"
    assert "PUT" in error.message


@pytest.mark.parametrize("position", [0, len(VENDOR_BODY) // 2, len(VENDOR_BODY) - 1])
def test_verify_refuses_a_changed_body_byte(position: int) -> None:
    changed = bytearray(VENDOR_BODY)
    changed[position] ^= 0x01
    assert _refusal(VENDOR_SIGNATURE, bytes(changed)).code == "invalid_signature"


def test_verify_refuses_reserialised_body() -> None:
    # Same JSON, different bytes: the raw bytes are what is signed.
    spaced = json.dumps(json.loads(VENDOR_BODY)).encode()
    assert spaced != VENDOR_BODY
    assert _refusal(VENDOR_SIGNATURE, spaced).code == "invalid_signature"


def test_verify_refuses_unknown_auth_id() -> None:
    error = _refusal(VENDOR_SIGNATURE, secrets={"100500": "sandbox-secret"})
    assert error.code == "unknown_partner"
    assert "123456" in error.message


def test_verify_refuses_unsupported_algorithm() -> None:
    header = b64url(
        json.dumps({"uri": VENDOR_URI, "auth_id": "123456", "method": "POST", "params": "", "alg": "none"})
        .replace(" ", "")
        .encode()
    )
    assert _refusal(f"{header}..c2ln").code == "unsupported_algorithm"


def test_verify_refuses_missing_header() -> None:
    assert _refusal(None).code == "missing_signature"
    assert _refusal("").code == "missing_signature"


def _segment(obj: Any) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


_GOOD_HEADER = {"uri": VENDOR_URI, "auth_id": "123456", "method": "POST", "params": "", "alg": "HS512"}
_SIG = VENDOR_SIGNATURE.split("..")[1]


@pytest.mark.parametrize(
    "value",
    [
        VENDOR_SIGNATURE.replace("..", "."),  # payload not detached / single dot
        VENDOR_SIGNATURE.split("..")[0] + "..",  # no signature
        ".." + _SIG,  # no header
        VENDOR_SIGNATURE.split("..")[0] + "." + b64url(VENDOR_BODY) + "." + _SIG,  # attached payload
        "not base64 at all!!.." + _SIG,  # header is not base64url
        b64url(b"not json") + ".." + _SIG,  # header is not JSON
        _segment(["uri", "auth_id"]) + ".." + _SIG,  # header is not an object
        _segment({k: v for k, v in _GOOD_HEADER.items() if k != "auth_id"}) + ".." + _SIG,
        _segment({**_GOOD_HEADER, "uri": ""}) + ".." + _SIG,
        _segment({**_GOOD_HEADER, "alg": None}) + ".." + _SIG,
        _segment({**_GOOD_HEADER, "method": True}) + ".." + _SIG,
        VENDOR_SIGNATURE.split("..")[0] + "..%%%not-base64%%%",  # signature is not base64url
    ],
    ids=[
        "single-dot",
        "no-signature",
        "no-header",
        "attached-payload",
        "header-not-b64",
        "header-not-json",
        "header-not-object",
        "no-auth_id",
        "empty-uri",
        "null-alg",
        "bool-method",
        "signature-not-b64",
    ],
)
def test_verify_refuses_malformed_header(value: str) -> None:
    error = _refusal(value)
    assert error.code == "malformed_signature", error.message
    assert "X-JWS-Signature" in error.message or "signature" in error.message


def _hand_signed(header: dict[str, Any], body: bytes, secret: str, digest: Any) -> str:
    segment = _segment(header)
    mac = hmac.new(secret.encode(), f"{segment}.{b64url(body)}".encode(), digest).digest()
    return f"{segment}..{b64url(mac)}"


def test_header_with_different_key_order_signed_by_hand_is_accepted() -> None:
    # The docs' HS256 example orders its keys alg, typ, auth_id, uri, method, params.
    header = {
        "alg": "HS256",
        "typ": "JWT",
        "auth_id": "100500",
        "uri": SECOND_URI,
        "method": "POST",
        "params": "",
    }
    value = _hand_signed(header, SECOND_BODY, "sandbox-secret", hashlib.sha256)
    assert not value.startswith(SECOND["HS256"].split("..")[0])  # really a different header segment
    accepted = verify(value, SECOND_BODY, uri=SECOND_URI, method="POST", secrets=SECRETS)
    assert (accepted.alg, accepted.auth_id) == ("HS256", "100500")


def test_indented_body_signed_by_hand_is_accepted_as_raw_bytes() -> None:
    body = b'{\n  "request_id": "0f8fad5b-d9cb-469f-a165-70867728950e",\n  "card_id": "7001234"\n}'
    value = _hand_signed(
        {"uri": SECOND_URI, "method": "POST", "alg": "HS512", "auth_id": 100500, "params": ""},
        body,
        "sandbox-secret",
        hashlib.sha512,
    )
    assert verify(value, body, uri=SECOND_URI, method="POST", secrets=SECRETS).auth_id == "100500"


def test_read_header_returns_segments_as_received() -> None:
    header, header_segment, signature_segment = read_header(VENDOR_SIGNATURE)
    assert f"{header_segment}..{signature_segment}" == VENDOR_SIGNATURE
    assert header.uri == VENDOR_URI


@pytest.mark.parametrize(
    "mangle",
    [
        lambda sig: sig[:10] + "!!$" + sig[10:],  # stray characters the stdlib decoder would skip
        lambda sig: sig + "==",  # padding
        lambda sig: sig.replace("_", "/").replace("-", "+"),  # standard, not url-safe, alphabet
    ],
    ids=["stray-characters", "padded", "standard-alphabet"],
)
def test_verify_refuses_non_canonical_signature_encodings(mangle: Any) -> None:
    header_segment, signature = VENDOR_SIGNATURE.split("..")
    mangled = mangle(signature)
    assert mangled != signature
    assert _refusal(f"{header_segment}..{mangled}").code == "malformed_signature"
