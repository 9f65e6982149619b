"""What a user reads for an HTTP status other than 200 (the Card API documents only 200)."""

from __future__ import annotations

import pytest

from fpconsole.api.errors import HttpStatusError


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (404, "base_url"),
        (401, "auth_id"),
        (403, "auth_id"),
        (502, "outcome is unknown"),
        (503, "outcome is unknown"),
    ],
)
def test_an_empty_body_still_says_what_to_check(status: int, says: str) -> None:
    message = str(HttpStatusError(status, b""))
    assert message.startswith(f"HTTP {status} from the server")
    assert not message.rstrip().endswith(":"), message
    assert says in message


def test_a_body_is_still_shown_after_the_hint() -> None:
    message = str(HttpStatusError(404, b"no such route"))
    assert "base_url" in message and message.endswith("no such route")


def test_a_body_nested_too_deeply_is_shown_cut_not_a_traceback() -> None:
    message = str(HttpStatusError(500, b"[" * 100_000))
    assert message.startswith("HTTP 500 from the server")
