"""`fpconsole completion bash|zsh|fish`: scripts written from the parser itself, so every
command, subcommand and option completes, with `call`'s method names and the profiles of
config.toml; each script is valid for its shell (checked by the shell where installed) and
bash's is driven as bash would drive it."""

from __future__ import annotations

import io
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fpconsole import cli
from fpconsole.api.methods import REGISTRY
from fpconsole.completion import every_command, walk

SHELLS = ("bash", "zsh", "fish")
CHECK = {"bash": ["bash", "-n"], "zsh": ["zsh", "-n"], "fish": ["fish", "--no-execute"]}


def script(shell: str) -> str:
    out = io.StringIO()
    code = _run(["completion", shell], out)
    assert code == 0
    return out.getvalue()


def _run(argv: list[str], out: io.StringIO) -> int:
    real = sys.stdout
    sys.stdout = out
    try:
        return cli.main(argv)
    finally:
        sys.stdout = real


def write_config(home: Path, text: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(text, encoding="utf-8")


def test_the_model_holds_every_command_and_option_of_the_parser() -> None:
    root = walk(cli.build_parser())
    paths = {command.path for command in every_command(root)}
    assert {
        "",
        "call",
        "methods",
        "journal",
        "profiles",
        "locate",
        "bulk",
        "sandbox serve",
        "completion",
    } <= paths
    call = root.commands["call"]
    flags = {flag for option in call.options for flag in option.flags}
    assert {"--wait", "--curl", "--json", "--profile", "--timeout", "--yes"} <= flags
    assert call.positionals[0].words == tuple(dict.fromkeys(name for name, _t, _m in REGISTRY.listing()))


def test_an_option_added_to_the_parser_completes_without_touching_the_generator() -> None:
    parser = cli.build_parser()
    parser.add_argument("--brand-new-option", help="just added")
    assert "--brand-new-option" in _bash_words(walk(parser))


def _bash_words(root: object) -> str:
    from fpconsole.completion import Command, bash_script

    assert isinstance(root, Command)
    return bash_script(root)


@pytest.mark.parametrize("shell", SHELLS)
def test_each_script_names_every_command_option_and_method(shell: str) -> None:
    text = script(shell)
    for command in (
        "methods",
        "call",
        "sandbox",
        "serve",
        "locate",
        "profiles",
        "journal",
        "bulk",
        "completion",
    ):
        assert command in text
    for option in ("--profile", "--wait", "--curl", "--since", "--in-flight", "--no-mouse"):
        assert option.lstrip("-") in text
    for name, _title, _method in REGISTRY.listing():
        assert name in text
    assert "completion --list profiles" in text  # profiles are read at TAB time


@pytest.mark.parametrize("shell", SHELLS)
def test_each_script_is_valid_for_its_shell(shell: str, tmp_path: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed here")
    path = tmp_path / f"fpconsole.{shell}"
    path.write_text(script(shell), encoding="utf-8")
    result = subprocess.run([*CHECK[shell], str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_list_profiles_reads_config_at_tab_time(isolated_home: Path) -> None:
    write_config(isolated_home, '[profiles.qa]\nkind = "sandbox"\n')
    out = io.StringIO()
    assert _run(["completion", "--list", "profiles"], out) == 0
    assert out.getvalue().split() == ["qa", "sandbox"]


def test_list_profiles_prints_nothing_for_a_broken_config(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(isolated_home, "[profiles.qa\n")
    out = io.StringIO()
    assert _run(["completion", "--list", "profiles"], out) == 0
    assert out.getvalue() == ""
    assert capsys.readouterr().err == ""  # nothing lands in the line being typed


def test_no_shell_named_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["completion"]) == 2
    assert "bash, zsh or fish" in capsys.readouterr().err


DRIVER = """
source "$1"
shift
COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
_fpconsole
printf '%s\\n' "${COMPREPLY[@]}"
"""


@pytest.mark.parametrize(
    ("words", "expected", "absent"),
    [
        (["ca"], {"call"}, {"methods"}),
        (["call", "card.bl"], {"card.block"}, {"card.info"}),
        (["call", "card.info", "--w"], {"--wait"}, set()),
        (["--profile", ""], {"qa", "sandbox"}, {"call"}),
        (["--profile", "qa", "jo"], {"journal"}, set()),
        (["call", "--alg", ""], {"HS512", "HS256"}, set()),
        (["sandbox", ""], {"serve"}, set()),
        (["locate", ""], {"config", "cache", "state", "sandbox"}, set()),
        (["bulk", "--cards", ""], {"each", "bulk"}, set()),
        (["journal", "--"], {"--since", "--json", "--profile"}, {"--wait"}),
    ],
)
def test_bash_completes_as_bash_drives_it(
    words: list[str], expected: set[str], absent: set[str], tmp_path: Path, isolated_home: Path
) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed here")
    write_config(isolated_home, '[profiles.qa]\nkind = "sandbox"\n')
    path = tmp_path / "fpconsole.bash"
    path.write_text(script("bash"), encoding="utf-8")
    # The script asks `${COMP_WORDS[0]} completion --list profiles`: this interpreter's fpconsole.
    command = tmp_path / "fpconsole"
    command.write_text(f'#!/bin/sh\nexec {sys.executable} -m fpconsole "$@"\n', encoding="utf-8")
    command.chmod(0o755)
    result = subprocess.run(
        ["bash", "-c", DRIVER, "driver", str(path), str(command), *words],
        capture_output=True,
        text=True,
        timeout=60,
    )
    offered = set(result.stdout.split())
    assert expected <= offered, result.stderr
    assert not (absent & offered)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("fpconsole ca", {"call"}),
        ("fpconsole call card.bl", {"card.block"}),
        ("fpconsole --profile ", {"qa", "sandbox"}),
        ("fpconsole --profile qa jo", {"journal"}),
        ("fpconsole journal --", {"--since", "--json", "--profile"}),
    ],
)
def test_fish_completes_as_fish_drives_it(
    line: str, expected: set[str], tmp_path: Path, isolated_home: Path
) -> None:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed here")
    write_config(isolated_home, '[profiles.qa]\nkind = "sandbox"\n')
    path = tmp_path / "fpconsole.fish"
    path.write_text(script("fish"), encoding="utf-8")
    folder = tmp_path / "bin"
    folder.mkdir()
    command = folder / "fpconsole"
    command.write_text(f'#!/bin/sh\nexec {sys.executable} -m fpconsole "$@"\n', encoding="utf-8")
    command.chmod(0o755)
    result = subprocess.run(
        [
            "fish",
            "--no-config",
            "-c",
            f"set PATH {folder} $PATH; source {path}; complete -C {shlex.quote(line)}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    offered = {row.split("\t")[0] for row in result.stdout.splitlines()}
    assert expected <= offered, result.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_no_script_shadows_the_shells_own_variables(shell: str) -> None:
    # zsh ties `path` to PATH: a `local path` in a completion function empties PATH, and every
    # command run at TAB time (the profile list) is "not found".
    text = script(shell)
    assert not re.search(r"\b(local|set -l)\b[^\n]*\bpath=", text) and "set -l path " not in text
