"""`fpconsole completion bash|zsh|fish`: a completion script generated from the CLI's own
argparse parser, so a new command or option completes the day it is added.

The parser is walked into a small model (for each command path: its options, which of them
take a value and what that value can be, its subcommands and its positionals), and each shell's
script is written from that model. Method names for `call` come from the method registry when
the script is generated; profile names are asked for at TAB time (`fpconsole completion --list
profiles`), since config.toml changes more often than fpconsole does.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final, TextIO

from fpconsole.exit_codes import EXIT_INVALID_INPUT, EXIT_OK

PROG: Final = "fpconsole"
# A command whose words are handed to a parser of its own (`sandbox serve`): its options are
# that parser's, walked the same way.
DELEGATED: Final[dict[str, str]] = {"sandbox serve": "fpconsole.sandbox.serve:build_parser"}

# What a value (of an option or a positional) completes to.
NOTHING: Final = "nothing"
FILES: Final = "files"
PROFILES: Final = "profiles"
WORDS: Final = "words"


@dataclass(frozen=True)
class Values:
    kind: str = NOTHING
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]
    help: str
    takes_value: bool
    values: Values


@dataclass
class Command:
    path: str  # "" for fpconsole itself, "call", "sandbox serve"
    help: str = ""
    options: list[Option] = field(default_factory=list)
    commands: dict[str, Command] = field(default_factory=dict)
    positionals: list[Values] = field(default_factory=list)


def _values_for(action: argparse.Action) -> Values:
    """What an argument's value completes to, read from the argument itself: its choices, a
    profile, a method name, a file (its metavar says FILE), or nothing (free text)."""
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        return Values(WORDS, tuple(str(choice) for choice in action.choices))
    if action.dest == "profile":
        return Values(PROFILES)
    if action.dest == "method":
        from fpconsole.api.methods import REGISTRY

        return Values(WORDS, tuple(dict.fromkeys(name for name, _title, _method in REGISTRY.listing())))
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    if "FILE" in metavar.upper() or action.dest == "db":
        return Values(FILES)
    return Values()


def _help(text: str | None) -> str:
    return " ".join((text or "").split()).replace("%%", "%")


def walk(
    parser: argparse.ArgumentParser, path: str = "", help_text: str = "", *, delegates: bool = True
) -> Command:
    """The command at `path` and everything under it."""
    command = Command(path, _help(help_text))
    for action in parser._actions:
        if action.help == argparse.SUPPRESS:
            continue
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                sub_path = f"{path} {name}".strip()
                command.commands[name] = walk(subparser, sub_path, helps.get(name) or "")
            continue
        if action.option_strings:
            command.options.append(
                Option(
                    tuple(action.option_strings),
                    _help(action.help),
                    takes_value=action.nargs != 0,
                    values=_values_for(action),
                )
            )
        elif action.nargs != argparse.REMAINDER:
            command.positionals.append(_values_for(action))
    delegate = DELEGATED.get(path) if delegates else None
    if delegate is not None:
        module, _, name = delegate.partition(":")
        try:
            build: Callable[[], argparse.ArgumentParser] = getattr(importlib.import_module(module), name)
        except ImportError:  # a broken install of the sandbox must not take the whole script with it
            return command
        command.options.extend(walk(build(), path, help_text, delegates=False).options)
    return command


def every_command(root: Command) -> Iterator[Command]:
    yield root
    for sub in root.commands.values():
        yield from every_command(sub)


def run_completion(
    shell: str | None, listing: str | None, parser: argparse.ArgumentParser, out: TextIO
) -> int:
    import sys

    if listing == "profiles":
        return _list_profiles(out)
    if shell is None:
        sys.stderr.write("fpconsole completion: name a shell — bash, zsh or fish\n")
        return EXIT_INVALID_INPUT
    root = walk(parser)
    out.write({"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[shell](root))
    return EXIT_OK


def _list_profiles(out: TextIO) -> int:
    """Profile names, one a line; nothing (and exit 0) when config.toml is broken: a TAB must
    never print an error into the command line being typed."""
    import warnings

    from fpconsole.config import ConfigError, load_config

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            names = sorted(load_config().profiles)
    except ConfigError:
        return EXIT_OK
    out.write("".join(f"{name}\n" for name in names))
    return EXIT_OK


# --- the shared shape of every script ---------------------------------------------------------
# Each script finds the command path typed so far (words that name a subcommand), skipping the
# value of any option that takes one, and counts the positionals after it; then offers the value
# of the option just typed, the options of the path (when the word starts with -), or its
# subcommands and the positional at that count.


def _case_arms(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{pattern}) {body} ;;" for pattern, body in pairs]


def _key(path: str, word: str) -> str:
    return shlex.quote(f"{path}|{word}")


def _value_options(root: Command) -> list[tuple[Command, Option]]:
    return [(c, o) for c in every_command(root) for o in c.options if o.takes_value]


def _quoted_words(words: tuple[str, ...]) -> str:
    return shlex.quote(" ".join(words))


def bash_script(root: Command) -> str:
    lines = [
        f'# {PROG} completion for bash, generated from its parser: eval "$({PROG} completion bash)"',
        "_fpconsole_takes_value() {",
        '    case "$1|$2" in',
    ]
    value_keys = [_key(c.path, flag) for c, o in _value_options(root) for flag in o.flags]
    if value_keys:
        lines.append(f"        {'|'.join(value_keys)}) return 0 ;;")
    lines += ["    esac", "    return 1", "}", "_fpconsole_is_command() {", '    case "$1|$2" in']
    command_keys = [_key(c.path, name) for c in every_command(root) for name in c.commands]
    lines.append(f"        {'|'.join(command_keys)}) return 0 ;;")
    lines += ["    esac", "    return 1", "}", "_fpconsole_values() {", '    case "$1" in']
    arms: list[tuple[str, str]] = []
    for command, option in _value_options(root):
        for flag in option.flags:
            arms.append((_key(command.path, flag), _bash_values(option.values)))
    for command in every_command(root):
        for index, values in enumerate(command.positionals):
            arms.append((_key(command.path, f"#{index}"), _bash_values(values)))
    lines += [f"        {arm}" for arm in _case_arms(arms)]
    lines += ["        *) return 1 ;;", "    esac", "}", "_fpconsole_words() {", '    case "$1" in']
    word_arms = []
    for command in every_command(root):
        options = sorted({flag for option in command.options for flag in option.flags})
        word_arms.append((shlex.quote(f"{command.path}|-"), f"echo {_quoted_words(tuple(options))}"))
        if command.commands:
            word_arms.append(
                (shlex.quote(f"{command.path}|"), f"echo {_quoted_words(tuple(command.commands))}")
            )
    lines += [f"        {arm}" for arm in _case_arms(word_arms)]
    lines += [
        "    esac",
        "}",
        "_fpconsole() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" cmdpath="" word skip=0 positionals=0 i values',
        '    local prev=""',
        '    (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
        "    for (( i = 1; i < COMP_CWORD; i++ )); do",
        '        word="${COMP_WORDS[i]}"',
        "        if (( skip )); then skip=0; continue; fi",
        '        case "$word" in',
        "            -*=*) continue ;;",
        '            -*) _fpconsole_takes_value "$cmdpath" "$word" && skip=1; continue ;;',
        "        esac",
        '        if (( positionals == 0 )) && _fpconsole_is_command "$cmdpath" "$word"; then',
        '            cmdpath="${cmdpath:+$cmdpath }$word"',
        "        else",
        "            positionals=$(( positionals + 1 ))",
        "        fi",
        "    done",
        '    if (( skip )) && values=$(_fpconsole_values "$cmdpath|$prev"); then',
        '        _fpconsole_reply "$values"; return',
        "    fi",
        '    if [[ "$cur" == -* ]]; then',
        '        COMPREPLY=( $(compgen -W "$(_fpconsole_words "$cmdpath|-")" -- "$cur") ); return',
        "    fi",
        '    local commands=""',
        '    (( positionals == 0 )) && commands="$(_fpconsole_words "$cmdpath|")"',
        '    values=$(_fpconsole_values "$cmdpath|#$positionals") || values=""',
        '    if [[ "$values" == "@files" ]]; then _fpconsole_reply "$values"; return; fi',
        '    _fpconsole_reply "$commands $values"',
        "}",
        "_fpconsole_reply() {",
        '    case "$1" in',
        '        @files) COMPREPLY=( $(compgen -f -- "$cur") ) ;;',
        '        @profiles) COMPREPLY=( $(compgen -W "$("${COMP_WORDS[0]}" completion --list profiles'
        ' 2>/dev/null)" -- "$cur") ) ;;',
        '        *) COMPREPLY=( $(compgen -W "$1" -- "$cur") ) ;;',
        "    esac",
        "}",
        f"complete -o default -F _fpconsole {PROG}",
        "",
    ]
    return "\n".join(lines)


def _bash_values(values: Values) -> str:
    if values.kind == FILES:
        return "echo @files"
    if values.kind == PROFILES:
        return "echo @profiles"
    if values.kind == WORDS:
        return f"echo {_quoted_words(values.words)}"
    return "echo"


def zsh_script(root: Command) -> str:
    """A native zsh function (no bashcompinit): the same walk, with descriptions."""
    lines = [
        f"#compdef {PROG}",
        f'# {PROG} completion for zsh, generated from its parser: eval "$({PROG} completion zsh)"',
        "_fpconsole_takes_value() {",
        '    case "$1|$2" in',
    ]
    value_keys = [_key(c.path, flag) for c, o in _value_options(root) for flag in o.flags]
    lines.append(f"        ({'|'.join(value_keys)}) return 0 ;;")
    lines += ["    esac", "    return 1", "}", "_fpconsole_is_command() {", '    case "$1|$2" in']
    command_keys = [_key(c.path, name) for c in every_command(root) for name in c.commands]
    lines.append(f"        ({'|'.join(command_keys)}) return 0 ;;")
    lines += ["    esac", "    return 1", "}", "_fpconsole_complete_values() {", '    case "$1" in']
    for command, option in _value_options(root):
        for flag in option.flags:
            lines.append(f"        ({_key(command.path, flag)}) {_zsh_values(option.values)} ;;")
    for command in every_command(root):
        for index, values in enumerate(command.positionals):
            lines.append(f"        ({_key(command.path, f'#{index}')}) {_zsh_values(values)} ;;")
    lines += ["        (*) return 1 ;;", "    esac", "}", "_fpconsole_complete_words() {", '    case "$1" in']
    for command in every_command(root):
        described = [
            f"{flag}:{_zsh_help(option.help)}" for option in command.options for flag in option.flags
        ]
        lines.append(
            f"        ({shlex.quote(command.path + '|-')}) local -a opts; "
            f"opts=({' '.join(shlex.quote(item) for item in described)}); "
            "_describe -t options option opts ;;"
        )
        if command.commands:
            subs = [f"{name}:{_zsh_help(sub.help)}" for name, sub in command.commands.items()]
            lines.append(
                f"        ({shlex.quote(command.path + '|')}) local -a subs; "
                f"subs=({' '.join(shlex.quote(item) for item in subs)}); "
                "_describe -t commands command subs ;;"
            )
    lines += [
        "    esac",
        "}",
        "_fpconsole() {",
        '    local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" cmdpath="" word skip=0 positionals=0 i',
        "    for (( i = 2; i < CURRENT; i++ )); do",
        '        word="${words[i]}"',
        "        if (( skip )); then skip=0; continue; fi",
        '        case "$word" in',
        "            (-*=*) continue ;;",
        '            (-*) _fpconsole_takes_value "$cmdpath" "$word" && skip=1; continue ;;',
        "        esac",
        '        if (( positionals == 0 )) && _fpconsole_is_command "$cmdpath" "$word"; then',
        '            cmdpath="${cmdpath:+$cmdpath }$word"',
        "        else",
        "            (( positionals++ ))",
        "        fi",
        "    done",
        "    if (( skip )); then",
        '        _fpconsole_complete_values "$cmdpath|$prev"; return',
        "    fi",
        '    if [[ "$cur" == -* ]]; then',
        '        _fpconsole_complete_words "$cmdpath|-"; return',
        "    fi",
        '    (( positionals == 0 )) && _fpconsole_complete_words "$cmdpath|"',
        '    _fpconsole_complete_values "$cmdpath|#$positionals"',
        "    return 0",
        "}",
        f"compdef _fpconsole {PROG}",
        "",
    ]
    return "\n".join(lines)


def _zsh_help(text: str) -> str:
    return text.replace(":", "\\:")[:80]


def _zsh_values(values: Values) -> str:
    if values.kind == FILES:
        return "_files"
    if values.kind == PROFILES:
        return (
            'local -a names; names=(${(f)"$(${words[1]} completion --list profiles 2>/dev/null)"}); '
            "compadd -a names"
        )
    if values.kind == WORDS:
        return f"compadd -- {' '.join(shlex.quote(word) for word in values.words)}"
    return ":"


def fish_script(root: Command) -> str:
    """fish's own `complete` lines, with a helper that finds the command path as the other
    shells do (fish's __fish_seen_subcommand_from cannot tell `sandbox serve` from `serve`)."""
    value_keys = " ".join(_key(c.path, flag) for c, o in _value_options(root) for flag in o.flags)
    command_keys = " ".join(_key(c.path, name) for c in every_command(root) for name in c.commands)
    lines = [
        f"# {PROG} completion for fish, generated from its parser: {PROG} completion fish | source",
        "function __fpconsole_state",
        "    set -l words (commandline -opc)",
        '    set -l cmdpath ""',
        "    set -l skip 0",
        "    set -l positionals 0",
        "    for word in $words[2..-1]",
        "        if test $skip -eq 1",
        "            set skip 0",
        "            continue",
        "        end",
        "        switch $word",
        "            case '-*=*'",
        "                continue",
        "            case '-*'",
        f'                if contains -- "$cmdpath|$word" {value_keys}',
        "                    set skip 1",
        "                end",
        "                continue",
        "        end",
        f'        if test $positionals -eq 0; and contains -- "$cmdpath|$word" {command_keys}',
        '            set cmdpath (string trim -- "$cmdpath $word")',
        "        else",
        "            set positionals (math $positionals + 1)",
        "        end",
        "    end",
        '    echo "$cmdpath|$positionals"',
        "end",
        "function __fpconsole_in",
        '    string match -q -- "$argv[1]|*" (__fpconsole_state)',
        "end",
        "function __fpconsole_at",
        '    test (__fpconsole_state) = "$argv[1]|$argv[2]"',
        "end",
        f"complete -c {PROG} -f",
    ]
    for command in every_command(root):
        where = f"__fpconsole_in {shlex.quote(command.path)}"
        for name, sub in command.commands.items():
            lines.append(
                f"complete -c {PROG} -n {shlex.quote(f'__fpconsole_at {shlex.quote(command.path)} 0')} "
                f"-a {shlex.quote(name)} -d {shlex.quote(sub.help[:80])}"
            )
        for option in command.options:
            spec = []
            for flag in option.flags:
                spec.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
            value = _fish_values(option.values) if option.takes_value else ""
            lines.append(
                f"complete -c {PROG} -n {shlex.quote(where)} {' '.join(spec)}{value} "
                f"-d {shlex.quote(option.help[:80])}"
            )
        for index, values in enumerate(command.positionals):
            at = f"__fpconsole_at {shlex.quote(command.path)} {index}"
            value = " -F" if values.kind == FILES else _fish_values(values)
            if values.kind != NOTHING:
                lines.append(f"complete -c {PROG} -n {shlex.quote(at)}{value}")
    lines.append("")
    return "\n".join(lines)


def _fish_values(values: Values) -> str:
    if values.kind == FILES:
        return " -r -F"
    if values.kind == PROFILES:
        return f" -x -a {shlex.quote(f'({PROG} completion --list profiles 2>/dev/null)')}"
    if values.kind == WORDS:
        return f" -x -a {shlex.quote(' '.join(values.words))}"
    return " -x"
