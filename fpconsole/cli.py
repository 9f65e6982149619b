"""Entry point: `fpconsole` (the console), `methods`, `call`, `sandbox serve`, `locate`,
`profiles`, `journal`, `bulk`.

Imports stay inside each command: the console's first frame must not wait for the sandbox,
pydantic models or the store, and `fpconsole methods` should not load Textual.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import TextIO

from fpconsole.exit_codes import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_INVALID_INPUT, EXIT_OK

API_PREFIX = "/v5/card-api/"
# The profile when --profile is not given (a shell, a CI job); a bad name is refused as --profile's.
PROFILE_ENV = "FPCONSOLE_PROFILE"
SHELLS = ("bash", "zsh", "fish")


def _add_profile_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    # Also accepted after the command (`fpconsole journal --profile qa`, as people type it);
    # SUPPRESS keeps the subcommand from overwriting a --profile given before it.
    parser.add_argument(
        "--profile", default=argparse.SUPPRESS, help="profile from config.toml (default: sandbox)"
    )


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection (default: the --profile, or the embedded sandbox)")
    _add_profile_option(group)
    group.add_argument("--base-url", help="API base URL, e.g. https://test-api.freedompay.kz")
    group.add_argument("--auth-id", help="partner auth_id (with --base-url)")
    group.add_argument(
        "--secret-env",
        metavar="VAR",
        help="environment variable holding the partner secret (with --base-url)",
    )
    group.add_argument("--alg", choices=("HS512", "HS256"), help="signature algorithm (default HS512)")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _options_parser()
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_commands(commands)
    return parser


# What `fpconsole` alone takes: opening the console with only these skips building the other
# commands' parsers (importing their modules for their arguments): ~20 ms before the first frame.
_CONSOLE_FLAGS = frozenset({"--read-only", "--debug", "--no-mouse"})
_CONSOLE_OPTIONS = frozenset({"--profile", "--theme"})


def opens_the_console_only(argv: Sequence[str]) -> bool:
    """True when `argv` is nothing but the console's own options, spelled out in full
    (`--profile NAME`, `--theme=NAME`, `--read-only`, ...). Anything else, an abbreviation, a
    command, --help, a missing value, goes through the whole parser, which says what is wrong."""
    words = iter(argv)
    for word in words:
        if word in _CONSOLE_FLAGS:
            continue
        name, equals, _value = word.partition("=")
        if name not in _CONSOLE_OPTIONS:
            return False
        if not equals:
            value = next(words, None)
            if value is None or value.startswith("-"):
                return False
    return True


def console_parser() -> argparse.ArgumentParser:
    """The parser of `fpconsole` without a command: the same options and defaults as
    build_parser() gives when no command is named."""
    parser = _options_parser()
    parser.set_defaults(command=None)
    return parser


def _options_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fpconsole",
        description="A terminal console for the Freedom Pay Card API. With no command, opens the console.",
    )
    parser.add_argument(
        "--profile", help="profile from config.toml (default: sandbox, the built-in emulator)"
    )
    parser.add_argument("--theme", help="console theme: fpconsole-dark, fpconsole-light, fpconsole-16")
    parser.add_argument("--read-only", action="store_true", help="hide every state-changing action")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log details (the console: keys and worker errors) to the log file (fpconsole locate logs); "
        "commands also print log lines on stderr",
    )
    parser.add_argument(
        "--no-mouse",
        action="store_true",
        help="do not take the mouse: the terminal's own select and copy work (as mouse = false in config)",
    )
    parser.add_argument("--version", action="version", version=f"fpconsole {_version()}")
    return parser


def _add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    methods = commands.add_parser("methods", help="list every Card API method")
    methods.add_argument("--json", action="store_true", help="print JSON lines")
    _add_profile_option(methods)

    call = commands.add_parser(
        "call",
        help="send one Card API request",
        description="Send one request. METHOD is a name (card.block), a path (/v5/card-api/card/block) "
        "or its short form (card/block). Fields are FIELD=VALUE; dotted names build nested objects "
        "(client.phone=77011234567) and numeric parts build lists (limits.0.period=day). "
        "Exit codes: 0 success, 1 API error or final error, 2 invalid input, 3 transport failure "
        "or unknown outcome.",
    )
    # Optional only for --from-journal, which takes the method from the journal entry.
    call.add_argument("method", metavar="METHOD", nargs="?")
    call.add_argument("fields", nargs="*", metavar="FIELD=VALUE")
    call.add_argument(
        "--from-journal",
        metavar="REQUEST_ID",
        help="send a past request again ('last': the newest): its method and body from the journal, "
        "a new request_id, secrets (PIN, PAN, CVV) left out; FIELD=VALUE overrides fields",
    )
    call.add_argument(
        "--edit",
        action="store_true",
        help="write the body in $EDITOR (a JSON template of the method's fields; empty or "
        "unchanged sends nothing); with --json FILE, start from FILE",
    )
    call.add_argument(
        "--json",
        dest="json_file",
        metavar="FILE",
        help="read the request body from FILE ('-' = stdin); errors on stderr are then JSON "
        "objects when stderr is not a terminal (a script), plain text on a terminal",
    )
    call.add_argument(
        "--wait", action="store_true", help="follow 'process' to a final status (changes on stderr)"
    )
    call.add_argument(
        "--curl",
        action="store_true",
        help="print the signed request as a curl command; send nothing",
    )
    call.add_argument(
        "--yes",
        action="store_true",
        help="send a state-changing call on a production profile without asking "
        "(otherwise: typed confirmation on a terminal, refused elsewhere)",
    )
    call.add_argument("--reveal", action="store_true", help="print card secrets (PAN, CVV) unmasked")
    call.add_argument("--timeout", type=_positive_seconds, help="read timeout in seconds")
    _add_connection_options(call)

    sandbox = commands.add_parser("sandbox", help="the Card API emulator")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", metavar="COMMAND")
    serve = sandbox_commands.add_parser(
        "serve", help="serve the sandbox over HTTP on loopback", add_help=False
    )
    serve.add_argument("serve_args", nargs=argparse.REMAINDER)
    from fpconsole.sandbox_commands import add_control_parsers, takes_minus_values  # argparse only

    add_control_parsers(sandbox_commands, _add_connection_options)

    locate = commands.add_parser("locate", help="print where config, cache and state live")
    locate.add_argument("which", nargs="?", choices=("config", "cache", "state", "sandbox", "logs"))
    _add_profile_option(locate)

    profiles = commands.add_parser("profiles", help="list profiles (no secrets)")
    profiles.add_argument("--json", action="store_true", help="JSON lines, one per profile")
    _add_profile_option(profiles)

    keys = commands.add_parser(
        "keys", help="list the console's key bindings: ids for [keys] in config.toml, keys now, where"
    )
    keys.add_argument("--json", action="store_true", help="JSON lines, one per binding id")
    _add_profile_option(keys)

    completion = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description='Print a completion script for SHELL. bash: eval "$(fpconsole completion bash)" '
        "in ~/.bashrc; zsh: the same in ~/.zshrc; fish: fpconsole completion fish | source.",
    )
    completion.add_argument("shell", nargs="?", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    # What the scripts ask for at TAB time: profile names come from config.toml as it is then.
    completion.add_argument("--list", choices=("profiles",), help=argparse.SUPPRESS)

    views = commands.add_parser(
        "views",
        help="list, add or delete saved views (the console's list filters)",
        description="Saved views are a list's / filter kept under a name, per profile: the console "
        "opens one with :view NAME. SECTION is clients, cards, transactions or requests.",
    )
    views.add_argument(
        "action", nargs="?", choices=("list", "add", "delete"), help="list (default), add, delete"
    )
    views.add_argument("words", nargs="*", metavar="NAME [SECTION FILTER]")
    _add_profile_option(views)

    journal = commands.add_parser(
        "journal",
        help="print or export the request journal, or verify its audit chain",
        description="Print the profile's request journal (who sent what, why, and how it ended), or "
        "with `verify` check its hash chain: exit 0 intact, 1 broken (the first entry where it "
        "breaks is named).",
    )
    journal.add_argument("action", nargs="?", choices=("verify",), help="verify: check the hash chain")
    takes_minus_values(journal)  # --since -2h: its own message, not "expected one argument"
    journal.add_argument("--since", help="ISO date/time or relative: 2h, 7d")
    journal.add_argument("--json", action="store_true", help="JSON lines (verify: one JSON object)")
    _add_profile_option(journal)

    bulk = commands.add_parser("bulk", help="onboard clients from a CSV file, headless")
    bulk.add_argument("file", metavar="FILE.csv")
    bulk.add_argument("--result", metavar="FILE", help="where to write the result CSV")
    takes_minus_values(bulk)  # --in-flight -5x: the count's own message, not "expected one argument"
    # Read (and refused with a message naming the range) by run_bulk, as sandbox seed reads N.
    bulk.add_argument(
        "--in-flight", default="8", metavar="N", help="requests in flight at once, 1–64 (default 8)"
    )
    bulk.add_argument(
        "--cards",
        choices=("each", "bulk"),
        default="each",
        help="each: card.issue per client (default); bulk: one card.bulk_issue, then card.link each card",
    )
    bulk.add_argument(
        "--yes",
        action="store_true",
        help="onboard on a production profile without asking "
        "(otherwise: the number of rows typed back on a terminal, refused elsewhere)",
    )
    _add_profile_option(bulk)

    scenario = commands.add_parser("scenario", help="run QA scenarios (steps with assertions), or record one")
    from fpconsole.scenario.command import add_parsers as add_scenario_parsers  # argparse only

    add_scenario_parsers(scenario, _add_connection_options, _add_profile_option)


def _version() -> str:
    # The one place the version is written; pyproject.toml reads the same attribute.
    from fpconsole import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Every command, ending quietly when its reader goes away (`fpconsole journal | head -3`)."""
    if sys.stderr is None:  # started with 2>&-: messages are lost, exit codes still say it all
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (lives as long as the process)
    if sys.stdout is None:  # started with >&-: no reader from the start, so do nothing
        sys.stderr.write(
            "fpconsole: standard output is closed; nothing was done (use > /dev/null to discard it)\n"
        )
        return EXIT_INVALID_INPUT
    from fpconsole.json_errors import json_stderr, wants_json

    words = list(sys.argv[1:] if argv is None else argv)
    # With --json, stderr's messages are JSON objects too (json_errors); exit codes stay.
    with json_stderr(wants_json(words)) as json_errors:
        code = EXIT_INVALID_INPUT
        try:
            code = _guarded_main(words)
        except SystemExit as exc:
            code = (
                exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else EXIT_INVALID_INPUT
            )
            raise
        finally:
            if json_errors is not None:
                json_errors.finish(code)
    return code


def _guarded_main(argv: list[str]) -> int:
    try:
        # Flushed inside the try: a pipe is block-buffered, so a reader that left often shows up
        # only here, or at the interpreter's own flush on exit ("Exception ignored ...").
        try:
            code = _main(argv)
        except SystemExit:  # argparse after --help, --version or a usage error
            sys.stdout.flush()
            raise
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_broken_streams()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        # Commands that sent something say what themselves (call: exit 3 with the request_id;
        # bulk: saves and exits 130); this is Ctrl+C anywhere else, e.g. while a command starts.
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write("\nfpconsole: interrupted\n")
        return EXIT_INTERRUPTED
    return code


def _silence_broken_streams() -> None:
    """Point stdout (and stderr, if it went to the same closed pipe) at /dev/null, so nothing
    left in their buffers is written at exit. Not SIGPIPE's default action instead: that would
    also kill the process on a write to a closed socket, mid-request."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
            continue
        except (OSError, ValueError):
            pass
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):  # not a real file (a test's capture): nothing to flush later
            pass


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = console_parser() if opens_the_console_only(argv) else build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "sandbox" and args.sandbox_command == "serve":
        # `sandbox serve` has its own parser; hand it every word after `serve` as typed
        # (parse_known_args would split a flag from its value and reorder them).
        args.serve_args = _words_after(argv, "sandbox", "serve")
        extra = []
    if extra:
        # argparse stops filling `call`'s FIELD=VALUE list at the first option, so
        # `call card.info --wait card_id=1` would leave card_id=1 over; it is a field all the same.
        if args.command != "call" or any(item.startswith("-") for item in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.fields = [*args.fields, *extra]
    if not (args.command == "sandbox" and args.sandbox_command == "serve") and args.command != "completion":
        # `sandbox serve` prints its own log on the terminal; completion answers at TAB time.
        from fpconsole.logs import setup_logging

        setup_logging(debug=args.debug, to_stderr=args.debug and args.command is not None)
    with _plain_local_state_warnings():
        return _run(args)


def _refuse(message: str) -> int:
    sys.stderr.write(f"fpconsole: {message}\n")
    return EXIT_INVALID_INPUT


@contextlib.contextmanager
def _plain_local_state_warnings() -> Iterator[None]:
    """A store that had to replace a damaged file says so with a LocalStateWarning, config.toml
    with a ConfigWarning (a theme that does not exist); on a terminal that is one
    `fpconsole: warning: ...` line, not Python's two-line format with a source line of ours,
    and said once however often the command reads the config. Every other warning keeps the
    usual treatment."""
    previous = warnings.showwarning
    said: set[str] = set()

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        # Imported only when a warning is shown: `fpconsole methods` never loads the store.
        from fpconsole.config import ConfigWarning
        from fpconsole.store.db import LocalStateWarning

        if not issubclass(category, (LocalStateWarning, ConfigWarning)):
            previous(message, category, filename, lineno, file, line)
            return
        if str(message) in said:
            return
        said.add(str(message))
        stream = file if file is not None else sys.stderr
        with contextlib.suppress(OSError, ValueError):  # a closed stderr must not end the command
            stream.write(f"fpconsole: warning: {message}\n")

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def _run(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    command = args.command
    if command == "completion":
        from fpconsole.completion import run_completion

        return run_completion(args.shell, args.list, build_parser(), out)
    refused = _profile_from_env(args)
    if refused is not None:
        return refused
    if command is None:
        from fpconsole.tui.launch import run_console

        return run_console(
            profile=args.profile, theme=args.theme, read_only=args.read_only, mouse=not args.no_mouse
        )
    if command in ("methods", "locate", "profiles") and args.profile is not None:
        # These do not depend on the profile, but a name that means nothing is a mistake
        # (a typo, a stale script) and is refused as every other command refuses it.
        from fpconsole.local_commands import check_profile

        refused = check_profile(args.profile)
        if refused is not None:
            return refused
    if command == "methods":
        return run_methods(out, as_json=args.json)
    if command == "call":
        from fpconsole.call_command import run_call

        return run_call(args, out, err)
    if command == "sandbox":
        if args.sandbox_command != "serve":
            from fpconsole.sandbox_commands import run_sandbox_control

            return run_sandbox_control(args, out, err)
        from fpconsole.sandbox.serve import main as serve_main

        return serve_main(list(args.serve_args))
    if command == "locate":
        from fpconsole.local_commands import run_locate

        return run_locate(args.which, out)
    if command == "profiles":
        from fpconsole.local_commands import run_profiles

        return run_profiles(None, out, as_json=args.json)
    if command == "keys":
        from fpconsole.tui.keymap import run_keys

        return run_keys(out, as_json=args.json, profile=args.profile)
    if command == "views":
        from fpconsole.views_command import run_views

        return run_views(args.action, list(args.words), args.profile, out, err)
    if command == "journal":
        from fpconsole.local_commands import run_journal, run_journal_verify

        if args.action == "verify":
            if args.since is not None:
                return _refuse("journal verify: --since does not apply — the whole chain is checked")
            return run_journal_verify(args.profile, args.json, out)
        return run_journal(args.profile, args.since, args.json, out)
    if command == "bulk":
        from fpconsole.bulk.command import run_bulk

        return run_bulk(args, out, err)
    if command == "scenario":
        from fpconsole.scenario.command import run_scenario_command

        return run_scenario_command(args, out, err)
    return EXIT_INVALID_INPUT


def _profile_from_env(args: argparse.Namespace) -> int | None:
    """FPCONSOLE_PROFILE stands in for a missing --profile (not with `call --base-url`, which
    names its server itself, nor for `sandbox serve`, which has no profile). A name config.toml
    does not define is refused here, naming the variable, before anything runs."""
    serving = args.command == "sandbox" and getattr(args, "sandbox_command", None) == "serve"
    if args.profile is not None or getattr(args, "base_url", None) or serving:
        return None
    name = os.environ.get(PROFILE_ENV, "").strip()
    if not name:
        return None
    from fpconsole.local_commands import check_profile

    refused = check_profile(name, source=f"{PROFILE_ENV}={name}")
    if refused is not None:
        return refused
    args.profile = name
    args.profile_source = f"{PROFILE_ENV}={name}"  # said when a command refuses the profile
    return None


def _words_after(argv: list[str], command: str, subcommand: str) -> list[str]:
    for index in range(len(argv) - 1):
        if argv[index] == command and argv[index + 1] == subcommand:
            return argv[index + 2 :]
    return []


def run_methods(out: TextIO, *, as_json: bool = False) -> int:
    import json

    from fpconsole.api.methods import REGISTRY

    # Every name a user can pick: request/status is listed twice, as Request status and as
    # Transaction request status (docs page api-14318518); `entry` is the registry entry.
    if as_json:
        for name, title, method in REGISTRY.listing():
            out.write(
                json.dumps(
                    {
                        "name": name,
                        "title": title,
                        "entry": method.name,
                        "path": method.path,
                        "changes_state": method.changes_state,
                        "may_process": method.may_process,
                        "confidence": method.confidence,
                        "inferred": method.inferred,
                    }
                )
                + "\n"
            )
        return EXIT_OK
    # Paths without their common prefix: with it, five columns come to 111 characters, and the
    # table must fit 100. The short form is one `call` accepts as it is.
    rows = [("NAME", "PATH", "CHANGES STATE", "MAY PROCESS", "CONFIDENCE")]
    rows += [
        (
            name,
            m.path.removeprefix(API_PREFIX),
            "yes" if m.changes_state else "no",
            "yes" if m.may_process else "no",
            m.confidence,
        )
        for name, _title, m in REGISTRY.listing()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )
    twins = [
        f"{name}: another name of {m.name} (same path)\n"
        for name, _title, m in REGISTRY.listing()
        if name != m.name
    ]
    out.write(
        "\n" + "".join(twins) + f"path: after {API_PREFIX} (`fpconsole call` takes either form)\n"
        "may process: the answer can be `process`; `call --wait` follows it to a final status\n"
        "confidence: confirmed = vendor docs; partial/inferred = our reading (docs/api-inferred.md)\n"
    )
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
