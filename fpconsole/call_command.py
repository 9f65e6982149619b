"""`fpconsole call METHOD [field=value ...]`: one request from a script or a shell.

stdout gets exactly one JSON document (the answer, or with --wait the final status); stderr
gets status changes and errors, so `| jq` always works.

stderr is never silent while an answer is late: a state change's `request_id:` comes before it is
sent, and after QUIET_AFTER with no answer one line says what happens next. Both are written
whether stderr is a terminal or not: a script's log gets the same account as a person, and with
--json (stderr not a terminal) the line is an info object like --wait's status changes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TextIO

from fpconsole.api.outcome import LATE_ANSWER_S
from fpconsole.exit_codes import (
    EXIT_API_ERROR,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    EXIT_TRANSPORT,
    exit_for_signal,
)

LAST = "last"  # --from-journal last: the newest request sent on the profile

# Seconds without an answer before stderr says what happens next: when the console's form says it.
QUIET_AFTER = LATE_ANSWER_S


_BODY_FILE_FIX = "give the path of a JSON object file, or - for stdin"


class BodyFileError(Exception):
    """The --json body cannot be used; the message names the flag, the file and the fix."""


def _load_body(json_file: str | None, stdin: TextIO) -> dict[str, Any]:
    if not json_file:
        return {}
    # stdin has no name to show; a file's path is what the operator typed, so it is repeated.
    source = "--json" if json_file == "-" else f"--json {json_file}"
    if json_file == "-":
        try:
            text = stdin.read()
        except UnicodeDecodeError as exc:
            raise BodyFileError(f"{source}: stdin is not UTF-8 text (byte {exc.start + 1})") from None
    else:
        text = _read_body_file(json_file)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BodyFileError(f"{source}: not valid JSON ({exc})") from None
    except RecursionError:
        # json decodes arrays and objects by recursion: a few thousand levels would end the
        # command in a traceback instead of a message.
        raise BodyFileError(f"{source}: not valid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise BodyFileError(
            f"{source}: holds a JSON {_json_kind(data)}, not an object — "
            'the body is one JSON object, e.g. {"card_id": "7001234"}'
        )
    return data


def _read_body_file(path: str) -> str:
    """The text of the --json file, or a BodyFileError in words (never "[Errno 2] ...")."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        problem = f"no such file — {_BODY_FILE_FIX}"
    except IsADirectoryError:
        problem = f"is a folder, not a file — {_BODY_FILE_FIX}"
    except PermissionError:
        problem = "permission denied — give the path of a JSON object file you may read, or - for stdin"
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 text (byte {exc.start + 1}) — save it as UTF-8"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or type(exc).__name__}) — {_BODY_FILE_FIX}"
    raise BodyFileError(f"--json {path}: {problem}")


def _json_kind(data: object) -> str:
    if isinstance(data, list):
        return "array"
    if isinstance(data, str):
        return "string"
    if isinstance(data, bool) or data is None:
        return json.dumps(data)  # true, false, null
    return "number"


def _check_modes(args: argparse.Namespace) -> str | None:
    """METHOD, --from-journal and --edit together: what is wrong, or None."""
    replaying = getattr(args, "from_journal", None)
    if replaying is not None:
        if args.method and "=" in args.method:  # `call --from-journal ID amount=5`: a field
            args.fields = [args.method, *args.fields]
            args.method = None
        if args.method:
            return "--from-journal takes the method from the journal entry; leave METHOD out"
        if getattr(args, "edit", False):
            return "--from-journal and --edit: pick one (replay with FIELD=VALUE overrides)"
        if args.json_file:
            return "--from-journal and --json: pick one (replay with FIELD=VALUE overrides)"
        if not replaying.strip():
            return "--from-journal needs a request_id (Requests in the console, or fpconsole journal)"
        return None
    if not args.method:
        return "METHOD is required (fpconsole methods lists them), or --from-journal REQUEST_ID"
    if getattr(args, "edit", False) and args.json_file == "-":
        return "--edit reads the body from the editor, not stdin; use --json FILE to start from a file"
    return None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):  # a closed stream is no terminal either
        return False


def editor_without_terminal(stdin: TextIO, out: TextIO) -> str | None:
    """Why the editor cannot be started here, or None. It takes over this process's stdin and
    stdout: with either redirected (`</dev/null`, `| jq`, cron) vim prints warnings and escape
    codes into the pipe, and waits for keys that never come."""
    stdin_ok, out_ok = _is_terminal(stdin), _is_terminal(out)
    if stdin_ok and out_ok:
        return None
    not_one = (
        "neither stdin nor stdout is one"
        if not (stdin_ok or out_ok)
        else "stdin is not one"
        if not stdin_ok
        else "stdout is not one"
    )
    return (
        f"--edit needs a terminal to open your editor, and {not_one}; "
        "pass the body with --json FILE or FIELD=VALUE instead"
    )


def _edited_body(
    method: Any, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO
) -> dict[str, Any] | int:
    """--edit: the body written in the editor, or an exit code (nothing to send, or a problem)."""
    from pathlib import Path

    from fpconsole.editor import EditError, edit_body

    start = Path(args.json_file) if args.json_file else None
    if start is not None:
        _read_body_file(str(start))  # a missing or unreadable file said in words, before the editor
    no_terminal = editor_without_terminal(stdin, out)
    if no_terminal is not None:
        err.write(f"fpconsole call: {no_terminal}\n")
        return EXIT_INVALID_INPUT
    try:
        edited = edit_body(method, start)
    except EditError as exc:
        err.write(f"fpconsole call: --edit: {exc}\n")
        if exc.kept is not None:
            err.write(
                f"fpconsole call: your text is kept in {exc.kept} (0600); edit it again with: "
                f"fpconsole call {method.name} --edit --json {exc.kept}\n"
            )
        return EXIT_INVALID_INPUT
    if edited.body is None:
        edited.path.unlink(missing_ok=True)
        err.write("fpconsole call: --edit: the file was left empty or unchanged; nothing sent\n")
        return EXIT_OK
    args.edited_file = edited.path  # deleted once the request is prepared (it may hold a PIN)
    return edited.body


def _replayed(
    session: Any, request_id: str, fields: list[str], err: TextIO
) -> tuple[Any, dict[str, Any]] | int:
    """--from-journal: the entry's method and body (secrets left out), FIELD=VALUE on top."""
    from fpconsole.api.methods import REGISTRY
    from fpconsole.fields_input import FieldSyntaxError, parse_assignments
    from fpconsole.replay import replay_of
    from fpconsole.store.journal import Journal

    with Journal.open(profile=session.profile_name, prune=False) as journal:
        entry = _newest(journal) if request_id.strip() == LAST else journal.get(request_id.strip())
    if entry is None:
        err.write(
            f"fpconsole call: --from-journal: no request {request_id} in the journal of profile "
            f"{session.profile_name} (fpconsole journal lists them)\n"
        )
        return EXIT_INVALID_INPUT
    from fpconsole.api.sandbox_control import is_control_method

    if is_control_method(entry.method):
        err.write(
            f"fpconsole call: --from-journal: {entry.request_id or entry.id} is a sandbox control "
            f"({entry.method}), not a Card API request: repeat it with `fpconsole sandbox` "
            "(fpconsole sandbox --help lists topup, settle, clock, faults, delay, reset)\n"
        )
        return EXIT_INVALID_INPUT
    try:
        method = REGISTRY.resolve(entry.method)
    except KeyError as exc:
        err.write(f"fpconsole call: --from-journal: {exc.args[0]}\n")
        return EXIT_INVALID_INPUT
    replay = replay_of(method, entry.request)
    try:
        body = parse_assignments(fields, replay.body)
    except FieldSyntaxError as exc:
        err.write(f"fpconsole call: {exc}\n")
        return EXIT_INVALID_INPUT
    given = {item.partition("=")[0].strip() for item in fields}
    missing = [name for name in replay.reenter if name not in given]
    if missing:
        # Sent without them, the request would mean something else (card.set_pin without its
        # pin asks the processor to generate one): they are asked for, never left out silently.
        err.write(
            f"fpconsole call: --from-journal: {', '.join(missing)} of the original request "
            "is never kept in the journal; give it again: " + " ".join(f"{name}=…" for name in missing) + "\n"
        )
        return EXIT_INVALID_INPUT
    err.write(f"replaying {method.name} {entry.request_id or entry.id} with a new request_id\n")
    return method, body


def _newest(journal: Any) -> Any:
    """`--from-journal last`: the newest request of the profile, not counting status polls."""
    from fpconsole.store.journal import status_methods

    polls = status_methods()
    return next((e for e in journal.entries(limit=50) if e.method not in polls), None)


def run_call(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO | None = None) -> int:
    try:
        return _run_call(args, out, err, stdin)
    finally:
        _forget_edited(args)


def _run_call(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO | None = None) -> int:
    from fpconsole.api import errors
    from fpconsole.api.methods import REGISTRY
    from fpconsole.fields_input import FieldSyntaxError, parse_assignments

    wrong = _check_modes(args)
    if wrong is not None:
        err.write(f"fpconsole call: {wrong}\n")
        return EXIT_INVALID_INPUT
    replaying: str | None = getattr(args, "from_journal", None)
    method: Any = None
    body: dict[str, Any] = {}
    if replaying is None:
        try:
            method = REGISTRY.resolve(args.method)
        except KeyError as exc:
            err.write(f"fpconsole call: {exc.args[0]}\n")
            return EXIT_INVALID_INPUT
        try:
            if getattr(args, "edit", False):
                edited = _edited_body(method, args, out, err, stdin or sys.stdin)
                if isinstance(edited, int):
                    return edited
                body = parse_assignments(args.fields, edited)
            else:
                body = parse_assignments(args.fields, _load_body(args.json_file, stdin or sys.stdin))
        except (FieldSyntaxError, BodyFileError) as exc:
            err.write(f"fpconsole call: {exc}\n")
            return EXIT_INVALID_INPUT
        except (OSError, ValueError) as exc:
            err.write(f"fpconsole call: --json: {exc}\n")
            return EXIT_INVALID_INPUT
    if not args.base_url and (args.auth_id or args.secret_env):
        # Silently using the profile (the embedded sandbox by default) instead would send the
        # request somewhere the user did not ask for.
        err.write(
            "fpconsole call: --auth-id and --secret-env go with --base-url; "
            "without --base-url the profile's own credentials are used\n"
        )
        return EXIT_INVALID_INPUT

    from fpconsole.session import SetupError, open_session

    try:
        session = open_session(
            profile_name=args.profile,
            base_url=args.base_url,
            auth_id=args.auth_id,
            secret_env=args.secret_env,
            alg=args.alg,
            read_timeout=args.timeout,
            journal=not args.curl,
            read_only=bool(getattr(args, "read_only", False)),
        )
    except SetupError as exc:
        err.write(f"fpconsole call: {exc}\n")
        return EXIT_INVALID_INPUT
    if replaying is not None:
        found = _replayed(session, replaying, list(args.fields), err)
        if isinstance(found, int):
            asyncio.run(session.aclose())
            return found
        method, body = found
    from fpconsole.api.advice import request_warnings

    for warning in request_warnings(body):  # said, never refused: the API decides (api/advice.py)
        err.write(f"fpconsole call: warning: {warning}\n")
    if session.read_only and method.changes_state:
        err.write(f"fpconsole call: {session.profile.read_only_reason}; {method.name} changes state\n")
        asyncio.run(session.aclose())
        return EXIT_INVALID_INPUT
    try:
        prepared = session.client.prepare(method, body)
    except errors.InvalidRequest as exc:
        asyncio.run(session.aclose())
        err.write(f"fpconsole call: invalid {method.name} request:\n")
        for problem in exc.errors:
            err.write(f"  {problem}\n")
        kept = getattr(args, "edited_file", None)
        if kept is not None:  # the text typed in the editor is kept for a second try
            args.edited_file = None
            err.write(
                f"fpconsole call: your text is kept in {kept} (0600); edit it again with: "
                f"fpconsole call {method.name} --edit --json {kept}\n"
            )
        return EXIT_INVALID_INPUT
    from fpconsole import production_guard as guard

    yes = bool(getattr(args, "yes", False) or args.curl)  # --curl sends nothing
    if guard.needs_confirmation(session, changes_state=method.changes_state, yes=yes):
        # After validation (a request that cannot be sent is not worth confirming), before
        # anything leaves; outside the event loop, so Ctrl+C at the question simply cancels.
        question = guard.Question(
            prog="fpconsole call",
            where=guard.production_where(session),
            change=f"{method.name} changes state",
            shown=guard.summary(prepared.redacted_body()),
            answer=method.name,
            answer_is="the method name",
        )
        refused = guard.confirm(question, stdin or sys.stdin, err, stdin_is_input=args.json_file == "-")
        if refused is not None:
            asyncio.run(session.aclose())
            return refused
    try:
        return asyncio.run(_stoppable(_call(session, prepared, args, out, err)))
    except KeyboardInterrupt:
        # _call has said what was sent; whatever it was, its outcome is not known here.
        return EXIT_TRANSPORT
    except _Terminated:
        return exit_for_signal(signal.SIGTERM)


class _Terminated(Exception):
    """SIGTERM (kill, systemd, a CI timeout) arrived while the call was running."""


async def _stoppable(call: Coroutine[Any, Any, int]) -> int:
    """The call, ended by SIGTERM as by Ctrl+C: cancelled, so it says what was sent and which
    request_id to poll (the default action printed only "Terminated")."""
    task = asyncio.ensure_future(call)
    loop = asyncio.get_running_loop()
    terminated = False

    def stop() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, stop)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests)
        return await task
    try:
        return await task
    except asyncio.CancelledError:
        if terminated:
            raise _Terminated from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def _call(
    session: Any,
    prepared: Any,
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
) -> int:
    from fpconsole.api import errors
    from fpconsole.api.curl import to_curl
    from fpconsole.api.redaction import redact, redact_json_text, scrub_text

    client = session.client
    method = prepared.method
    sent_id: str | None = None
    try:
        if args.curl:
            line = to_curl(prepared)
            if session.embedded:
                from fpconsole.session import SERVED_SANDBOX_BASE_URL, curl_for_served_sandbox

                err.write(
                    "# the embedded sandbox has no address: this line is for `fpconsole sandbox serve` "
                    f"({SERVED_SANDBOX_BASE_URL}, the same built-in partner)\n"
                )
                line = curl_for_served_sandbox(line)
            out.write(line + "\n")
            return EXIT_OK

        def show(raw: dict[str, Any]) -> None:
            shown = raw if args.reveal else redact(raw, method.response_secret_fields)
            out.write(json.dumps(shown, ensure_ascii=False, indent=2, default=str) + "\n")

        sent_id = prepared.request_id
        # A state change's request_id is said before it is sent, not after the answer: a wait
        # with no answer lasts up to the read timeout, and the id is what the operator needs to
        # look the request up meanwhile (Requests in the console, request/status).
        announced = bool(sent_id and method.changes_state)
        if announced:
            err.write(f"request_id: {sent_id}\n")
            err.flush()
        try:
            result = await answer_or_notice(
                client.call(method, prepared),
                lambda: _no_answer_yet(method, sent_id, client.options, wait=bool(args.wait)),
                err,
            )
        except errors.ApiError as exc:
            show(exc.response)
            err.write(f"fpconsole call: {scrub_text(exc.message)}\n")
            return EXIT_API_ERROR
        except errors.TransportError as exc:
            follows = bool(args.wait and exc.outcome_unknown and method.changes_state and exc.request_id)
            hint = (
                " (outcome unknown: poll request/status with the same request_id)"
                if exc.outcome_unknown and not follows
                else ""
            )
            # request_id first, as after an answer: it is what the operator needs to look the
            # request up, and it comes before anything that may be long (the body).
            if exc.request_id and not announced:
                err.write(f"request_id: {exc.request_id}\n")
            err.write(f"fpconsole call: {scrub_text(exc.message)}{hint}\n")
            if isinstance(exc, errors.BadResponse):
                # The raw answer is what a person needs to report it; redacted like any body.
                text = exc.body[:65536].decode("utf-8", "replace")
                shown = redact_json_text(text, method.response_secret_fields)
                err.write(f"body: {shown[:2000]}\n")
            if not follows or exc.request_id is None:
                return EXIT_TRANSPORT
            # --wait: the outcome is unknown, so ask request/status about the same request_id
            # until it is final (never resend), within the tracker's bounds.
            err.write(f"{method.name}: unknown; polling request/status\n")
            return await _follow(client, method, exc.request_id, "unknown", {}, show, err)
        if result.request_id and not announced:
            err.write(f"request_id: {result.request_id}\n")
        if not args.wait or not result.in_process or not result.request_id:
            show(result.raw)
            return _exit_for(result.request_status)
        err.write(f"{method.name}: process\n")
        return await _follow(client, method, result.request_id, "process", result.raw, show, err)
    except asyncio.CancelledError:  # Ctrl+C: asyncio.run cancels us, then raises KeyboardInterrupt
        if sent_id and method.changes_state:
            err.write(
                f"fpconsole call: interrupted; the outcome of {method.name} is unknown here: "
                f"poll request/status with request_id {sent_id}\n"
            )
        else:
            err.write("fpconsole call: interrupted\n")
        raise
    finally:
        await session.aclose()


async def answer_or_notice(call: Awaitable[Any], notice: Callable[[], str], err: TextIO) -> Any:
    """The call's result; if it takes longer than QUIET_AFTER, one line on stderr first says what
    happens next, so a terminal is never silent for the whole wait (QA 19; `sandbox` uses it too)."""
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait({task}, timeout=QUIET_AFTER)
        if not done:
            err.write(notice() + "\n")
            err.flush()
        return await task
    finally:
        task.cancel()  # a no-op once it is done; Ctrl+C or SIGTERM while waiting ends it too


def _no_answer_yet(method: Any, request_id: str | None, options: Any, *, wait: bool) -> str:
    """What the wait for an answer is bounded by and what follows it, in the words the console's
    form uses: the read timeout, then request/status about the same request_id, never a resend."""
    within = f"waiting up to {options.read_timeout:g} s (the read timeout)"
    if not method.changes_state:
        # A read changes nothing: it is simply asked again (the client's read retries).
        retries = f", then asked again up to {options.read_retries} times" if options.read_retries else ""
        return f"{method.name}: no answer yet; {within}{retries}. Ctrl+C stops waiting."
    if not request_id:
        return f"{method.name}: no answer yet; {within}, never resent. Ctrl+C stops waiting."
    if wait:
        return (
            f"{method.name}: no answer yet; {within}, then request/status with the same request_id "
            "until it is final — never resent. Ctrl+C stops waiting."
        )
    return (
        f"{method.name}: no answer yet; {within}, then one request/status with the same "
        "request_id — never resent. Ctrl+C stops waiting; the outcome is then told by "
        f"fpconsole call request/status request_id={request_id}"
    )


async def _follow(
    client: Any,
    method: Any,
    request_id: str,
    initial: str,
    raw: dict[str, Any],
    show: Callable[[dict[str, Any]], None],
    err: TextIO,
) -> int:
    """--wait: poll request/status until the request is final; print each change to stderr."""
    from fpconsole.api import errors
    from fpconsole.api.redaction import scrub_text
    from fpconsole.api.tracker import track_request

    final: dict[str, Any] = raw
    link_down = False  # one line when the link goes, one when it is back: not one per poll

    def poll_failed(exc: errors.TransportError) -> None:
        nonlocal link_down
        if not link_down:
            link_down = True
            err.write(
                f"{method.name}: cannot reach the server ({scrub_text(exc.message)}); still asking "
                f"request/status about {request_id} — Ctrl+C stops, the request is not resent\n"
            )

    def poll_recovered() -> None:
        nonlocal link_down
        link_down = False
        err.write(f"{method.name}: server reached again; still following {request_id}\n")

    try:
        async for status in track_request(
            client,
            request_id,
            method=method.name,
            initial=initial,
            policy=client.options.poll,
            on_poll_failed=poll_failed,
            on_poll_recovered=poll_recovered,
        ):
            final = status.model_dump(mode="json", exclude_none=True)
            detail = f" {status.error_code}: {status.error_description}" if status.error_code else ""
            err.write(f"{method.name}: {status.request_status}{scrub_text(detail)}\n")
    except errors.TrackingTimedOut as exc:
        err.write(f"fpconsole call: {scrub_text(exc.message)}\n")
        return EXIT_TRANSPORT
    except errors.ApiError as exc:  # request/status does not know the request_id
        show(exc.response)
        err.write(f"fpconsole call: {scrub_text(exc.message)}\n")
        return EXIT_API_ERROR
    show(final)
    return _exit_for(final.get("request_status"))


def _forget_edited(args: argparse.Namespace) -> None:
    """The --edit file may hold a PIN: gone once the call is over (kept only for a second try)."""
    path = getattr(args, "edited_file", None)
    if path is not None:
        path.unlink(missing_ok=True)
        args.edited_file = None


def _exit_for(request_status: str | None) -> int:
    return EXIT_API_ERROR if request_status == "error" else EXIT_OK
