"""FPCONSOLE_SANDBOX_DELAY set to something that is not a number of seconds (a typo, `nan`, a
negative or endless delay) is a message naming the variable and the fix: exit 2 from the CLI, a
broken connection the console's top bar keeps saying; never a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static

from fpconsole import cli
from fpconsole.session import SetupError, open_session
from fpconsole.tui.app import ConsoleContext, FpConsoleApp
from fpconsole.tui.widgets.top_bar import TopBar

BAD = ["abc", "nan", "inf", "-1", "1,5", "100000"]
DEADLINE = 60.0  # only a failing test waits this long


@pytest.mark.parametrize("value", BAD)
def test_open_session_says_what_is_wrong_with_the_variable(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FPCONSOLE_SANDBOX_DELAY", value)
    with pytest.raises(SetupError) as caught:
        open_session(journal=False)
    message = str(caught.value)
    assert f"FPCONSOLE_SANDBOX_DELAY={value}" in message
    assert "number of seconds from 0 to 86400" in message
    assert "unset FPCONSOLE_SANDBOX_DELAY" in message  # the fix
    assert caught.value.short == "FPCONSOLE_SANDBOX_DELAY invalid"


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_variable_means_the_default(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # `FPCONSOLE_SANDBOX_DELAY= fpconsole ...` is how a shell user unsets it for one command.
    monkeypatch.setenv("FPCONSOLE_SANDBOX_DELAY", value)
    session = open_session(journal=False, sandbox_db=":memory:")
    asyncio.run(session.aclose())


@pytest.mark.parametrize("value", ["abc", "nan"])
def test_call_exits_2_with_the_message_not_a_traceback(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FPCONSOLE_SANDBOX_DELAY", value)
    code = cli.main(["call", "card.info", "card_id=7001234"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith(f"fpconsole call: FPCONSOLE_SANDBOX_DELAY={value} is not a number")
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_bulk_exits_2_with_the_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "product_id,phone,type,resident,first_name,last_name,birthdate,email,country,person_id,language\n"
        "2000,77010000001,1,1,ALIYA,TESTOVA,1992-04-17,a@example.kz,KAZ,920417400001,ru\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FPCONSOLE_SANDBOX_DELAY", "abc")
    code = cli.main(["bulk", str(rows)])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "FPCONSOLE_SANDBOX_DELAY=abc is not a number of seconds" in captured.err
    assert "Traceback" not in captured.err


async def _until(pilot: object, condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not condition():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.02)  # type: ignore[attr-defined]


async def test_the_console_shows_it_in_the_top_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FPCONSOLE_SANDBOX_DELAY", "abc")
    app = FpConsoleApp(ConsoleContext(user_host="qa@jumphost"))
    async with app.run_test(size=(120, 30)) as pilot:
        await _until(pilot, lambda: app.connection.broken)
        live = str(app.screen.query_one(TopBar).query_one("#live", Static).render())
        assert live == "✕ cannot connect: FPCONSOLE_SANDBOX_DELAY invalid"
        assert "FPCONSOLE_SANDBOX_DELAY=abc is not a number of seconds" in app.connection.detail
