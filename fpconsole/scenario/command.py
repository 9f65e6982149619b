"""`fpconsole scenario run FILE... [--profile P] [--junit OUT.xml] [--json]` and
`fpconsole scenario record [--since T | --last N] [--output FILE]`.

Exit codes as `call`'s: 0 every step passed; 1 a step's answer was not what the file expects;
2 a bad file, a step refused on this profile (nothing sent), or a step that could not be sent;
3 the server could not be reached or a step's outcome is unknown. With several problems, the
worst of them (3, then 2, then 1)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from fpconsole.exit_codes import EXIT_INVALID_INPUT, EXIT_OK, EXIT_TRANSPORT
from fpconsole.sandbox_commands import BadArgument, takes_minus_values, whole_number

PROG = "fpconsole scenario"
# The most journal entries one recording reads (and so the most --last can ask for).
MAX_RECORDED = 100_000


def add_parsers(scenario: argparse.ArgumentParser, connection: Any, profile_option: Any) -> None:
    """The `scenario` subcommands (argparse only: cheap to build)."""
    actions = scenario.add_subparsers(dest="scenario_command", metavar="COMMAND")
    run = actions.add_parser(
        "run",
        help="run scenario files (steps with assertions) against a sandbox or test profile",
        description="Run each FILE's steps in order, stop a file at its first failing step, print a "
        "line per step with its request_id. Exit codes: 0 all passed, 1 an assertion failed, 2 a bad "
        "file or a step refused on this profile, 3 transport failure or unknown outcome.",
    )
    run.add_argument("files", nargs="+", metavar="FILE")
    run.add_argument("--junit", metavar="OUT.xml", help="also write a JUnit XML report there")
    run.add_argument("--json", action="store_true", help="print one JSON document instead of the lines")
    connection(run)
    record = actions.add_parser(
        "record",
        help="write a range of the journal as a scenario file",
        description="Turn the journal's requests (oldest first) into a scenario: ids from earlier answers "
        "become ${step.path} references, secrets become ${secret.NAME} prompts, outcomes and steady "
        "answer fields become expectations.",
    )
    takes_minus_values(record)  # --since -2h: its own message, not "expected one argument"
    record.add_argument("--since", help="from this time: ISO date/time or relative (2h, 7d)")
    # Read (and refused with a message naming the range) by run_record, as sandbox seed reads N.
    record.add_argument("--last", metavar="N", help=f"only the newest N requests (1–{MAX_RECORDED})")
    record.add_argument("--from", dest="first", metavar="REQUEST_ID", help="start at this request")
    record.add_argument("--to", dest="last_id", metavar="REQUEST_ID", help="end at this request")
    record.add_argument("--name", help="the scenario's name (default: the session's date)")
    record.add_argument("--output", "-o", metavar="FILE", help="write there (default: stdout)")
    record.add_argument("--force", action="store_true", help="replace --output if it exists")
    profile_option(record)


def run_scenario_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.scenario_command == "record":
        return run_record(args, out, err)
    if args.scenario_command != "run":
        err.write(f"{PROG}: say what to do: {PROG} run FILE... or {PROG} record (see --help)\n")
        return EXIT_INVALID_INPUT
    return run_files(args, out, err)


def _parse_all(files: list[str], err: TextIO) -> tuple[list[Any], list[str]]:
    from fpconsole.scenario.parse import ScenarioError, load

    scenarios: list[Any] = []
    problems: list[str] = []
    for name in files:
        try:
            scenarios.append(load(Path(name)))
        except ScenarioError as exc:
            problems += exc.problems
    for problem in problems:
        err.write(f"{PROG}: {problem}\n")
    return scenarios, problems


def _junit_refusal(args: argparse.Namespace, problems: list[str], err: TextIO) -> int:
    """Nothing ran: with --junit, CI still gets a report saying why (one <error>)."""
    if args.junit:
        from fpconsole.scenario import junit

        try:
            junit.write_refusal(problems, Path(args.junit))
        except OSError as exc:
            err.write(f"{PROG}: --junit {args.junit}: cannot write it ({exc.strerror or exc})\n")
    return EXIT_INVALID_INPUT


def _ask_secret(stdin: TextIO, err: TextIO) -> Any:
    if not (stdin.isatty() and err.isatty()):
        return None
    import getpass

    def ask(name: str) -> str:
        return getpass.getpass(f"{name} (not shown, not kept): ", stream=err)

    return ask


def run_files(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO | None = None) -> int:
    if args.junit:
        from fpconsole.scenario import junit

        problem = junit.target_problem(Path(args.junit))
        if problem is not None:
            err.write(f"{PROG}: --junit {args.junit}: {problem}; nothing was sent\n")
            return EXIT_INVALID_INPUT
    scenarios, problems = _parse_all(list(args.files), err)
    if problems:
        return _junit_refusal(args, problems, err)
    if not args.base_url and (args.auth_id or args.secret_env):
        err.write(f"{PROG}: --auth-id and --secret-env go with --base-url\n")
        return EXIT_INVALID_INPUT
    from fpconsole.scenario import runner
    from fpconsole.session import SetupError, open_session

    try:
        session = open_session(
            profile_name=getattr(args, "profile", None),
            base_url=args.base_url,
            auth_id=args.auth_id,
            secret_env=args.secret_env,
            alg=args.alg,
            read_only=bool(getattr(args, "read_only", False)),
        )
    except SetupError as exc:
        err.write(f"{PROG}: {exc}\n")
        return EXIT_INVALID_INPUT
    runs: list[Any] = []
    ask = _ask_secret(stdin or sys.stdin, err)
    # Here, not at the top: building the CLI's parser imports this module, and asyncio is
    # half of `fpconsole --version`'s import time.
    import asyncio

    try:
        # One event loop for the probe and the run: the client's connections belong to it.
        refused: list[str] = asyncio.run(
            _checked_run(session, scenarios, ask, runs, out, err, as_json=args.json)
        )
    except KeyboardInterrupt:
        current = [r for run in runs for r in run.results if r.state == "running"]
        where = f" during step {current[0].step.name!r}" if current else ""
        sent = (
            f" (request_id {current[0].request_id}: poll it, its outcome is unknown)"
            if current and current[0].request_id
            else ""
        )
        err.write(f"{PROG}: interrupted{where}{sent}\n")
        return EXIT_TRANSPORT
    if refused:
        return _junit_refusal(args, refused, err)
    code = runner.worst(run.exit_code for run in runs)
    if args.json:
        from fpconsole.scenario.report import to_json

        out.write(json.dumps(to_json(runs, code), ensure_ascii=False, indent=2) + "\n")
    if args.junit:
        from fpconsole.scenario import junit

        try:
            junit.write(runs, Path(args.junit))
        except OSError as exc:
            err.write(f"{PROG}: --junit {args.junit}: cannot write it ({exc.strerror or exc})\n")
            return max(code, EXIT_INVALID_INPUT) if code != EXIT_TRANSPORT else code
    return code


async def _probe(session: Any) -> str:
    """A test profile or --base-url that is `fpconsole sandbox serve` counts as a sandbox: it
    answers /sandbox/health (a real test host does not)."""
    from fpconsole.api.errors import CardApiError
    from fpconsole.api.sandbox_control import SandboxControl

    try:
        await SandboxControl(session.client).health()
    except CardApiError:
        return str(session.kind)
    return "sandbox"


async def _checked_run(
    session: Any, scenarios: list[Any], ask: Any, runs: list[Any], out: TextIO, err: TextIO, *, as_json: bool
) -> list[str]:
    """Why nothing may run on this profile (a refused step, a missing secret); else runs all
    and answers []."""
    from fpconsole.scenario import runner

    try:
        kind = "sandbox" if session.embedded else session.kind
        if kind == "test" and any(step.sandbox for scenario in scenarios for step in scenario.steps):
            kind = await _probe(session)
        refused = [
            problem
            for scenario in scenarios
            for problem in runner.refusals(
                scenario, kind=kind, profile=session.profile_name, read_only=session.read_only
            )
        ]
        names: list[str] = []
        for scenario in scenarios:
            names += [name for name in runner.secrets_needed(scenario) if name not in names]
        values, missing = runner.gather_secrets(names, ask)
        for problem in refused + missing:
            err.write(f"{PROG}: {problem}\n")
        if refused:
            err.write(f"{PROG}: nothing was sent\n")
        if refused or missing:
            return refused + missing
        await _run_all(session, scenarios, values, runs, out, as_json=as_json)
        return []
    finally:
        await session.aclose()


async def _run_all(
    session: Any,
    scenarios: list[Any],
    secrets: dict[str, str],
    runs: list[Any],
    out: TextIO,
    *,
    as_json: bool,
) -> None:
    from fpconsole.scenario import report, runner

    def show(result: Any) -> None:
        if as_json or result.state == "running":
            return
        out.write(report.step_line(result) + "\n")
        for line in report.details(result):
            out.write(line + "\n")
        out.flush()

    for scenario in scenarios:
        placeholder = runner.ScenarioRun(scenario, [], session.profile_name)
        runs.append(placeholder)
        if not as_json:
            out.write(report.header(placeholder) + "\n")

        def track(result: Any, run: Any = placeholder) -> None:
            if result not in run.results:
                run.results.append(result)
            show(result)

        done = await runner.run_scenario(session, scenario, secrets=secrets, on_step=track)
        placeholder.results[:] = done.results
        if not as_json:
            out.write(report.summary(placeholder) + "\n")


def run_record(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from fpconsole.local_commands import parse_since
    from fpconsole.scenario.record import record
    from fpconsole.store.journal import Journal

    try:
        last = (
            whole_number(
                "--last",
                args.last,
                1,
                MAX_RECORDED,
                example=20,
                past_high="the most record reads from the journal; leave --last out to record "
                "the whole range",
            )
            if args.last is not None
            else None
        )
    except BadArgument as exc:
        err.write(f"{PROG} record: {exc}\n")
        return EXIT_INVALID_INPUT
    try:
        since = parse_since(args.since) if args.since is not None else None
    except ValueError as exc:
        err.write(f"{PROG} record: {exc}\n")
        return EXIT_INVALID_INPUT
    from fpconsole.config import ConfigError, load_config

    try:
        profile = getattr(args, "profile", None) or load_config().default_name
    except ConfigError as exc:
        err.write(f"{PROG} record: {exc}\n")
        return EXIT_INVALID_INPUT
    target = Path(args.output) if args.output else None
    if target is not None and target.exists() and not args.force:
        err.write(f"{PROG} record: {target} exists; choose another --output, or add --force to replace it\n")
        return EXIT_INVALID_INPUT
    with Journal.open(profile=profile, prune=False) as journal:
        entries = journal.entries(since=since, limit=MAX_RECORDED, oldest_first=True)
    picked = select(entries, args.first, args.last_id, last)
    if isinstance(picked, str):
        err.write(f"{PROG} record: {picked}\n")
        return EXIT_INVALID_INPUT
    if not picked:
        err.write(
            f"{PROG} record: no requests in the journal of profile {profile} for that range "
            "(fpconsole journal lists them)\n"
        )
        return EXIT_INVALID_INPUT
    name = args.name or f"Recorded session of {picked[0].sent_at:%Y-%m-%d %H:%M}"
    text = record(picked, name=name, profile=profile)
    if target is None:
        out.write(text)
        return EXIT_OK
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        err.write(f"{PROG} record: cannot write {target} ({exc.strerror or exc})\n")
        return EXIT_INVALID_INPUT
    err.write(
        f"wrote {target} ({text.count('[[step]]')} steps); run it with: fpconsole scenario run {target}\n"
    )
    return EXIT_OK


def select(entries: list[Any], first: str | None, last_id: str | None, last: int | None) -> list[Any] | str:
    """The entries from request `first` to `last_id` (both kept), then the newest `last`."""
    if not entries:
        return []
    ids = [entry.request_id for entry in entries]
    start, end = 0, len(entries)
    if first is not None:
        if first not in ids:
            return f"--from {first}: no such request in that range of the journal"
        start = ids.index(first)
    if last_id is not None:
        if last_id not in ids:
            return f"--to {last_id}: no such request in that range of the journal"
        end = len(ids) - ids[::-1].index(last_id)
    if end <= start:
        return "--to comes before --from: give the older request to --from"
    picked = entries[start:end]
    return picked[-last:] if last is not None else picked
