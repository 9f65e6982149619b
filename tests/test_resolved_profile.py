"""One profile resolution a process: the console's launch loads config.toml once and its bar,
session and forms read that object; read-only is decided by one function for the console,
`call` and `bulk`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import fpconsole.config as config_package
from fpconsole import cli
from fpconsole.config import BUILTIN_SANDBOX, Profile, load_config, read_only_reason, resolve_profile
from fpconsole.config import load as load_module
from fpconsole.tui.app import ConsoleContext, FpConsoleApp

DEADLINE = 60.0  # only a failing test waits this long

PROD = """
[settings]
default_profile = "prod"
theme = "fpconsole-light"

[profiles.prod]
kind = "production"
base_url = "https://api.example.invalid"
auth_id = "123456"
secret_env = "FP_PROD_SECRET"

[profiles.prod-rw]
kind = "production"
base_url = "https://api.example.invalid"
auth_id = "123456"
secret_env = "FP_PROD_SECRET"
read_only = false
"""


def write_config(home: Path, text: str) -> None:
    folder = home / "config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def counted_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = load_module.load_config

    def counting(path: Path | None = None) -> Any:
        calls.append(1)
        return real(path)

    # Both names callers use: the package's and the module's.
    monkeypatch.setattr(load_module, "load_config", counting)
    monkeypatch.setattr(config_package, "load_config", counting)
    return calls


def test_read_only_is_decided_in_one_place(isolated_home: Path) -> None:
    write_config(isolated_home, PROD)
    config = load_config()
    # Production reads only unless the file says read_only = false; --read-only always wins.
    assert read_only_reason(config.profile("prod"), flag=False) == "profile prod is read-only"
    assert read_only_reason(config.profile("prod-rw"), flag=False) == ""
    assert read_only_reason(config.profile("prod-rw"), flag=True) == "--read-only is set"
    assert read_only_reason(BUILTIN_SANDBOX, flag=False) == ""
    hand_built = Profile(
        name="x", kind="test", base_url="https://h", auth_id="1", secret_env="X", read_only=True
    )
    assert read_only_reason(hand_built, flag=True) == "profile x is read-only"


def test_resolve_profile_takes_the_default_and_the_theme(isolated_home: Path) -> None:
    write_config(isolated_home, PROD)
    chosen = resolve_profile(None)
    assert (chosen.name, chosen.kind, chosen.host, chosen.embedded) == (
        "prod",
        "production",
        "api.example.invalid",
        False,
    )
    assert chosen.read_only and chosen.read_only_reason == "profile prod is read-only"
    assert chosen.theme == "fpconsole-light"
    assert chosen.secret_source == "env FP_PROD_SECRET"


def test_the_console_launch_loads_the_config_once(
    isolated_home: Path, counted_loads: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(isolated_home, PROD.replace('default_profile = "prod"', 'default_profile = "prod-rw"'))
    seen: list[ConsoleContext] = []

    def run(self: FpConsoleApp, *args: Any, **kwargs: Any) -> int:
        seen.append(self.context)
        return 0

    monkeypatch.setattr(FpConsoleApp, "run", run)
    assert cli.main(["--read-only"]) == 0
    assert len(counted_loads) == 1
    (context,) = seen
    assert (context.profile_name, context.kind, context.host) == (
        "prod-rw",
        "production",
        "api.example.invalid",
    )
    assert context.read_only and context.profile.read_only_reason == "--read-only is set"
    assert context.theme == "fpconsole-light"


async def _until(pilot: Any, condition: Callable[[], object]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not condition():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.02)


async def test_the_session_and_the_forms_read_the_launch_s_object(
    counted_loads: list[int],
) -> None:
    chosen = resolve_profile("sandbox", read_only=True)
    counted_loads.clear()
    app = FpConsoleApp(ConsoleContext(profile=chosen, user_host="qa@jumphost"))
    async with app.run_test(size=(120, 30)) as pilot:
        await _until(pilot, lambda: app.backend is not None)
        backend = app.backend
        assert backend is not None
        assert backend.session.profile is chosen  # not resolved again from config.toml
        assert backend.read_only  # what the forms read
        assert counted_loads == []


def test_bulk_honours_read_only_as_call_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "product_id,phone,type,resident,first_name,last_name,birthdate,email,country,person_id,language\n"
        "2000,77010000001,1,1,ALIYA,TESTOVA,1992-04-17,a@example.kz,KAZ,920417400001,ru\n",
        encoding="utf-8",
    )
    assert cli.main(["--read-only", "bulk", str(rows)]) == 2
    assert "fpconsole bulk: --read-only is set; bulk onboarding changes state" in capsys.readouterr().err
    assert cli.main(["--read-only", "call", "card.block", "card_id=7001234", "reason=lost"]) == 2
    assert "fpconsole call: --read-only is set; card.block changes state" in capsys.readouterr().err


def test_journal_reads_the_default_profile_from_one_load(
    isolated_home: Path, counted_loads: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(isolated_home, PROD)
    assert cli.main(["journal"]) == 0
    assert capsys.readouterr().out == "no requests recorded for profile prod yet\n"
    assert len(counted_loads) == 1
