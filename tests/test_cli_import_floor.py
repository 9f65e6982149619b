"""The CLI's floor (issue 13): `fpconsole --version`, `--help` and every command that needs no
event loop build the whole parser, which imports each command's module for its arguments.
Those modules keep asyncio (half of the floor's import time) and decimal to the functions that
run a command."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("asyncio", "decimal")


def _loaded_after(argv: list[str]) -> tuple[int, list[str]]:
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['fpconsole', *{argv!r}]\n"
        "try:\n"
        "    runpy.run_module('fpconsole', run_name='__main__')\n"
        "except SystemExit as end:\n"
        "    status = end.code or 0\n"
        "else:\n"
        "    status = 0\n"
        f"print(status, ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    status, _, loaded = done.stderr.strip().splitlines()[-1].partition(" ")
    return int(status), [name for name in loaded.split(",") if name]


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["sandbox", "--help"], ["scenario", "--help"]])
def test_building_the_parser_imports_no_event_loop(argv: list[str]) -> None:
    status, loaded = _loaded_after(argv)
    assert status == 0
    assert loaded == []
