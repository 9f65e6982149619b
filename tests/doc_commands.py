"""The shell commands shown in README.md and docs/*.md, and the output the docs show for them.

What counts as a command (what a reader would copy into a shell):
- in a fenced block (```console, ```sh, ```shell, ```bash or no language) or an indented block:
  a line starting with `$ ` (console style: a transcript, every command of it runs, and the
  lines under one, up to the next `$ `, are its output), or, in a block without any `$ `, a line
  starting with `fpconsole ` (or `NAME=value fpconsole `) or `export `;
- a line ending in `\\` continues on the next one.
Blocks in other languages (python, toml, json, ...) are not commands. Inline `code` in prose
is not either: it is often a fragment (`--profile NAME`), not something to run.

`$ echo $?` right after a command shows that command's exit status (the usual way to show a
failure in a doc); its output is taken as the expected status.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SHELL_LANGUAGES = frozenset({"", "console", "sh", "shell", "bash", "shell-session"})
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
_EXPORT = re.compile(r"^export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")

# Values that differ on every run: matched by shape only.
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?"
# Ids the sandbox hands out: a doc shows one, the run gets its own, and later commands of the
# same doc that name the doc's id are given the run's (so a flow shown in a doc really chains).
ID_PATTERNS = (r"CL-\d+", r"\b7\d{6}\b")
_VOLATILE = re.compile(f"({UUID})|({DATETIME})|({'|'.join(ID_PATTERNS)})")


@dataclass
class DocCommand:
    doc: str  # path relative to the repository
    line: int  # where the command starts (1-based)
    text: str  # as shown, without `$ `; continuation lines joined by "\\\n" as in the doc
    output: list[str] = field(default_factory=list)  # what the doc shows under it
    expected_exit: int | None = None  # from a following `$ echo $?`
    console: bool = False  # a `$ ` line of a transcript (run whatever it is), not a listing line

    @property
    def words(self) -> str:
        """The command on one line, whitespace collapsed (the allow-lists' key)."""
        return " ".join(self.text.replace("\\\n", " ").split())

    @property
    def program(self) -> str:
        """The program run, after any leading `NAME=value` assignments."""
        words = self.words.split(" ")
        while words and _ASSIGNMENT.match(words[0]):
            words.pop(0)
        return words[0] if words else ""

    @property
    def runs_fpconsole(self) -> bool:
        return self.program == "fpconsole"

    @property
    def export(self) -> tuple[str, str] | None:
        found = _EXPORT.match(self.words)
        if not found:
            return None
        value = found.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        return found.group(1), value

    @property
    def unset(self) -> list[str]:
        words = self.words.split(" ")
        return words[1:] if words[0] == "unset" and len(words) > 1 else []

    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of every shell-like block, fenced or indented."""
    blocks: list[tuple[int, list[str]]] = []
    index = 0
    previous_blank = True
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence:
            indent, marker, language = fence.groups()
            body: list[str] = []
            start = index + 1
            index += 1
            while index < len(lines) and not lines[index].strip().startswith(marker):
                body.append(lines[index][len(indent) :] if lines[index].startswith(indent) else lines[index])
                index += 1
            if language.lower() in SHELL_LANGUAGES:
                blocks.append((start + 1, body))
            index += 1
            previous_blank = False
            continue
        if previous_blank and line.startswith("    ") and line.strip():
            start = index
            body = []
            while index < len(lines) and (lines[index].startswith("    ") or not lines[index].strip()):
                body.append(lines[index][4:])
                index += 1
            while body and not body[-1].strip():
                body.pop()
            blocks.append((start + 1, body))
            previous_blank = False
            continue
        previous_blank = not line.strip()
        index += 1
    return blocks


def _runs_fpconsole_after_assignments(line: str) -> bool:
    words = line.split()
    while words and _ASSIGNMENT.match(words[0]):
        words.pop(0)
    return bool(words) and words[0] == "fpconsole" and words != line.split()


def _join_continued(body: list[str], first: int) -> tuple[str, int]:
    """The command starting at body[first], with its `\\` continuation lines; and the next index."""
    parts = [body[first]]
    index = first
    while parts[-1].rstrip().endswith("\\") and index + 1 < len(body):
        index += 1
        parts.append(body[index])
    return "\n".join(part.rstrip() for part in parts), index + 1


def extract(path: Path, root: Path) -> list[DocCommand]:
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = str(path.relative_to(root))
    commands: list[DocCommand] = []
    for start, body in _blocks(lines):
        console = any(line.startswith("$ ") for line in body)
        index = 0
        while index < len(body):
            line = body[index]
            if console and line.startswith("$ "):
                text, index_after = _join_continued([line[2:], *body[index + 1 :]], 0)
                index = index + index_after
                command = DocCommand(doc, start + index - index_after, text, console=True)
                while index < len(body) and not body[index].startswith("$ "):
                    command.output.append(body[index])
                    index += 1
                while command.output and not command.output[-1].strip():
                    command.output.pop()
                if command.words == "echo $?" and commands and command.output:
                    commands[-1].expected_exit = int(command.output[0].strip())
                    continue
                commands.append(command)
                continue
            if not console and (
                line.startswith(("fpconsole ", "export ")) or _runs_fpconsole_after_assignments(line)
            ):
                text, index_after = _join_continued(body, index)
                commands.append(DocCommand(doc, start + index, text))
                index = index_after
                continue
            index += 1
    return commands


# --- what the doc shows against what the command printed ------------------------------------


def _json_skeleton(lines: list[str]) -> Any:
    """A JSON document as a doc shows it, `...` lines standing for whatever was left out."""
    kept = [line for line in lines if line.strip() not in ("...", "…")]
    text = re.sub(r",(\s*[}\]])", r"\1", "\n".join(kept))
    return json.loads(text)


def _shape_regex(line: str) -> tuple[re.Pattern[str], list[str]]:
    """A doc line as a pattern: spaces flexible, `...` anything, uuids/dates/ids by shape. The
    ids the doc shows are returned in order, to be paired with what the run printed."""
    pattern: list[str] = []
    ids: list[str] = []
    text = " ".join(line.split())
    position = 0
    for found in _VOLATILE.finditer(text):
        pattern.append(_literal(text[position : found.start()]))
        if found.group(1):
            pattern.append(UUID)
        elif found.group(2):
            pattern.append(DATETIME)
        else:
            ids.append(found.group(3))
            pattern.append(f"({'|'.join(ID_PATTERNS)})")
        position = found.end()
    pattern.append(_literal(text[position:]))
    return re.compile("".join(pattern)), ids


def _literal(text: str) -> str:
    pieces = re.split(r"\.\.\.|…", text)
    return ".*?".join(re.escape(piece).replace(r"\ ", r"\s+") for piece in pieces)


@dataclass
class Comparison:
    problems: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # the doc's id -> the run's


def _compare_json(shown: Any, got: Any, where: str, result: Comparison) -> None:
    if isinstance(shown, dict):
        if not isinstance(got, dict):
            result.problems.append(
                f"{where or 'the answer'}: the doc shows an object, the command printed {got!r}"
            )
            return
        for key, value in shown.items():
            if key not in got:
                result.problems.append(f"{where}{key}: shown in the doc, not printed")
                continue
            _compare_json(value, got[key], f"{where}{key}.", result)
        return
    if isinstance(shown, list):
        if not isinstance(got, list) or (not shown and got) or len(got) < len(shown):
            result.problems.append(
                f"{where.rstrip('.')}: the doc shows {shown!r}, the command printed {got!r}"
            )
            return
        for index, item in enumerate(shown):
            _compare_json(item, got[index], f"{where}{index}.", result)
        return
    if isinstance(shown, str) and _VOLATILE.fullmatch(shown):
        pattern, ids = _shape_regex(shown)
        matched = pattern.fullmatch(str(got))
        if not matched:
            result.problems.append(
                f"{where.rstrip('.')}: the doc shows {shown!r}, the command printed {got!r}"
            )
        elif ids:
            result.ids[ids[0]] = matched.group(1)
        return
    if shown != got:
        result.problems.append(f"{where.rstrip('.')}: the doc shows {shown!r}, the command printed {got!r}")


def compare(shown: list[str], stdout: str, stderr: str) -> Comparison:
    """Every line the doc shows must appear, in order, in what the command printed (stdout and
    stderr each keep their order; a terminal interleaves them). A JSON document the doc shows is
    compared by structure: its keys must be there with the values shown (ids and times by shape)."""
    result = Comparison()
    streams = {"stdout": stdout.splitlines(), "stderr": stderr.splitlines()}
    cursor = {"stdout": 0, "stderr": 0}
    index = 0
    while index < len(shown):
        line = shown[index]
        if not line.strip() or line.strip() in ("...", "…"):
            index += 1
            continue
        if line.rstrip() in ("{", "["):
            closing = "}" if line.rstrip() == "{" else "]"
            end = next((i for i in range(index + 1, len(shown)) if shown[i].rstrip() == closing), None)
            if end is not None:
                _compare_json_block(shown[index : end + 1], stdout, result)
                index = end + 1
                continue
        pattern, ids = _shape_regex(line)
        for name in ("stdout", "stderr"):
            lines = streams[name]
            hit = next(
                (i for i in range(cursor[name], len(lines)) if pattern.fullmatch(" ".join(lines[i].split()))),
                None,
            )
            if hit is not None:
                cursor[name] = hit + 1
                matched = pattern.fullmatch(" ".join(lines[hit].split()))
                assert matched is not None
                result.ids.update(zip(ids, matched.groups(), strict=True))
                break
        else:
            result.problems.append(f"not printed: {line.strip()!r}")
        index += 1
    return result


def _compare_json_block(block: list[str], stdout: str, result: Comparison) -> None:
    try:
        skeleton = _json_skeleton(block)
    except ValueError as exc:
        result.problems.append(f"the doc's JSON does not parse ({exc}): {' '.join(block)[:120]}")
        return
    try:
        got = json.loads(stdout)
    except ValueError:
        result.problems.append(f"the doc shows a JSON document; stdout is not one: {stdout[:200]!r}")
        return
    _compare_json(skeleton, got, "", result)


def substitute(text: str, ids: dict[str, str]) -> str:
    """The doc's ids replaced by the ones this run got, whole tokens only."""
    for shown, got in ids.items():
        text = re.sub(rf"(?<![\w-]){re.escape(shown)}(?![\w-])", got, text)
    return text
