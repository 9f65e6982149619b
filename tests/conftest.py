"""Every test runs with its own FPCONSOLE_HOME, so nothing reads or writes the developer's real
config, cache or journal, and parallel workers never share files.

`pane`: the tmux tests' terminal (test_tmux.Pane), a tmux server of its own per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import textual._wait

if TYPE_CHECKING:
    from test_tmux import Pane


# Pilot waits for the console to go idle after every key and pause by sleeping in steps of 20 ms
# until a step passes with almost no CPU used: a test typing a name spent most of its time asleep
# (0.36 s of a console's 0.83 s start). Steps of 5 ms with the same ratio of CPU to wall time ask
# the same question four times as often; the tests wait on conditions, not on these sleeps.
textual._wait.SLEEP_GRANULARITY = 0.005
textual._wait.SLEEP_IDLE = textual._wait.SLEEP_GRANULARITY / 20


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "fpconsole-home"
    home.mkdir()
    monkeypatch.setenv("FPCONSOLE_HOME", str(home))
    monkeypatch.setenv("FPCONSOLE_USER_HOST", "qa@jumphost")
    monkeypatch.setenv("FPCONSOLE_SANDBOX_DELAY", "0")
    monkeypatch.delenv("NO_COLOR", raising=False)
    # A developer's own default profile or config file must not reach the tests.
    monkeypatch.delenv("FPCONSOLE_PROFILE", raising=False)
    monkeypatch.delenv("FPCONSOLE_CONFIG", raising=False)
    # The console opened in-process (its app's run() replaced) as from a terminal, whatever
    # pytest's own stdin is; test_launch_exit_code.py checks what happens without one.
    from fpconsole.tui import launch

    monkeypatch.setattr(launch, "reads_a_terminal", lambda: True)
    yield home


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long tests first, short ones last, so that under `-n 2` no worker is left waiting on a long
    test that started at the end (`-n` hands the last tests out in runs it cannot rebalance):
    modules holding `slow` tests (processes, servers, mypy, the docs' commands), then the console's
    Pilot and snapshot modules (seconds each), then the rest. Whole modules move, in their own order,
    so module-scoped fixtures are still set up once."""
    tui = Path(__file__).parent / "tui"

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("slow"):
            return 0
        return 1 if tui in item.path.parents else 2

    module_rank: dict[Path, int] = {}
    for item in items:
        module_rank[item.path] = min(module_rank.get(item.path, 2), rank(item))
    items.sort(key=lambda item: module_rank[item.path])  # stable: collection order within a rank


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    from test_tmux import Pane

    home = tmp_path / "home"
    home.mkdir()
    started = Pane(home)
    try:
        yield started
    finally:
        started.kill()
