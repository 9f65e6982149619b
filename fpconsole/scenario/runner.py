"""Runs a scenario's steps in order on a session (embedded sandbox, served sandbox or a test
host), each with its request_id so a failure can be followed in the journal. Stops at the first
step that does not pass: later steps usually need its answer. Reports each step as it starts
and ends (`on_step`), which the CLI prints and the console's Scenarios screen shows live."""

from __future__ import annotations

import os
import secrets as secret_tokens
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fpconsole.api import errors
from fpconsole.api.methods import REGISTRY
from fpconsole.api.names import MethodName
from fpconsole.api.redaction import redact, scrub_text
from fpconsole.exit_codes import EXIT_API_ERROR, EXIT_INVALID_INPUT, EXIT_OK, EXIT_TRANSPORT
from fpconsole.scenario import checks, refs
from fpconsole.scenario.checks import Failure
from fpconsole.scenario.model import SANDBOX_ACTIONS, Scenario, Step

State = Literal["pending", "running", "pass", "fail", "error", "skip"]
LOCAL_REFUSAL = "validation_error"  # what the API answers for the same mistakes
# Worst first: the exit code of a run is its worst step's (as `call`'s codes).
_SEVERITY = (EXIT_TRANSPORT, EXIT_INVALID_INPUT, EXIT_API_ERROR)


@dataclass
class StepResult:
    step: Step
    state: State = "pending"
    status: str | None = None  # the final request_status (success / error / process / unknown)
    error_code: str | None = None
    request_id: str | None = None
    elapsed_ms: float | None = None
    failures: list[Failure] = field(default_factory=list)
    message: str = ""  # why it could not run, or was skipped
    exit_code: int = EXIT_OK
    answer: dict[str, Any] = field(default_factory=dict)  # redacted: safe to show

    @property
    def passed(self) -> bool:
        return self.state == "pass"

    def explanation(self) -> list[str]:
        """What went wrong, one line each (empty for a pass)."""
        lines = [f"{self.step.name}: {failure}" for failure in self.failures]
        if self.message:
            lines.append(f"{self.step.name}: {self.message}")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step.name,
            "line": self.step.line,
            "kind": self.step.kind,
            "result": self.state,
            "status": self.status,
            "error_code": self.error_code,
            "request_id": self.request_id,
            "elapsed_ms": round(self.elapsed_ms, 1) if self.elapsed_ms is not None else None,
            "failures": [failure.to_json() for failure in self.failures],
            "message": self.message,
        }


@dataclass
class ScenarioRun:
    scenario: Scenario
    results: list[StepResult]
    profile: str = ""

    @property
    def exit_code(self) -> int:
        return worst(result.exit_code for result in self.results)

    def count(self, state: State) -> int:
        return sum(1 for result in self.results if result.state == state)

    @property
    def elapsed_ms(self) -> float:
        return sum(result.elapsed_ms or 0.0 for result in self.results)


def worst(codes: Iterable[int]) -> int:
    found = set(codes)
    return next((code for code in _SEVERITY if code in found), EXIT_OK)


# --- before anything is sent ----------------------------------------------------------------


def refusals(scenario: Scenario, *, kind: str, profile: str, read_only: bool) -> list[str]:
    """Why `scenario` must not run on this profile (empty: it may). Checked for every file
    before the first request of any."""
    found = []
    for step in scenario.steps:
        where = f"{scenario.shown}:{step.line}: step {step.name!r}"
        if step.sandbox is not None and kind != "sandbox":
            found.append(
                f"{where} is sandbox-only (sandbox = {step.sandbox!r}) and profile {profile!r} is a {kind} "
                "profile: run it with a sandbox profile (--profile sandbox, or the --base-url of "
                "`fpconsole sandbox serve`), or take the step out"
            )
        changes = _changes_state(step)
        if changes and kind == "production":
            found.append(
                f"{where} changes state ({step.kind}) and profile {profile!r} is production: scenarios "
                "run on a sandbox or test profile only"
            )
        elif changes and read_only:
            found.append(f"{where} changes state ({step.kind}) and profile {profile!r} is read-only")
    return found


def _changes_state(step: Step) -> bool:
    if step.method is not None:
        return REGISTRY.resolve(step.method).changes_state
    return SANDBOX_ACTIONS[str(step.sandbox)].changes_state


def secrets_needed(scenario: Scenario) -> list[str]:
    names: list[str] = []
    for step in scenario.steps:
        for reference in refs.references_in([step.fields, step.expect.fields]):
            head, parts = refs.split(reference)
            if head == refs.SECRET and parts[0] not in names:
                names.append(parts[0])
    return names


def secret_env(name: str) -> str:
    return refs.SECRET_ENV_PREFIX + "".join(ch if ch.isalnum() else "_" for ch in name).upper()


def gather_secrets(
    names: list[str], ask: Callable[[str], str] | None, *, environ: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """(values, problems): each from its environment variable, else asked (never echoed)."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    problems: list[str] = []
    for name in names:
        value = env.get(secret_env(name), "")
        if not value and ask is not None:
            value = ask(name)
        if not value:
            problems.append(
                f"${{secret.{name}}} is needed and never written in a scenario file: run on a terminal "
                f"to be asked, or export {secret_env(name)}=…"
            )
        values[name] = value
    return values, problems


# --- running --------------------------------------------------------------------------------


async def run_scenario(
    session: Any,
    scenario: Scenario,
    *,
    secrets: Mapping[str, str] | None = None,
    on_step: Callable[[StepResult], None] | None = None,
) -> ScenarioRun:
    """Every step in order; after one that does not pass, the rest are skipped."""
    results = [StepResult(step) for step in scenario.steps]
    run = ScenarioRun(scenario, results, getattr(session, "profile_name", ""))
    context: dict[str, Any] = {
        refs.RUN: {"id": secret_tokens.token_hex(4)},
        refs.SECRET: dict(secrets or {}),
    }
    notify = on_step or (lambda _result: None)
    stopped: StepResult | None = None
    for result in results:
        if stopped is not None:
            result.state = "skip"
            result.message = f"not run: step {stopped.step.name!r} did not pass"
            notify(result)
            continue
        result.state = "running"
        notify(result)
        answer = await _run_step(session.client, result, context)
        if answer is not None:
            context[result.step.name] = answer
        notify(result)
        if not result.passed:
            stopped = result
    return run


async def _run_step(client: Any, result: StepResult, context: dict[str, Any]) -> dict[str, Any] | None:
    """Runs one step, fills `result`; the raw answer (for later references), or None."""
    step = result.step
    try:
        body = refs.resolve(step.fields, context)
        expected = refs.resolve(step.expect.fields, context)
        balance_card = refs.resolve(step.expect.balance_card, context)
        balance = refs.resolve(step.expect.balance, context)
    except refs.ReferenceError_ as exc:
        return _error(result, EXIT_INVALID_INPUT, f"{exc} — fix the reference (the step was not sent)")
    started = client.monotonic()
    try:
        if step.method is not None:
            answer = await _call(client, step, body, result)
        else:
            answer = await _control(client, step, body, result)
    except _StepError as exc:
        result.elapsed_ms = (client.monotonic() - started) * 1000
        return _error(result, exc.code, exc.message)
    result.elapsed_ms = (client.monotonic() - started) * 1000
    secret_paths = REGISTRY.resolve(step.method).response_secret_fields if step.method else frozenset()
    result.answer = redact(answer, secret_paths)
    result.failures = _outcome_failures(step, result)
    if not result.failures:  # another outcome has other fields: their absence is no news
        # Against the redacted answer: a failure message never shows a PAN or CVV it revealed.
        result.failures += checks.field_failures(expected, result.answer)
    if step.expect.within_ms is not None and result.elapsed_ms > step.expect.within_ms:
        result.failures.append(
            Failure("time", f"≤ {step.expect.within_ms:g} ms", f"{result.elapsed_ms:.0f} ms")
        )
    if step.expect.min_ms is not None and result.elapsed_ms < step.expect.min_ms:
        result.failures.append(Failure("time", f"≥ {step.expect.min_ms:g} ms", f"{result.elapsed_ms:.0f} ms"))
    if balance is not None:
        await _check_balance(client, step, body, balance_card, balance, result)
    if result.state != "error":
        result.state = "fail" if result.failures else "pass"
        result.exit_code = EXIT_API_ERROR if result.failures else EXIT_OK
    return answer


def _outcome_failures(step: Step, result: StepResult) -> list[Failure]:
    wanted = step.expect
    found: list[Failure] = []
    if result.status != wanted.status:
        detail = (
            f"{result.error_code}: {result.answer.get('error_description', '')}" if result.error_code else ""
        )
        found.append(Failure("status", wanted.status, result.status, scrub_text(str(detail)).strip(": ")))
    elif wanted.error_code is not None and result.error_code != wanted.error_code:
        found.append(Failure("error_code", wanted.error_code, result.error_code))
    return found


class _StepError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _error(result: StepResult, code: int, message: str) -> dict[str, Any] | None:
    """Marks the step as not run to the end; None: no answer for later steps."""
    result.state = "error"
    result.exit_code = code
    result.message = message
    return None


async def _call(client: Any, step: Step, body: dict[str, Any], result: StepResult) -> dict[str, Any]:
    method = REGISTRY.resolve(str(step.method))
    try:
        prepared = client.prepare(method, body)
    except errors.InvalidRequest as exc:
        problems = "; ".join(str(problem) for problem in exc.errors)
        if step.expect.status != "error":
            raise _StepError(
                EXIT_INVALID_INPUT, f"invalid {method.name} request, not sent: {problems}"
            ) from None
        # The step means to be refused: fpconsole's own check refuses it as the API would
        # (validation_error, each field named), and nothing is sent.
        result.status, result.error_code = "error", LOCAL_REFUSAL
        return {
            "status": "error",
            "request_status": "error",
            "error_code": LOCAL_REFUSAL,
            "error_description": f"refused before sending: {problems}",
            "errors": [{"field": problem.field, "message": problem.message} for problem in exc.errors],
        }
    result.request_id = prepared.request_id
    first: dict[str, Any] = {}
    try:
        answered = await client.call(method, prepared)
        first = dict(answered.raw)
        result.status = answered.request_status
        final = first
        if step.wait and answered.in_process and answered.request_id:
            final = await _follow(client, method.name, answered.request_id, "process")
    except errors.ApiError as exc:
        final = dict(exc.response or {})
        result.status = "error"
    except errors.TransportError as exc:
        if not (step.wait and exc.outcome_unknown and method.changes_state and exc.request_id):
            raise _StepError(EXIT_TRANSPORT, scrub_text(exc.message)) from None
        final = await _follow(client, method.name, exc.request_id, "unknown")
    answer = {**first, **final}
    answer.setdefault("request_id", result.request_id)
    result.status = str(answer.get("request_status") or result.status or "unknown")
    if answer.get("status") == "error":
        result.status = "error"
    result.error_code = answer.get("error_code")
    return answer


async def _follow(client: Any, method: str, request_id: str, initial: str) -> dict[str, Any]:
    final: dict[str, Any] = {}
    try:
        async for status in client.track(request_id, method=method, initial=initial):
            final = status.model_dump(mode="json", exclude_none=True)
    except errors.TrackingTimedOut as exc:
        raise _StepError(EXIT_TRANSPORT, scrub_text(exc.message)) from None
    except errors.ApiError as exc:  # request/status does not know the request
        raise _StepError(EXIT_TRANSPORT, scrub_text(exc.message)) from None
    return final


async def _control(client: Any, step: Step, body: dict[str, Any], result: StepResult) -> dict[str, Any]:
    from fpconsole.api.sandbox_control import parse_duration

    action = SANDBOX_ACTIONS[str(step.sandbox)]
    if action.new_request_id:
        body = {"request_id": str(uuid.uuid4()), **body}
        result.request_id = body["request_id"]
    if action.name == "advance_clock" and isinstance(body.get("seconds"), str):
        try:
            body["seconds"] = int(parse_duration(body["seconds"], field_name="seconds"))
        except ValueError as exc:
            raise _StepError(EXIT_INVALID_INPUT, f"seconds: {exc}") from None
    if "amount" in body and isinstance(body["amount"], (int, float)):
        body["amount"] = str(body["amount"])
    try:
        answer = await client.post_control(action.path, body)
    except errors.HttpStatusError as exc:
        if exc.status_code in (404, 405):
            raise _StepError(
                EXIT_INVALID_INPUT,
                f"{client.base_url} has no {action.path}: not a sandbox, or an older fpconsole's "
                "(restart `fpconsole sandbox serve` with this version)",
            ) from None
        raise _StepError(EXIT_TRANSPORT, scrub_text(exc.message)) from None
    except errors.ApiError as exc:
        answer = dict(exc.response or {})
    except errors.TransportError as exc:
        raise _StepError(EXIT_TRANSPORT, scrub_text(exc.message)) from None
    answer = dict(answer)
    result.status = "error" if answer.get("status") == "error" else "success"
    result.error_code = answer.get("error_code")
    return answer


async def _check_balance(
    client: Any, step: Step, body: Mapping[str, Any], card: Any, wanted: Any, result: StepResult
) -> None:
    card_id = card if card is not None else body.get("card_id")
    if card_id is None:
        _error(
            result,
            EXIT_INVALID_INPUT,
            'expect.balance needs a card: add expect.balance_card = "${issue.cards.0.card_id}"',
        )
        return
    try:
        # The runner's own check, not a step: kept out of the journal (a recording of this run
        # would otherwise get a step nobody wrote).
        answered = await client.call(
            REGISTRY.resolve(MethodName.CARD_BALANCE), {"card_id": str(card_id)}, emit=False
        )
    except errors.ApiError as exc:
        result.failures.append(Failure("balance", wanted, f"no balance ({exc.error_code}: {exc.message})"))
        return
    except errors.CardApiError as exc:
        _error(result, EXIT_TRANSPORT, f"balance after the step: {scrub_text(exc.message)}")
        return
    got = checks.amount_of(answered.raw, step.expect.balance_currency)
    if got is checks.MISSING or not checks.same(wanted, got):
        result.failures.append(Failure("balance", wanted, got, f"card {card_id}, available"))
