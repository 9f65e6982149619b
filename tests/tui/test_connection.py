"""What the top bar says for each way a connection fails (fpconsole.tui.connection)."""

from __future__ import annotations

import pytest

from fpconsole.api import errors
from fpconsole.tui.connection import (
    CONNECTED,
    CONNECTING,
    Connection,
    from_failed_call,
    from_probe_error,
    not_connected_reason,
    setup_failed,
)

HOST = "api.example.kz"


def test_an_answer_about_the_unknown_request_is_a_connection() -> None:
    for code in ("unknown_request_id", "not_found", "something_else"):
        assert from_probe_error(errors.ApiError(code, "no such request"), HOST) is None


@pytest.mark.parametrize("code", ["invalid_signature", "unknown_partner", "unsupported_algorithm"])
def test_a_refused_signature_lasts(code: str) -> None:
    state = from_probe_error(errors.ApiError(code, "no"), HOST)
    assert state is not None and state.broken and state.lasting
    assert state.short == "signature refused" and HOST in state.detail and code in state.detail


@pytest.mark.parametrize(
    ("error", "short"),
    [
        (errors.CannotConnect("cannot connect to http://x: Connection refused"), "connection refused"),
        (
            errors.CannotConnect("cannot connect to https://x: [Errno -2] Name or service not known"),
            "unknown host",
        ),
        (
            errors.CannotConnect("cannot connect: [SSL: CERTIFICATE_VERIFY_FAILED] certificate"),
            "TLS certificate refused",
        ),
        (errors.CannotConnect("cannot connect to http://x: All connection attempts failed"), "unreachable"),
        (errors.TimedOut("no answer from x within 30 s"), "no answer"),
        (errors.HttpStatusError(502, b"<html>bad gateway</html>"), "HTTP 502"),
        (errors.BadResponse("the answer is not JSON", b"<html>"), "not the Card API"),
    ],
)
def test_network_failures_are_short_in_the_bar_and_may_heal(error: Exception, short: str) -> None:
    state = from_probe_error(error, HOST)
    assert state is not None and state.broken and not state.lasting
    assert state.short == short
    assert state.bar_text(0) == f"✕ cannot connect: {short}"


def test_only_a_refused_connection_on_a_session_request_breaks_the_link() -> None:
    broken = from_failed_call("CannotConnect", "cannot connect to http://x: Connection refused")
    assert broken is not None and broken.short == "connection refused"
    assert from_failed_call("TimedOut", "no answer") is None  # the server may be slow, not gone
    assert from_failed_call("Cancelled", "cancelled") is None


def test_bar_texts_and_what_a_form_says() -> None:
    assert CONNECTED.bar_text(0) == "● connected"
    assert CONNECTED.bar_text(2) == "● 2 in process"
    assert CONNECTING.bar_text(0) == "◌ connecting"
    unset = setup_failed("FP_QA_SECRET unset", "profile qa: the environment variable FP_QA_SECRET is not set")
    assert unset.bar_text(1) == "✕ cannot connect: FP_QA_SECRET unset · 1 in process"
    assert unset.refusal() == (
        "Cannot connect: profile qa: the environment variable FP_QA_SECRET is not set. Nothing was sent."
    )

    class App:
        connection: Connection = unset

    assert not_connected_reason(App()) == unset.refusal()
    assert not_connected_reason(object()).startswith("Not connected yet")
