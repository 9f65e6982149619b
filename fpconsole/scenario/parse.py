"""A scenario file read into a `Scenario`, every mistake said with file:line, the step and the
fix: TOML syntax, unknown keys, unknown methods or fields, references to a step that does not
exist or comes later. Everything is checked before anything is sent."""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

from fpconsole.api.methods import REGISTRY, Method
from fpconsole.config.toml import KeyLines
from fpconsole.scenario import refs
from fpconsole.scenario.model import OUTCOMES, SANDBOX_ACTIONS, Expect, Scenario, Step

MAX_BYTES: Final = 2 * 1024 * 1024
TOP_KEYS: Final = ("name", "description", "step")
STEP_KEYS: Final = ("name", "method", "sandbox", "fields", "expect", "wait", "note")
EXPECT_KEYS: Final = (
    "status",
    "error_code",
    "fields",
    "balance",
    "balance_card",
    "balance_currency",
    "within_ms",
    "min_ms",
)
_STEP_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_TOML_POSITION: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


class ScenarioError(ValueError):
    """One or more problems in a scenario file; str() has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load(path: Path) -> Scenario:
    """The scenario in `path`; ScenarioError (every problem found) otherwise."""
    shown = str(path)
    try:
        _refuse_special_file(path, shown)
        raw = path.read_bytes()[: MAX_BYTES + 1]
    except FileNotFoundError:
        raise ScenarioError(
            [f"{shown}: no such file — check the path (scenarios/ holds the examples)"]
        ) from None
    except IsADirectoryError:
        raise ScenarioError(
            [f"{shown}: is a folder — name the .toml files in it, e.g. {shown}/*.toml"]
        ) from None
    except OSError as exc:
        raise ScenarioError([f"{shown}: cannot be read ({exc.strerror or exc})"]) from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError([f"{shown}: is over {MAX_BYTES // 1024 // 1024} MB — not a scenario file"])
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError([f"{shown}:{line}: the file is not UTF-8 text — save it as UTF-8"]) from None
    return parse_text(text, path)


def _refuse_special_file(path: Path, shown: str) -> None:
    """Decided on stat alone, as config.toml is: opening a FIFO waits for a writer (the run
    would hang silently) and a device may never end. A folder is left to the read below."""
    import stat

    from fpconsole.config.secrets import describe_file_type

    mode = path.stat().st_mode
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise ScenarioError(
            [f"{shown}: is {describe_file_type(mode)}, not a regular file — name a scenario .toml file"]
        )


def parse_text(text: str, path: Path) -> Scenario:
    shown = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = int(found.group(1)) if found else max(1, len(text.splitlines()))
        problem = _TOML_POSITION.sub("", message)
        raise ScenarioError(
            [f"{shown}:{line}: invalid TOML: {problem} — strings need double quotes, tables [[step]]"]
        ) from None
    except RecursionError:
        raise ScenarioError([f"{shown}: invalid TOML: nested too deeply"]) from None
    return _Reader(shown, text, path).read(data)


class _Reader:
    def __init__(self, shown: str, text: str, path: Path) -> None:
        self.shown = shown
        self.path = path
        self.lines = KeyLines(text)
        self.step_lines = [
            number
            for number, line in enumerate(text.splitlines(), 1)
            if re.match(r"\s*\[\[\s*step\s*\]\]", line)
        ]
        self.text_lines = text.splitlines()
        self.problems: list[str] = []

    def say(self, line: int, message: str, step: str | None = None) -> None:
        where = f"{self.shown}:{line}"
        self.problems.append(f"{where}: step {step!r}: {message}" if step else f"{where}: {message}")

    def line_in_step(self, index: int, *keys: str) -> int:
        """The line of `keys` inside the index-th [[step]] (its header line when not found)."""
        start = self.step_lines[index] if index < len(self.step_lines) else 1
        end = self.step_lines[index + 1] if index + 1 < len(self.step_lines) else len(self.text_lines) + 1
        for key in reversed(keys):
            pattern = re.compile(
                rf"(^|[\s{{,.\"]){re.escape(key)}\"?\s*=|^\s*\[\s*step\.{re.escape(key)}\s*\]"
            )
            for number in range(start, end):
                if pattern.search(self.text_lines[number - 1]):
                    return number
        return start

    def read(self, data: dict[str, Any]) -> Scenario:
        for key in data:
            if key not in TOP_KEYS:
                self.say(
                    self.lines.line(key),
                    f"unknown key {key!r}{_close(key, TOP_KEYS)}; a scenario has "
                    "name, description and [[step]] tables",
                )
        name = data.get("name", self.path.stem)
        description = data.get("description", "")
        if not isinstance(name, str) or not isinstance(description, str):
            self.say(self.lines.line("name"), 'name and description are text: name = "Card lifecycle"')
            name, description = str(name), str(description)
        raw_steps = data.get("step")
        if raw_steps is None:
            self.say(1, 'no steps: add [[step]] tables, each with name = "..." and method = "..."')
            raise ScenarioError(self.problems)
        if not isinstance(raw_steps, list) or not all(isinstance(item, dict) for item in raw_steps):
            self.say(self.lines.line("step"), "write each step as a [[step]] table (double brackets)")
            raise ScenarioError(self.problems)
        steps: list[Step] = []
        later = {str(item.get("name")): index for index, item in enumerate(raw_steps)}
        self.earlier: list[str] = []
        for index, item in enumerate(raw_steps):
            step = self.step(index, item, steps, later)
            if step is not None:
                steps.append(step)
            # A step with a problem is still earlier for the ones after it (one message, not three).
            self.earlier.append(str(item.get("name")))
        if self.problems:
            raise ScenarioError(self.problems)
        return Scenario(self.path, name, description, tuple(steps))

    def step(
        self, index: int, item: dict[str, Any], before: list[Step], later: dict[str, int]
    ) -> Step | None:
        line = self.step_lines[index] if index < len(self.step_lines) else 1
        name = item.get("name")
        label = f"step {index + 1}"
        count = len(self.problems)
        if not isinstance(name, str) or not _STEP_NAME.fullmatch(name):
            self.say(
                line,
                f"{label} needs a name of letters, digits, _ or - starting with a letter, "
                'e.g. name = "issue" (later steps refer to its answer as ${issue.cards.0.card_id})',
            )
            name = label
        elif name in refs.RESERVED:
            self.say(line, f"{name!r} is reserved (${{{name}.…}}); call the step something else", name)
        elif any(step.name == name for step in before):
            first = next(step for step in before if step.name == name)
            self.say(
                line, f"the name is already used by the step on line {first.line}; names must differ", name
            )
        for key in item:
            if key not in STEP_KEYS:
                self.say(
                    self.line_in_step(index, key),
                    f"unknown key {key!r}{_close(key, STEP_KEYS)}; a step has " + ", ".join(STEP_KEYS),
                    name,
                )
        method_name, action = item.get("method"), item.get("sandbox")
        method: Method | None = None
        if (method_name is None) == (action is None):
            self.say(
                line,
                'give exactly one of method = "card.issue" (a Card API method) or sandbox = "top_up" '
                f"(a sandbox control: {', '.join(SANDBOX_ACTIONS)})",
                name,
            )
        elif method_name is not None:
            try:
                method = REGISTRY.resolve(str(method_name))
            except KeyError as exc:
                self.say(self.line_in_step(index, "method"), str(exc.args[0]), name)
        elif str(action) not in SANDBOX_ACTIONS:
            self.say(
                self.line_in_step(index, "sandbox"),
                f"unknown sandbox step {action!r}"
                f"{_close(str(action), tuple(SANDBOX_ACTIONS))}; one of {', '.join(SANDBOX_ACTIONS)}",
                name,
            )
        fields = item.get("fields", {})
        if not isinstance(fields, dict):
            self.say(
                self.line_in_step(index, "fields"),
                "fields is a table: [step.fields] then field = value lines",
                name,
            )
            fields = {}
        if method is not None:
            self.check_fields(index, name, method.request, fields, "", method.name)
        elif isinstance(action, str) and action in SANDBOX_ACTIONS:
            allowed = SANDBOX_ACTIONS[action]
            for key in fields:
                if key not in allowed.fields:
                    fix = f"it takes {', '.join(allowed.fields)}" if allowed.fields else "it takes no fields"
                    self.say(
                        self.line_in_step(index, key),
                        f"unknown field {key!r} for sandbox {action}; {fix}",
                        name,
                    )
            for key in allowed.required:
                if key not in fields:
                    self.say(line, f"sandbox {action} needs {key}: add it under [step.fields]", name)
        expect = self.expect(index, name, item.get("expect", {}))
        wait = item.get("wait", True)
        if not isinstance(wait, bool):
            self.say(self.line_in_step(index, "wait"), "wait is true or false", name)
            wait = True
        note = item.get("note", "")
        self.check_references(
            index, name, {"fields": fields, "expect": item.get("expect", {})}, before, later
        )
        if len(self.problems) != count or (method is None and action is None):
            return None
        return Step(
            name=name,
            line=line,
            method=method.name if method is not None else None,
            sandbox=None if method is not None else str(action),
            fields=fields,
            expect=expect,
            wait=wait,
            note=str(note),
        )

    def check_fields(
        self,
        index: int,
        step: str,
        model: type[BaseModel],
        fields: Mapping[str, Any],
        prefix: str,
        owner: str,
    ) -> None:
        known = {name: info for name, info in model.model_fields.items()}
        known.update({info.alias: info for info in model.model_fields.values() if info.alias})
        for key, value in fields.items():
            info = known.get(key)
            if info is None:
                close = _close(key, tuple(known))
                self.say(
                    self.line_in_step(index, key),
                    f"unknown field '{prefix}{key}' for {owner}{close} (fields: {', '.join(known)})",
                    step,
                )
                continue
            inner = _model_in(info.annotation)
            if inner is None:
                continue
            if isinstance(value, dict):
                self.check_fields(index, step, inner, value, f"{prefix}{key}.", owner)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        self.check_fields(index, step, inner, item, f"{prefix}{key}.", owner)

    def expect(self, index: int, step: str, raw: Any) -> Expect:
        if not isinstance(raw, dict):
            self.say(self.line_in_step(index, "expect"), "expect is a table: [step.expect]", step)
            return Expect()
        for key in raw:
            if key not in EXPECT_KEYS:
                self.say(
                    self.line_in_step(index, key),
                    f"unknown expect key {key!r}{_close(key, EXPECT_KEYS)}; "
                    "expect takes " + ", ".join(EXPECT_KEYS),
                    step,
                )
        error_code = raw.get("error_code")
        status = raw.get("status", "error" if error_code else "success")
        if status == "ok":
            status = "success"
        if status not in OUTCOMES:
            self.say(
                self.line_in_step(index, "status"),
                f"expect.status is one of {', '.join(OUTCOMES)}, not {status!r}",
                step,
            )
            status = "success"
        if error_code is not None and (status != "error" or not isinstance(error_code, str)):
            self.say(
                self.line_in_step(index, "error_code"),
                'error_code goes with status = "error" and is text, e.g. error_code = "card_closed"',
                step,
            )
        fields = raw.get("fields", {})
        if not isinstance(fields, dict):
            self.say(
                self.line_in_step(index, "fields"), 'expect.fields is a table: "card.status" = "active"', step
            )
            fields = {}
        timings: dict[str, float | None] = {}
        for key in ("within_ms", "min_ms"):
            value = raw.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
            ):
                self.say(
                    self.line_in_step(index, key),
                    f"{key} is a number of milliseconds, e.g. {key} = 2000",
                    step,
                )
                value = None
            timings[key] = float(value) if value is not None else None
        return Expect(
            status=status,
            error_code=error_code if isinstance(error_code, str) else None,
            fields=_flat(fields),
            balance=raw.get("balance"),
            balance_card=raw.get("balance_card"),
            balance_currency=raw.get("balance_currency"),
            within_ms=timings["within_ms"],
            min_ms=timings["min_ms"],
        )

    def check_references(
        self, index: int, step: str, values: Any, before: list[Step], later: dict[str, int]
    ) -> None:
        earlier = list(self.earlier)
        for reference in refs.references_in(values):
            line = self.line_of_text(index, "${" + reference + "}")
            problem = refs.syntax_problem(reference)
            if problem is not None:
                self.say(line, f"${{{reference}}} {problem}", step)
                continue
            head, _parts = refs.split(reference)
            if head in refs.RESERVED or head in earlier:
                continue
            if head == step:
                self.say(
                    line,
                    f"${{{reference}}} refers to this step's own answer; a step can use only "
                    "earlier steps' answers",
                    step,
                )
            elif head in later:
                self.say(
                    line,
                    f"${{{reference}}} refers to step {head!r}, which comes later; move that step "
                    "above this one, or refer to an earlier step",
                    step,
                )
            else:
                names = ", ".join(earlier) or "none"
                self.say(
                    line,
                    f"${{{reference}}}: there is no step {head!r}{_close(head, tuple(earlier))} "
                    f"(earlier steps: {names})",
                    step,
                )

    def line_of_text(self, index: int, needle: str) -> int:
        start = self.step_lines[index] if index < len(self.step_lines) else 1
        end = self.step_lines[index + 1] if index + 1 < len(self.step_lines) else len(self.text_lines) + 1
        for number in range(start, end):
            if needle in self.text_lines[number - 1]:
                return number
        return start


def _flat(fields: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """expect.fields written as nested tables ([step.expect.fields.card]) or dotted quoted keys
    ("card.status"), as one dotted map."""
    found: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, dict):
            found.update(_flat(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field's value is (a nested object, or a list of them), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _close(word: str, choices: tuple[str, ...]) -> str:
    found = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {found[0]!r}?)" if found else ""
