"""A first start's sandbox is seeded and listed by a second process while the console starts
(fpconsole/tui/first_start.py); the console's own prime then reads only what changed."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from fpconsole.config import resolve_profile
from fpconsole.locations import embedded_sandbox_db
from fpconsole.store.cache import EntityCache
from fpconsole.tui.first_start import CONSOLE_GONE, FirstStart, is_first_start

SEEDED_CLIENTS = 40  # fpconsole.session.EMBEDDED_SEED_CLIENTS


def started(profile_name: str | None = None) -> FirstStart:
    prepared = FirstStart.begin(profile_name)
    assert prepared is not None
    return prepared


def test_only_a_start_without_the_embedded_sandbox_database_is_a_first_start() -> None:
    profile = resolve_profile(None, read_only=False)
    assert profile.embedded
    assert is_first_start(profile)
    embedded_sandbox_db().parent.mkdir(parents=True)
    embedded_sandbox_db().touch()
    assert not is_first_start(profile)


def test_a_profile_on_a_real_api_has_no_first_start(isolated_home: Path) -> None:
    (isolated_home / "config").mkdir()
    (isolated_home / "config" / "config.toml").write_text(
        '[profiles.qa]\nkind = "test"\nbase_url = "https://qa.example"\n'
        'auth_id = "p1"\nsecret_env = "FP_QA"\n'
    )
    assert not is_first_start(resolve_profile("qa", read_only=False))


def test_a_sandbox_profile_whose_secret_comes_from_a_command_has_no_first_start_child(
    isolated_home: Path,
) -> None:
    # The child would run the command too: a passphrase asked twice, a token touched twice, and
    # a prompt that waits reported after twice its timeout (QA 23).
    (isolated_home / "config").mkdir()
    (isolated_home / "config" / "config.toml").write_text(
        '[profiles.box]\nkind = "sandbox"\nauth_id = "p1"\nsecret_command = "echo s3cret"\n'
    )
    profile = resolve_profile("box", read_only=False)
    assert profile.embedded
    assert not is_first_start(profile)


def test_the_child_seeds_the_sandbox_and_lists_it_into_the_cache(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="fpconsole.tui.first_start"):
        prepared = started()
        assert prepared.wait_listed()
        assert prepared.wait()
    assert prepared.outcome == 0
    assert "clients and cards listed after" in caplog.text  # what --debug logs
    with EntityCache.open(profile="sandbox") as cache:
        assert cache.count("clients", None) == SEEDED_CLIENTS
        assert cache.count("cards", None) > 0
        assert cache.prime_mark() is not None  # so the console's prime reads only what changed
    assert not is_first_start(resolve_profile(None, read_only=False))


async def test_after_the_child_the_console_primes_only_the_history() -> None:
    from fpconsole.tui.backend import ConsoleBackend

    prepared = started()
    assert await asyncio.to_thread(prepared.wait_listed)
    assert await asyncio.to_thread(prepared.wait)
    with EntityCache.open(profile="sandbox") as cache:
        listed = {kind: cache.count(kind, None) for kind in ("clients", "cards", "transactions")}
        assert listed["transactions"] == 0  # the history is the console's to write, once listed
        backend = ConsoleBackend.start(
            profile=resolve_profile(None, read_only=False), cache=cache, post=lambda message: None
        )
        try:
            written = await backend.prime_from_sandbox()
        finally:
            await backend.aclose()
        assert cache.count("clients", None) == listed["clients"]
        transactions = cache.count("transactions", None)
        assert transactions > 0
        # The clients and cards the child listed were not written again.
        assert written < listed["clients"] + listed["cards"] + transactions


def test_a_child_that_fails_says_why_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    prepared = started("no-such-profile")
    with caplog.at_level(logging.WARNING, logger="fpconsole.tui.first_start"):
        assert not prepared.wait_listed()
        assert not prepared.wait()
    assert prepared.outcome not in (0, None)
    assert "no-such-profile" in caplog.text
    assert not embedded_sandbox_db().exists()  # refused before it opened anything


def test_a_profile_that_cannot_connect_is_said_in_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FPCONSOLE_SANDBOX_DELAY", "abc")
    prepared = started()
    with caplog.at_level(logging.WARNING, logger="fpconsole.tui.first_start"):
        assert not prepared.wait_listed()
        assert not prepared.wait()
    assert "FPCONSOLE_SANDBOX_DELAY=abc is not a number of seconds" in caplog.text
    assert "Traceback" not in caplog.text


def test_a_child_that_fails_otherwise_says_it_in_one_line(
    isolated_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (isolated_home / "sandbox").write_text("a file where the sandbox's folder goes")
    prepared = started()
    with caplog.at_level(logging.WARNING, logger="fpconsole.tui.first_start"):
        assert not prepared.wait_listed()
        assert not prepared.wait()
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert "\n" not in warnings[0] and "Traceback" not in warnings[0]


def test_the_child_runs_the_consoles_own_code_not_a_checkout_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-checkout"
    (other / "fpconsole" / "tui").mkdir(parents=True)
    marker = tmp_path / "other-code-ran"
    (other / "fpconsole" / "__init__.py").write_text("")
    (other / "fpconsole" / "tui" / "__init__.py").write_text("")
    (other / "fpconsole" / "tui" / "first_start.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).touch()\ndef main(argv):\n    return 9\n"
    )
    monkeypatch.chdir(other)
    prepared = started()
    assert prepared.wait_listed()
    assert prepared.wait()
    assert not marker.exists()


def test_stop_ends_a_child_even_a_stopped_one() -> None:
    import signal

    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    sleeper.send_signal(signal.SIGSTOP)  # a child that acts on no signal but SIGKILL
    FirstStart(sleeper).stop()
    assert sleeper.wait(timeout=60) == -signal.SIGKILL


def test_stop_ends_a_child_still_running() -> None:
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    prepared = FirstStart(sleeper)
    prepared.stop()
    assert not prepared.wait_listed()
    assert not prepared.wait()
    prepared.stop()  # once ended, nothing to do


def test_a_child_that_hangs_is_given_up_and_said(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import fpconsole.tui.first_start as first_start

    monkeypatch.setattr(first_start, "GIVE_UP_S", 0.2)
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    with caplog.at_level(logging.WARNING, logger="fpconsole.tui.first_start"):
        assert not FirstStart(sleeper).wait_listed()
    assert sleeper.wait() != 0
    assert "took over" in caplog.text


def test_the_child_ends_when_the_console_does() -> None:
    code = (
        "import time\n"
        "from fpconsole.tui.first_start import end_with_the_console\n"
        "end_with_the_console()\n"
        "print('watching', flush=True)\n"
        "time.sleep(120)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline() == b"watching\n"
    child.stdin.close()  # as when the console's process ends, however it ends
    assert child.wait(timeout=60) == CONSOLE_GONE


async def test_the_console_lists_the_childs_rows_and_then_writes_the_history() -> None:
    from snapshot_apps import wait_until

    from fpconsole.tui.app import ConsoleContext, FpConsoleApp
    from fpconsole.tui.widgets.paged_table import PagedTable

    prepared = started()
    app = FpConsoleApp(ConsoleContext(user_host="qa@jumphost", sandbox_delay=0, first_start=prepared))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.screen.query("#list")))
        table = app.screen.query_one("#list", PagedTable)
        await wait_until(pilot, lambda: table.row_count == SEEDED_CLIENTS, timeout=60)
        history = lambda: app.cache is not None and app.cache.count("transactions", None) > 0  # noqa: E731
        await wait_until(pilot, history, timeout=60)
        await wait_until(pilot, lambda: app.waiting_for_data is None, timeout=60)  # the first listing over
        assert prepared.outcome == 0
