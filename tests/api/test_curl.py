"""Copy as curl: the line is shell-quoted so that a shell hands curl exactly the signed body
and headers, and the signature in it verifies against that body."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from typing import Any

import pytest

from fpconsole.api.client import PreparedRequest
from fpconsole.api.curl import to_curl
from fpconsole.api.signing import HEADER_NAME, SignatureError, verify

# Quotes, dollars, backticks, backslashes, globs and semicolons: everything a shell would
# otherwise interpret. All of it is allowed in an API "string" (SPEC §1.4).
AWKWARD = 'it\'s "odd" $HOME `id` \\n; *.pdf & more | (x) ~user !bang'


def parse(line: str) -> dict[str, Any]:
    """Split a curl line the way a shell would (line continuations removed first)."""
    words = shlex.split(line.replace("\\\n", ""), comments=True)
    assert words[:4] == ["curl", "-sS", "-X", "POST"]
    parsed: dict[str, Any] = {"url": words[4], "headers": {}, "data": None}
    rest = iter(words[5:])
    for word in rest:
        if word == "-H":
            name, _, value = next(rest).partition(": ")
            parsed["headers"][name] = value
        elif word == "--data-raw":
            parsed["data"] = next(rest)
        else:
            raise AssertionError(f"unexpected curl argument {word!r}")
    return parsed


def _verify(prepared: PreparedRequest, header: str, body: bytes, kit: Any) -> None:
    verify(header, body, uri=prepared.method.path, method="POST", secrets={kit.AUTH_ID: kit.SECRET})


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("card.block", {"card_id": "7001234", "description": AWKWARD}),
        ("card.info", {"card_id": "7001234"}),
        (
            "limits.set",
            {"object": {"type": "card", "value": "7001234"}, "limits": [{"transaction_type": "pay"}]},
        ),
    ],
)
def test_curl_round_trips_to_the_exact_body_and_headers(
    make_client: Any, kit: Any, method: str, body: dict[str, Any]
) -> None:
    prepared = make_client().prepare(method, body)
    parsed = parse(to_curl(prepared))
    assert parsed["url"] == prepared.url
    assert parsed["headers"] == prepared.headers
    assert parsed["data"].encode() == prepared.body
    _verify(prepared, parsed["headers"][HEADER_NAME], parsed["data"].encode(), kit)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash to run the line")
def test_a_real_shell_passes_curl_the_exact_arguments(make_client: Any, kit: Any) -> None:
    prepared = make_client().prepare("card.block", {"card_id": "7001234", "description": AWKWARD})
    line = to_curl(prepared)
    # A stand-in `curl` that prints its arguments NUL-separated instead of sending anything.
    script = "curl() { printf '%s\\0' \"$@\"; }\n" + line + "\n"
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, check=True, env={"HOME": "/nonexistent"}
    )
    args = done.stdout.split(b"\0")[:-1]
    assert args[-1] == prepared.body
    assert args[-2] == b"--data-raw"
    assert f"{HEADER_NAME}: {prepared.headers[HEADER_NAME]}".encode() in args
    assert prepared.url.encode() in args


def test_set_pin_curl_is_not_runnable_and_its_signature_would_not_match(make_client: Any, kit: Any) -> None:
    prepared = make_client().prepare(
        "card.set_pin", {"card_id": "7001234", "pin": "q3Jx0v9mW0b8k3YtZx3z1Q=="}
    )
    line = to_curl(prepared)
    assert line.splitlines()[0].startswith("# not runnable")
    parsed = parse(line)
    assert parsed["data"].encode() != prepared.body
    with pytest.raises(SignatureError) as caught:
        _verify(prepared, parsed["headers"][HEADER_NAME], parsed["data"].encode(), kit)
    assert caught.value.code == "invalid_signature"  # exactly what the note warns about
