"""`fpconsole` with only the console's own options parses them without building every command's
parser (issue 13: that imported the commands' modules before the first frame), and reads them
exactly as the whole parser does; anything else goes through the whole parser."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fpconsole.cli import build_parser, console_parser, opens_the_console_only

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_0123456789", min_size=1, max_size=12).filter(
    lambda name: not name.startswith("-")
)
OPTIONS = st.sampled_from(["--profile", "--theme"])
CONSOLE_WORDS = st.lists(
    st.one_of(
        st.sampled_from([["--read-only"], ["--debug"], ["--no-mouse"]]),
        st.builds(lambda option, name: [option, name], OPTIONS, NAMES),
        st.builds(
            lambda option, name: [f"{option}={name}"], st.sampled_from(["--profile", "--theme"]), NAMES
        ),
    ),
    max_size=5,
).map(lambda groups: [word for group in groups for word in group])


@given(CONSOLE_WORDS)
def test_the_console_options_read_as_the_whole_parser_reads_them(argv: list[str]) -> None:
    assert opens_the_console_only(argv)
    assert vars(console_parser().parse_args(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["methods"],
        ["--profile", "sandbox", "methods"],
        ["--help"],
        ["-h"],
        ["--version"],
        ["--profile"],
        ["--profile", "--read-only"],
        ["--prof", "sandbox"],  # an abbreviation: the whole parser decides what it means
        ["--read-only", "call", "card.info"],
        ["sandbox", "serve"],
    ],
)
def test_anything_else_goes_through_the_whole_parser(argv: list[str]) -> None:
    assert not opens_the_console_only(argv)


def test_opening_the_console_builds_no_command_parser() -> None:
    code = (
        "import sys\n"
        "import fpconsole.tui.launch as launch\n"
        "opened = []\n"
        "launch.run_console = lambda **options: opened.append(options) or 0\n"
        "from fpconsole.cli import main\n"
        "status = main(['--read-only', '--profile', 'sandbox'])\n"
        "print(status, opened, 'fpconsole.sandbox_commands' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "0 [{'profile': 'sandbox', 'theme': None, 'read_only': True, 'mouse': True}] False"
    )
