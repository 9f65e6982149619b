"""`fpconsole sandbox topup|settle|clock|faults|delay|seed|reset|backup|history|requests|health`:
drive a sandbox (the embedded one by default, or a served one with --base-url) from a shell.

Every subcommand is one call of fpconsole/api/sandbox_control.py. stdout gets the result (a few
readable lines, or with --json exactly one JSON document); stderr gets errors, each naming the
field and the fix. Exit codes are `call`'s (fpconsole/exit_codes.py): 0 done, 1 the sandbox
refused, 2 bad input or not a sandbox (nothing was sent), 3 no usable answer.

Only this module's parser building is imported by `fpconsole.cli` (cheap: argparse only); the
client, the session and the config are imported when a subcommand runs.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Final, TextIO

from fpconsole.exit_codes import EXIT_API_ERROR, EXIT_INVALID_INPUT, EXIT_OK, EXIT_TRANSPORT
from fpconsole.words import counted

if TYPE_CHECKING:
    from decimal import Decimal

    from fpconsole.api.sandbox_control import Delay, Faults, Health, SandboxControl
    from fpconsole.session import Session

ConnectionOptions = Callable[[argparse.ArgumentParser], None]

# What each subcommand is, for `fpconsole sandbox --help` and the refusal of a read-only session.
CONTROL_COMMANDS: Final = (
    "topup",
    "settle",
    "clock",
    "faults",
    "delay",
    "seed",
    "reset",
    "backup",
    "history",
    "requests",
    "health",
)
SANDBOX_ONLY: Final = (
    "these commands are sandbox-only — use the sandbox profile (the default), a profile of kind "
    '"sandbox", or --base-url URL --auth-id ID --secret-env VAR of a served sandbox'
)


# --- the parsers ------------------------------------------------------------------------------


def _leaf(
    parent: Any, name: str, connection: ConnectionOptions, *, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = parent.add_parser(name, help=help, description=description or help)
    takes_minus_values(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    connection(parser)
    return parser


# argparse reads a word as a value only when it is a plain negative number (-5, -1.5); `-5d`,
# `-250ms` or `-10%` it takes for an unknown option, and then says "the following arguments are
# required: DURATION" or "expected one argument". A word that starts with "-" and a digit (or
# ".5") goes to the argument instead, whose own check names it and the fix. Safe while no option
# of the parser is spelled like a number (argparse then keeps its own reading).
_MINUS_VALUE: Final = re.compile(r"^-\.?[0-9]")


def takes_minus_values(parser: argparse.ArgumentParser) -> None:
    """Let `parser` hand words such as `-5d` to its arguments rather than refuse them as options."""
    parser._negative_number_matcher = _MINUS_VALUE


def add_control_parsers(commands: Any, connection: ConnectionOptions) -> None:
    """The control subcommands under `fpconsole sandbox` (`commands` is its subparsers object;
    `connection` adds --profile/--base-url/--auth-id/--secret-env/--alg, as `call` has them)."""
    topup = _leaf(
        commands,
        "topup",
        connection,
        help="credit a card at once (so transactions have money to spend)",
        description="Credit a card at once. AMOUNT in major units with at most 2 decimals (1500.50).",
    )
    topup.add_argument("card_id", metavar="CARD_ID")
    topup.add_argument("amount", metavar="AMOUNT")
    topup.add_argument("--currency", default="KZT", help="ISO 4217 code (default KZT)")

    _leaf(commands, "settle", connection, help="settle every request still in process, now")

    clock = commands.add_parser("clock", help="show or advance this partner's sandbox clock")
    clock_commands = clock.add_subparsers(dest="clock_command", metavar="ACTION")
    _leaf(clock_commands, "show", connection, help="the sandbox time and how far ahead of real time it runs")
    advance = _leaf(
        clock_commands,
        "advance",
        connection,
        help="move the sandbox time forward; requests that come due settle",
    )
    advance.add_argument("duration", metavar="DURATION", help="30s, 15m, 2h, 1d, 1w or 1h30m (up to 366d)")

    faults = commands.add_parser("faults", help="show, set or clear injected faults (this partner only)")
    fault_commands = faults.add_subparsers(dest="faults_command", metavar="ACTION")
    _leaf(fault_commands, "show", connection, help="the faults in force")
    fault_set = _leaf(
        fault_commands,
        "set",
        connection,
        help="replace the faults (every value not given is off)",
        description="Replace this partner's faults; what is not given is off. Rates are 0-1 or "
        "0%-100%, durations 200ms or 1.5s. With --method, the values apply to those methods only. "
        "Example: faults set --latency 200ms --error-rate 10% --method card.block",
    )
    fault_set.add_argument(
        "--latency", metavar="DURATION", help="delay every answer (200ms, 1.5s; at most 60s)"
    )
    fault_set.add_argument("--jitter", metavar="DURATION", help="latency varies by ± this much")
    fault_set.add_argument("--error-rate", metavar="RATE", help="answer injected_error (not applied)")
    fault_set.add_argument("--http5xx-rate", metavar="RATE", help="answer HTTP 503 (not applied)")
    fault_set.add_argument(
        "--timeout-rate",
        metavar="RATE",
        help="apply, then never answer (the client's timeout; unknown outcome)",
    )
    fault_set.add_argument(
        "--drop-rate", metavar="RATE", help="apply, then cut the answer midway (unknown outcome)"
    )
    fault_set.add_argument(
        "--method",
        action="append",
        metavar="METHOD",
        help="only this method (card.block, card/block); repeatable",
    )
    fault_set.add_argument(
        "--hold", metavar="DURATION", help="how long a timeout holds the request (default 120s)"
    )
    fault_set.add_argument("--seed", metavar="N", help="make the faults reproducible")
    fault_set.add_argument(
        "--spec",
        help="the compact form instead of the flags: 'latency=200ms,error_rate=0.1;card.block:error_rate=1'",
    )
    _leaf(fault_commands, "clear", connection, help="no faults for this partner")

    delay = _leaf(
        commands,
        "delay",
        connection,
        help="show or set how long a change stays in process",
        description="Without SECONDS, show the delay; with it, set it for this partner (0: settle on "
        "the next call; 'default': back to the sandbox's own).",
    )
    delay.add_argument(
        "seconds",
        nargs="?",
        metavar="SECONDS",
        help="0 to 86400 seconds: 1.5, 1.5s, 250ms, 2m, 1h30m (as the console's Delay box), or 'default'",
    )

    seed = _leaf(commands, "seed", connection, help="add N demo clients (cards in every status, history)")
    seed.add_argument("count", metavar="N", help="1 to 1000")

    reset = _leaf(
        commands,
        "reset",
        connection,
        help="forget this partner's clients, cards, transactions and requests",
        description="Forget this partner's clients, cards, transactions and requests (faults, delay "
        "and backups stay). On a terminal, asks you to type this partner's id (as the console "
        "does); elsewhere it needs --yes.",
    )
    reset.add_argument("--yes", action="store_true", help="do not ask (scripts)")

    backup = commands.add_parser("backup", help="save, load, list or delete named snapshots of this partner")
    backup_commands = backup.add_subparsers(dest="backup_command", metavar="ACTION")
    save = _leaf(backup_commands, "save", connection, help="save this partner's whole state under NAME")
    save.add_argument("name", metavar="NAME")
    save.add_argument("--replace", action="store_true", help="overwrite a backup of that name")
    load = _leaf(backup_commands, "load", connection, help="make this partner's state exactly the saved one")
    load.add_argument("name", metavar="NAME")
    _leaf(backup_commands, "list", connection, help="the saved backups, newest first")
    delete = _leaf(backup_commands, "delete", connection, help="delete a saved backup")
    delete.add_argument("name", metavar="NAME")

    history = _leaf(commands, "history", connection, help="a card's status changes and ledger entries")
    history.add_argument("card_id", metavar="CARD_ID")

    received = _leaf(
        commands, "requests", connection, help="the Card API calls the sandbox received, newest first"
    )
    received.add_argument("--limit", default="20", metavar="N", help="how many (1-1000, default 20)")

    _leaf(commands, "health", connection, help="what runs: version, partners, db, delay, faults")


# --- reading the arguments --------------------------------------------------------------------


class BadArgument(ValueError):
    """An argument that cannot be used; the message names it and the fix."""


_RATE = re.compile(r"([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(%?)")
_WHOLE = re.compile(r"[0-9]+")
# The control routes' own bounds (sandbox/control.py, api/sandbox_control.py), repeated here so
# that building the parser imports neither.
MAX_SEED_COUNT: Final = 1000
MAX_REQUESTS_LIMIT: Final = 1000
MAX_FAULT_SEED: Final = 2**63 - 1


def _rate(name: str, text: str | None) -> float | None:
    if text is None:
        return None
    found = _RATE.fullmatch(text.strip())
    value = float(found.group(1)) / (100 if found.group(2) else 1) if found else math.nan
    if not 0 <= value <= 1:
        raise BadArgument(f"{name} {text!r} is not a rate — use 0 to 1 or 0% to 100%, e.g. 0.1 or 10%")
    return value


def _ms(name: str, text: str | None) -> float | None:
    """A duration in ms: 200ms, 1.5s, or a plain number of ms (as the compact fault spec)."""
    if text is None:
        return None
    from fpconsole.api import errors
    from fpconsole.api.sandbox_control import parse_duration

    value = text.strip()
    try:
        return float(value) if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", value) else parse_duration(value) * 1000
    except errors.InvalidRequest:
        raise BadArgument(f"{name} {text!r} is not a duration — use e.g. 200ms or 1.5s") from None


def _advance_seconds(text: str, seconds: float) -> int:
    """The clock's range checked here, so the message echoes what was typed (`400d`), not the
    seconds it was read as (34560000.0) that the API layer would show."""
    from fpconsole.api.sandbox_control import MAX_ADVANCE_S

    if seconds != int(seconds) or not 1 <= seconds <= MAX_ADVANCE_S:
        raise BadArgument(
            f"DURATION: {text!r} is out of range — advance by whole seconds from 1s to "
            f"{MAX_ADVANCE_S // 86400}d, e.g. 2h or 30d"
        )
    return int(seconds)


def _forward_only(text: str) -> None:
    if text.strip().startswith("-"):
        forward = text.strip()[1:]
        raise BadArgument(
            f"DURATION: {text!r} is negative — the clock only moves forward; to advance it by "
            f"{forward}: fpconsole sandbox clock advance {forward}"
        )


def whole_number(name: str, text: str, low: int, high: int, *, example: int, past_high: str) -> int:
    """A whole number from `low` to `high`, typed in ASCII digits. One past the top is a whole
    number all the same: the message says it is too large, why (`past_high`: what the top is,
    and what to do instead), never that 20000 is not a whole number. Raises BadArgument; bulk
    --in-flight and scenario record --last are read with it too, so every count says it alike."""
    value = text.strip()
    if _WHOLE.fullmatch(value):
        # Compared by length first: int() refuses more than 4300 digits, and needs no more here.
        digits = value.lstrip("0") or "0"
        if len(digits) > len(str(high)) or int(digits) > high:
            raise BadArgument(f"{name}: {_shown(value)} is more than {high}, {past_high}")
        if int(digits) >= low:
            return int(digits)
    raise BadArgument(
        f"{name}: must be a whole number from {low} to {high}, e.g. {example}; got {_shown(repr(text))}"
        if text.strip()
        else f"{name}: must be a whole number from {low} to {high}, e.g. {example}"
    )


def _shown(text: str) -> str:
    """What was typed, echoed so the user sees what was read, but never a screenful of it."""
    return text if len(text) <= 24 else text[:21] + "…"


def delay_seconds(name: str, text: str) -> float:
    """The delay in seconds, read as the console's Delay box reads it (parse_duration): `1.5`,
    `1.5s`, `250ms`, `2m`, `1h30m`, from 0 to a day."""
    from fpconsole.api import errors
    from fpconsole.api.sandbox_control import MAX_DELAY_S, parse_duration

    try:
        seconds = parse_duration(text, field_name=name)
    except errors.InvalidRequest:
        seconds = math.nan
    if not 0 <= seconds <= MAX_DELAY_S:
        raise BadArgument(
            f"{name} {text!r} is not a delay — use 0 to {MAX_DELAY_S:g} seconds (1d), "
            "e.g. 1.5, 1.5s, 250ms, 2m or 1h30m, or 'default'"
        )
    return seconds


def _method_name(text: str) -> str:
    from fpconsole.api.methods import REGISTRY

    try:
        return REGISTRY.resolve(text).name
    except KeyError as exc:
        raise BadArgument(f"--method: {exc.args[0]}") from None


def fault_settings(args: argparse.Namespace) -> Any:
    """FaultSettings from `faults set`'s flags (or None with --spec)."""
    from fpconsole.api.sandbox_control import FaultRule, FaultSettings

    rule = FaultRule(
        latency_ms=_ms("--latency", args.latency),
        jitter_ms=_ms("--jitter", args.jitter),
        error_rate=_rate("--error-rate", args.error_rate),
        http5xx_rate=_rate("--http5xx-rate", args.http5xx_rate),
        timeout_rate=_rate("--timeout-rate", args.timeout_rate),
        drop_rate=_rate("--drop-rate", args.drop_rate),
    )
    hold = _ms("--hold", args.hold)
    seed = (
        whole_number(
            "--seed",
            args.seed,
            0,
            MAX_FAULT_SEED,
            example=42,
            past_high="the largest fault seed; use a smaller one, e.g. 42",
        )
        if args.seed is not None
        else None
    )
    given = rule.to_json() or hold is not None or seed is not None or args.method
    if args.spec is not None:
        if given:
            raise BadArgument("--spec replaces the other flags: give either --spec or the flags")
        return None
    if not rule.to_json():
        raise BadArgument(
            "give at least one fault: --latency, --jitter, --error-rate, --http5xx-rate, --timeout-rate "
            "or --drop-rate (`fpconsole sandbox faults clear` turns them off)"
        )
    methods = {_method_name(name): rule for name in args.method or ()}
    return FaultSettings(
        default=FaultRule() if methods else rule,
        methods=methods,
        seed=seed,
        hold_s=hold / 1000 if hold is not None else None,
    )


# --- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One subcommand: its words, whether it changes state, the call and how to print it."""

    words: str  # "faults set"
    changes_state: bool
    call: Callable[[SandboxControl], Awaitable[Any]]
    show: Callable[[Any, TextIO], None]


def _action(args: argparse.Namespace) -> Action | str:
    """The action the arguments ask for, or the usage line of an incomplete command."""
    from fpconsole.api.sandbox_control import parse_duration

    command = args.sandbox_command
    if command == "topup":
        return Action(
            "topup",
            True,
            lambda c: c.top_up(args.card_id, args.amount, args.currency.strip().upper()),
            show_topup,
        )
    if command == "settle":
        return Action("settle", True, lambda c: c.settle(), show_settled)
    if command == "clock":
        if args.clock_command == "show":
            return Action("clock show", False, lambda c: c.get_clock(), show_clock)
        if args.clock_command == "advance":
            _forward_only(args.duration)
            seconds = _advance_seconds(args.duration, parse_duration(args.duration, field_name="DURATION"))
            return Action("clock advance", True, lambda c: c.advance_clock(seconds), show_clock)
        return "fpconsole sandbox clock show|advance DURATION"
    if command == "faults":
        if args.faults_command == "show":
            return Action("faults show", False, lambda c: c.get_faults(), show_faults)
        if args.faults_command == "clear":
            return Action("faults clear", True, lambda c: c.clear_faults(), show_faults)
        if args.faults_command == "set":
            settings = fault_settings(args)
            if settings is None:
                return Action("faults set", True, lambda c: c.set_faults_spec(args.spec), show_faults)
            return Action("faults set", True, lambda c: c.set_faults(settings), show_faults)
        return "fpconsole sandbox faults show|set [--latency D] [--error-rate R] ... [--method M]|clear"
    if command == "delay":
        if args.seconds is None:
            return Action("delay", False, lambda c: c.get_delay(), show_delay)
        value = None if args.seconds.strip().lower() == "default" else delay_seconds("SECONDS", args.seconds)
        return Action("delay", True, lambda c: c.set_delay(value), show_delay)
    if command == "seed":
        count = whole_number(
            "N",
            args.count,
            1,
            MAX_SEED_COUNT,
            example=10,
            past_high="the most one seed writes; run seed several times for more",
        )
        return Action("seed", True, lambda c: c.seed(count), show_seeded)
    if command == "reset":
        return Action("reset", True, lambda c: c.reset(), show_reset)
    if command == "backup":
        sub = args.backup_command
        if sub == "save":
            return Action(
                "backup save",
                True,
                lambda c: c.save_backup(args.name, replace=args.replace),
                show_backup("saved"),
            )
        if sub == "load":
            return Action("backup load", True, lambda c: c.load_backup(args.name), show_backup("loaded"))
        if sub == "list":
            return Action("backup list", False, lambda c: c.list_backups(), show_backups)
        if sub == "delete":
            return Action("backup delete", True, lambda c: c.delete_backup(args.name), show_deleted)
        return "fpconsole sandbox backup save NAME|load NAME|list|delete NAME"
    if command == "history":
        return Action("history", False, lambda c: c.card_history(args.card_id), show_history)
    if command == "requests":
        limit = whole_number(
            "--limit",
            args.limit,
            1,
            MAX_REQUESTS_LIMIT,
            example=20,
            past_high=f"the most one listing shows; --limit {MAX_REQUESTS_LIMIT} shows the newest "
            f"{MAX_REQUESTS_LIMIT}",
        )
        return Action("requests", False, lambda c: c.received_requests(limit), show_requests)
    if command == "health":
        return Action("health", False, health_report, show_health)
    return "fpconsole sandbox serve|" + "|".join(CONTROL_COMMANDS) + " ... (fpconsole sandbox --help)"


def _words(args: argparse.Namespace) -> str:
    parts = [args.sandbox_command]
    for attribute in ("clock_command", "faults_command", "backup_command"):
        if getattr(args, attribute, None):
            parts.append(getattr(args, attribute))
    return " ".join(part for part in parts if part)


def run_sandbox_control(
    args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO | None = None
) -> int:
    # Here, not at the top: building the CLI's parser imports this module, and asyncio is
    # half of `fpconsole --version`'s import time.
    import asyncio

    from fpconsole.api import errors

    prog = f"fpconsole sandbox {_words(args)}".rstrip()
    try:
        action = _action(args)
    except BadArgument as exc:
        err.write(f"{prog}: {exc}\n")
        return EXIT_INVALID_INPUT
    except errors.InvalidRequest as exc:
        _write_problems(prog, exc, err)
        return EXIT_INVALID_INPUT
    if isinstance(action, str):
        err.write(f"usage: {action}\n")
        return EXIT_INVALID_INPUT
    opened = _open_session(args, prog, err)
    if isinstance(opened, int):
        return opened
    session = opened
    if action.changes_state and session.read_only:
        err.write(f"{prog}: {session.profile.read_only_reason}; {action.words} changes the sandbox\n")
        asyncio.run(session.aclose())
        return EXIT_INVALID_INPUT
    if action.words == "reset" and not args.yes:
        refused = _confirm_reset(session, prog, stdin or sys.stdin, err)
        if refused is not None:
            asyncio.run(session.aclose())
            return refused
    return asyncio.run(_run(session, action, prog, bool(args.json), out, err))


def _open_session(args: argparse.Namespace, prog: str, err: TextIO) -> Session | int:
    """The session the flags name; a profile that is not a sandbox is refused before its
    secret is even read."""
    from fpconsole.session import SetupError, open_session

    if not args.base_url and (args.auth_id or args.secret_env):
        err.write(
            f"{prog}: --auth-id and --secret-env go with --base-url; "
            "without --base-url the profile's own credentials are used\n"
        )
        return EXIT_INVALID_INPUT
    profile = None
    if not args.base_url:
        from fpconsole.config import ConfigError, load_config
        from fpconsole.config.resolve import resolved

        try:
            config = load_config()
            name = args.profile
            if name is None:
                # The default profile when it is a sandbox; otherwise the built-in one: these
                # commands never reach a test or production API unasked. A profile asked for
                # (--profile, or FPCONSOLE_PROFILE, which cli.py turns into one) is refused below.
                default = config.profile(config.default_name)
                name = default.name if default.kind == "sandbox" else "sandbox"
            chosen = config.profile(name)
        except ConfigError as exc:
            err.write(f"{prog}: {exc}\n")
            return EXIT_INVALID_INPUT
        if chosen.kind != "sandbox":
            source = getattr(args, "profile_source", None)
            named = f"{chosen.name} ({source})" if source else chosen.name
            err.write(f"{prog}: profile {named} is a {chosen.kind} profile; {SANDBOX_ONLY}\n")
            return EXIT_INVALID_INPUT
        profile = resolved(chosen, read_only=bool(getattr(args, "read_only", False)), theme=config.theme)
    try:
        return open_session(
            profile=profile,
            base_url=args.base_url,
            auth_id=args.auth_id,
            secret_env=args.secret_env,
            alg=args.alg,
            journal=False,  # no client events to follow: _run journals the state changes itself
            read_only=bool(getattr(args, "read_only", False)),
        )
    except SetupError as exc:
        err.write(f"{prog}: {exc}\n")
        return EXIT_INVALID_INPUT


def _confirm_reset(session: Session, prog: str, stdin: TextIO, err: TextIO) -> int | None:
    """None to go on; otherwise the exit code, and nothing was sent. The partner id typed back,
    not y/Enter nor a fixed word: the reflex that answers every question must not wipe a test
    bed, and a word typed the same every time becomes such a reflex, while the id makes the
    operator read whose data goes (the console's Reset asks for the same)."""
    from fpconsole.exit_codes import EXIT_INTERRUPTED
    from fpconsole.production_guard import is_terminal

    partner = str(session.client.auth_id)
    where = "the embedded sandbox" if session.embedded else f"the sandbox at {session.host}"
    what = f"this deletes every client, card, transaction and request of partner {partner} on {where}"
    if not is_terminal(stdin):
        err.write(
            f"{prog}: {what}; nothing was done. Add --yes to reset (or run it on a terminal "
            f"and type the partner id ({partner}) to confirm)\n"
        )
        return EXIT_INVALID_INPUT
    err.write(
        f"{prog}: {what} (faults, delay and backups stay; other partners are not touched).\n"
        f"Type the partner id {partner} to go on (anything else cancels): "
    )
    err.flush()
    try:
        typed = stdin.readline()
    except KeyboardInterrupt:
        err.write(f"\n{prog}: interrupted; nothing was done\n")
        return EXIT_INTERRUPTED
    if typed.strip() != partner:
        lead = "" if typed.endswith("\n") else "\n"  # Ctrl+D leaves the cursor on the question
        err.write(f"{lead}{prog}: not confirmed; nothing was done (--yes skips this question)\n")
        return EXIT_INVALID_INPUT
    return None


# Where to look when a change's outcome is unknown (`fpconsole sandbox` alone only prints usage).
_CHECK_HEALTH: Final = "`fpconsole sandbox health`"
_CHECK_WITH: Final = {
    "backup save": "`fpconsole sandbox backup list`",
    "backup load": "`fpconsole sandbox backup list` and the console's lists",
    "backup delete": "`fpconsole sandbox backup list`",
    "settle": "`fpconsole sandbox requests`",
    "clock advance": "`fpconsole sandbox clock show`",
    "faults set": "`fpconsole sandbox faults show`",
    "faults clear": "`fpconsole sandbox faults show`",
    "delay": "`fpconsole sandbox delay`",
}


def _still_working(prog: str, words: str, read_timeout: float) -> str:
    """The line once a change has had no answer for a while: the sandbox is still at it (a backup
    load of a million transactions took two minutes), and how long this waits."""
    from fpconsole.api.sandbox_control import LONG_CONTROL_TIMEOUT_S

    if words in ("seed", "reset", "backup save", "backup load"):
        return (
            f"{prog}: still working: on a large sandbox this takes minutes "
            f"(waiting up to {LONG_CONTROL_TIMEOUT_S / 60:g} min for the answer)"
        )
    return f"{prog}: still working (waiting up to {read_timeout:g} s for the answer)"


async def _run(session: Session, action: Action, prog: str, as_json: bool, out: TextIO, err: TextIO) -> int:
    from fpconsole.api import errors
    from fpconsole.api.redaction import scrub_text
    from fpconsole.api.sandbox_control import NotASandbox, SandboxControl
    from fpconsole.store.journal import Journal

    # A state change is journaled like a Card API call (`fpconsole journal`, Requests, and
    # `scenario record` turns it into its sandbox step); reads are not.
    journal = Journal.open(profile=session.profile_name) if action.changes_state else None
    if journal is not None:
        session.closers.append(journal.close)
    control = SandboxControl(session.client, on_control=journal.record_control if journal else None)
    try:
        if action.changes_state:
            from fpconsole.call_command import answer_or_notice

            notice = partial(_still_working, prog, action.words, session.client.options.read_timeout)
            result = await answer_or_notice(action.call(control), notice, err)
        else:
            result = await action.call(control)
    except errors.InvalidRequest as exc:
        _write_problems(prog, exc, err)
        return EXIT_INVALID_INPUT
    except NotASandbox as exc:
        err.write(f"{prog}: {scrub_text(exc.message)}\n")
        return EXIT_INVALID_INPUT
    except errors.ApiError as exc:
        err.write(f"{prog}: {_cli_words(scrub_text(exc.message))}\n")
        return EXIT_API_ERROR
    except errors.TransportError as exc:
        check = _CHECK_WITH.get(action.words, _CHECK_HEALTH)
        unknown = f" (the outcome is unknown: check with {check} before repeating)"
        hint = unknown if exc.outcome_unknown and action.changes_state else ""
        err.write(f"{prog}: {scrub_text(exc.message)}{hint}\n")
        return EXIT_TRANSPORT
    finally:
        await session.aclose()
    if as_json:
        shown = result.to_json() if isinstance(result, HealthReport) else to_json(result)
        out.write(json.dumps(shown, ensure_ascii=False, indent=2) + "\n")
    else:
        action.show(result, out)
    return EXIT_OK


# The sandbox words its fixes for any client (a route, a JSON field); a shell user needs the
# command's own words.
_IN_CLI_WORDS: Final = (
    ("send replace: true", "add --replace"),
    ("/sandbox/backup/list", "`fpconsole sandbox backup list`"),
)


def _cli_words(text: str) -> str:
    for said, meant in _IN_CLI_WORDS:
        text = text.replace(said, meant)
    return text


def _write_problems(prog: str, exc: Any, err: TextIO) -> None:
    for problem in exc.errors or [exc.message]:
        err.write(f"{prog}: {_cli_words(str(problem))}\n")


# --- output -----------------------------------------------------------------------------------


def to_json(value: Any) -> Any:
    """A result as JSON: dataclasses as objects (without their raw answer), amounts as numbers."""
    from decimal import Decimal

    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value) if f.name != "raw"}
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    return value


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def show_topup(result: Any, out: TextIO) -> None:
    out.write(f"card {result.card_id}: topped up by {_money(result.amount, result.currency)}\n")
    for account in result.accounts:
        out.write(
            f"  available {_money(account.amount, account.currency)}, "
            f"held {_money(account.blocked_amount, account.currency)}  ({account.iban})\n"
        )
    out.write(f"  request_id {result.request_id}\n")


def show_settled(result: Sequence[Any], out: TextIO) -> None:
    if not result:
        out.write("nothing was in process\n")
        return
    out.write(f"settled {counted(len(result), 'request')}\n")
    _table(
        out,
        ("REQUEST_ID", "METHOD", "STATUS", "ERROR"),
        [(s.request_id, s.method, s.request_status, s.error_code or "") for s in result],
    )


def _ahead(seconds: float) -> str:
    if seconds <= 0:
        return "real time"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return "".join(parts) + " ahead of real time"


def show_clock(result: Any, out: TextIO) -> None:
    count = result.settled_count
    settled = f"; {counted(count, 'request')} settled" if count else ""
    out.write(f"sandbox time {result.now} ({_ahead(result.offset_s)}){settled}\n")


def show_faults(result: Any, out: TextIO) -> None:
    source = " (the sandbox's own --faults)" if result.source == "default" and result.active else ""
    out.write(f"faults: {_faults_text(result)}{source}\n")


def _faults_text(faults: Faults) -> str:
    # A spec with no global group reads `;card.block:...`: the leading `;` says nothing.
    return faults.spec.lstrip(";") if faults.active else "none"


def show_delay(result: Any, out: TextIO) -> None:
    if result.source == "default":
        out.write(f"delay: {result.seconds:g} s (the sandbox's default)\n")
        return
    default = f"; the sandbox's default is {result.default_s:g} s" if result.default_s is not None else ""
    out.write(f"delay: {result.seconds:g} s (set for this partner{default})\n")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{value} {key}" for key, value in counts.items()) or "nothing"


def show_seeded(result: Any, out: TextIO) -> None:
    out.write(f"seeded: {_counts(result.counts)}\n")


def show_reset(result: dict[str, int], out: TextIO) -> None:
    out.write(f"reset: deleted {_counts(result)} (this partner only)\n")


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MiB"
    return f"{size / 1024:.0f} KiB" if size >= 1024 else f"{size} B"


def show_backup(verb: str) -> Callable[[Any, TextIO], None]:
    def show(result: Any, out: TextIO) -> None:
        out.write(
            f"{verb} backup {result.name}: {result.clients} clients, {result.cards} cards, "
            f"{result.transactions} transactions, {result.requests} requests ({_size(result.size_bytes)})\n"
        )

    return show


def show_backups(result: Sequence[Any], out: TextIO) -> None:
    if not result:
        out.write("no backups (fpconsole sandbox backup save NAME makes one)\n")
        return
    _table(
        out,
        ("NAME", "CREATED", "CLIENTS", "CARDS", "TRANSACTIONS", "SIZE"),
        [
            (b.name, b.created_at, str(b.clients), str(b.cards), str(b.transactions), _size(b.size_bytes))
            for b in result
        ],
    )


def show_deleted(result: str, out: TextIO) -> None:
    out.write(f"deleted backup {result}\n")


def show_history(result: Any, out: TextIO) -> None:
    if not result.events:
        out.write(f"card {result.card_id}: no history\n")
        return
    _table(
        out,
        ("AT", "KIND", "WHAT", "REQUEST_ID"),
        [(e.at, e.kind, e.summary(), e.request_id or "") for e in result.events],
    )


def show_requests(result: Sequence[Any], out: TextIO) -> None:
    if not result:
        out.write("no requests received yet\n")
        return
    _table(
        out,
        ("AT", "METHOD", "STATUS", "HTTP", "MS", "REQUEST_ID", "ERROR"),
        [
            (
                r.at,
                r.method,
                r.request_status or r.status,
                str(r.http_status or ""),
                f"{r.latency_ms:.0f}" if r.latency_ms is not None else "",
                r.request_id or "",
                r.error_code or "",
            )
            for r in result
        ],
    )


@dataclass(frozen=True, slots=True)
class HealthReport:
    """`sandbox health`: what the sandbox says unsigned (its defaults), and what is in force for
    this partner when its own signed reads answer."""

    health: Health
    delay: Delay | None = None
    faults: Faults | None = None
    partner_problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        partner: dict[str, Any] = {"problem": self.partner_problem}
        if self.delay is not None and self.faults is not None:
            partner = {
                "delay_s": self.delay.seconds,
                "delay_source": self.delay.source,
                "faults": _faults_text(self.faults),
            }
        return {**to_json(self.health), "partner": partner}


async def health_report(control: SandboxControl) -> HealthReport:
    from fpconsole.api import errors

    health = await control.health()
    try:
        return HealthReport(health, await control.get_delay(), await control.get_faults())
    except errors.ApiError as exc:  # a partner the sandbox refuses still learns that it runs
        return HealthReport(health, partner_problem=exc.message)


def show_health(result: HealthReport, out: TextIO) -> None:
    health = result.health
    delay = f"{health.delay_s:g} s" if health.delay_s is not None else "?"
    out.write(
        f"{health.service} {health.version} · partners {health.partners_count} · workers {health.workers} · "
        f"db {health.db} · default delay {delay} · default faults {health.faults}\n"
    )
    if result.delay is not None and result.faults is not None:
        out.write(f"this partner: delay {result.delay.seconds:g} s · faults {_faults_text(result.faults)}\n")
    else:
        out.write(f"this partner: its delay and faults could not be read: {result.partner_problem}\n")


def _table(out: TextIO, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )
