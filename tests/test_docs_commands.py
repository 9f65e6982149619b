"""Every command shown in README.md and docs/*.md runs, as shown, against the embedded sandbox,
and prints what the doc shows (tests/doc_commands.py says what counts as a command and how
output is compared).

Every `$ ` line of a console transcript runs (its `export`, `chmod` or `curl` belong to the
flow); in other blocks, the `fpconsole` and `export` lines. Each doc runs top to bottom in its own
world: a fresh FPCONSOLE_HOME, a working folder holding a copy of samples/ (and
samples/clients.csv as clients.csv, the file the docs' examples name), and a config.toml in which
the profiles the docs name (`qa`, `test`) are the embedded sandbox under those names. Commands run
in bash with `set -o pipefail`, so `fpconsole ... | jq` fails when fpconsole does. Ids a doc shows
in an answer are mapped to the ones this run got, so a flow (add a client, issue it a card, read
the card) chains as it would for a reader.

`fpconsole sandbox serve` starts in the background on a free port (the docs' 8642 is rewritten in
every command of that doc), is checked against the banner the doc shows, serves the commands that
follow, and is stopped with Ctrl+C (SIGINT) at the end, which must exit 0 as the docs say.

What cannot run here is in NOT_RUN, each with its reason; keep it short.
"""

from __future__ import annotations

import os
import queue
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from doc_commands import DocCommand, compare, extract, substitute

from fpconsole.sandbox.serve import DEFAULT_PORT

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
WAIT = 90.0  # seconds: generous, only a failing test ever waits this long

# Commands that cannot run offline, by the words of the command (whitespace collapsed).
NOT_RUN: dict[str, str] = {}

STAND_IN_CONFIG = """\
# Stand-ins for the profiles the docs name: the embedded sandbox, under those names.
[profiles.qa]
kind = "sandbox"

[profiles.test]
kind = "sandbox"
"""

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _jq_shim() -> str:
    """A stand-in for jq where it is not installed: `jq [-r] [-c] FILTER` with FILTER a path
    (`.card.status`, `.cards[0].card_id`), enough for the docs' examples."""
    return f"""#!{sys.executable}
import json, re, sys
args = [a for a in sys.argv[1:] if not a.startswith("-")]
raw = "-r" in sys.argv[1:]
compact = "-c" in sys.argv[1:]
value = json.load(sys.stdin)
for part in re.findall(r"\\.([A-Za-z_][A-Za-z0-9_]*)|\\[(\\d+)\\]", args[0] if args else "."):
    value = (value.get(part[0]) if isinstance(value, dict) else None) if part[0] else (
        value[int(part[1])] if isinstance(value, list) and int(part[1]) < len(value) else None)
if raw and isinstance(value, str):
    print(value)
else:
    print(json.dumps(value, ensure_ascii=False, indent=None if compact else 2))
"""


@dataclass
class World:
    home: Path
    cwd: Path
    env: dict[str, str]
    port: int
    server: subprocess.Popen[str] | None = None
    server_lines: queue.Queue[tuple[str, str]] = field(default_factory=queue.Queue)
    ids: dict[str, str] = field(default_factory=dict)

    def adapt(self, text: str) -> str:
        """The doc's words for this run: its ids mapped, the served sandbox's port the free one."""
        return (
            substitute(text, self.ids)
            .replace(f":{DEFAULT_PORT}", f":{self.port}")
            .replace(f"--port {DEFAULT_PORT}", f"--port {self.port}")
        )


@pytest.fixture
def world(tmp_path: Path, isolated_home: Path) -> Iterator[World]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # `fpconsole` is this interpreter's, whatever else is on PATH.
    shim = bin_dir / "fpconsole"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m fpconsole "$@"\n')
    shim.chmod(0o755)
    if shutil.which("jq") is None:
        jq = bin_dir / "jq"
        jq.write_text(_jq_shim())
        jq.chmod(0o755)
    (isolated_home / "config").mkdir(exist_ok=True)
    (isolated_home / "config" / "config.toml").write_text(STAND_IN_CONFIG)
    cwd = tmp_path / "work"
    shutil.copytree(ROOT / "samples", cwd / "samples")
    shutil.copy(ROOT / "samples" / "clients.csv", cwd / "clients.csv")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "FPCONSOLE_HOME": str(isolated_home),
        "FPCONSOLE_SANDBOX_DELAY": "0",
    }
    found = World(isolated_home, cwd, env, free_port())
    yield found
    stop_server(found)


def stop_server(world: World) -> int | None:
    server, world.server = world.server, None
    if server is None:
        return None
    if server.poll() is None:
        # Ctrl+C, as the docs say to stop it; to its process group, as a terminal sends it (the
        # command may be `NAME=value fpconsole ...`, a shell around the server).
        os.killpg(server.pid, signal.SIGINT)
    try:
        return server.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        return None


def _pump(stream: object, name: str, lines: queue.Queue[tuple[str, str]]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put((name, line))


def start_server(world: World, command: DocCommand, text: str) -> list[str]:
    """`sandbox serve` in the background; returns the problems (empty when it serves as shown)."""
    # One at a time, as a reader presses Ctrl+C before starting the next.
    if world.server is not None and (code := stop_server(world)) != 0:
        return [f"{command.where()}: the sandbox started before did not end with 0 after Ctrl+C (got {code})"]
    if "--port" not in text:
        text += f" --port {world.port}"
    world.server_lines = queue.Queue()
    server = subprocess.Popen(
        ["bash", "-c", text],
        cwd=world.cwd,
        env=world.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    world.server = server
    for stream, name in ((server.stdout, "stdout"), (server.stderr, "stderr")):
        threading.Thread(target=_pump, args=(stream, name, world.server_lines), daemon=True).start()
    out: list[str] = []
    err: list[str] = []
    expected = [world.adapt(line) for line in command.output]
    deadline = time.monotonic() + WAIT
    missing: list[str] = []
    while time.monotonic() < deadline:
        try:
            name, line = world.server_lines.get(timeout=0.2)
            (out if name == "stdout" else err).append(line)
        except queue.Empty:
            pass
        if server.poll() is not None:  # it ended: a refusal the doc may show on purpose
            server.wait()
            while not world.server_lines.empty():
                name, line = world.server_lines.get()
                (out if name == "stdout" else err).append(line)
            world.server = None
            return check(command, server.returncode, "".join(out), "".join(err), world)
        missing = compare(expected, "".join(out), "".join(err)).problems
        if not missing and _answers(world.port):
            return []
    why = "; ".join(missing) or f"nothing answered on port {world.port}"
    return [f"{command.where()}: `{text}` did not serve as shown within {WAIT:.0f} s ({why}): {out + err}"]


def _answers(port: int) -> bool:
    """Serving: its documented OpenAPI route answers (an open port alone can come before the app
    is up, and a Ctrl+C then would stop a process still starting)."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def check(command: DocCommand, code: int, out: str, err: str, world: World) -> list[str]:
    expected_exit = command.expected_exit or 0
    problems = []
    if code != expected_exit:
        problems.append(f"exit status {code}, the doc expects {expected_exit}")
    shown = compare([world.adapt(line) for line in command.output], out, err)
    problems += shown.problems
    world.ids.update({doc_id: got for doc_id, got in shown.ids.items() if doc_id != got})
    if not problems:
        return []
    return [
        f"{command.where()}: `{command.words}`\n    "
        + "\n    ".join(problems)
        + f"\n    stdout: {out[-800:]!r}\n    stderr: {err[-800:]!r}"
    ]


def run_doc(doc: Path, world: World) -> tuple[list[str], list[str]]:
    """(problems, commands run) for one doc, top to bottom."""
    problems: list[str] = []
    ran: list[str] = []
    for command in extract(doc, ROOT):
        exported = command.export
        if exported:
            world.env[exported[0]] = exported[1]
            continue
        if command.unset:
            for name in command.unset:
                world.env.pop(name, None)
            continue
        if not (command.runs_fpconsole or command.console) or command.words in NOT_RUN:
            continue
        text = world.adapt(command.text)
        missing = [tool for tool in _tools(text) if shutil.which(tool, path=world.env["PATH"]) is None]
        if missing:
            # Not the doc's fault on this machine; the rest of the doc still runs.
            ran.append(f"{command.where()}: not run, {', '.join(missing)} not installed")
            continue
        ran.append(command.where())
        if command.runs_fpconsole and _serves(text):
            problems += start_server(world, command, text)
            continue
        done = subprocess.run(
            ["bash", "-c", f"set -o pipefail\n{text}"],
            cwd=world.cwd,
            env=world.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        problems += check(command, done.returncode, done.stdout, done.stderr, world)
    if world.server is not None:
        code = stop_server(world)
        if code != 0:
            problems.append(f"{doc.name}: sandbox serve did not end with 0 after Ctrl+C (got {code})")
    return problems, ran


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text.replace("\\\n", " "), comments=True)
    except ValueError:
        return text.split()


def _serves(text: str) -> bool:
    words = [word for word in _words(text) if "=" not in word or word.startswith("-")]
    return words[1:3] == ["sandbox", "serve"]


def _tools(text: str) -> list[str]:
    """The programs a pipeline's later stages run (`| jq ...`, `| sh`)."""
    words = _words(text)
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word == "|"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_command_in_the_doc_runs_as_shown(doc: Path, world: World) -> None:
    problems, ran = run_doc(doc, world)
    assert not problems, "\n".join(problems)
    print(f"{doc.name}: ran {len(ran)}: {ran}")


def test_the_docs_have_commands_to_run() -> None:
    # A broken extractor would make every doc "pass" by running nothing.
    found = {doc.name: [c for c in extract(doc, ROOT) if c.runs_fpconsole] for doc in DOCS}
    assert len(found["README.md"]) >= 3
    assert found["sandbox.md"] and found["local-state.md"] and found["bulk.md"]


def test_the_allow_list_names_only_commands_the_docs_show() -> None:
    shown = {c.words for doc in DOCS for c in extract(doc, ROOT)}
    assert set(NOT_RUN) <= shown, set(NOT_RUN) - shown


def test_loopback_urls_in_the_docs_use_the_port_serve_listens_on() -> None:
    # A profile copied from the docs must reach `fpconsole sandbox serve` started with no flags.
    import re

    found = [
        (doc.name, number + 1, int(match.group(1)))
        for doc in DOCS
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines())
        for match in re.finditer(r"(?:127\.0\.0\.1|localhost):(\d+)", line)
    ]
    assert found
    assert [where for where in found if where[2] != DEFAULT_PORT] == []


def test_the_readme_key_table_names_every_console_key() -> None:
    import re

    from fpconsole.tui.app import FpConsoleApp

    table = [
        line.split("|")[1]
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    ]
    listed = {key.lower() for cell in table for key in re.findall(r"`([^`]+)`", cell)}
    names = {"question_mark": "?", "colon": ":"}
    keys = {
        names.get(key.strip(), key.strip())
        for binding in FpConsoleApp.BINDINGS
        for key in binding.key.split(",")  # type: ignore[union-attr]
    }
    assert keys - listed == set()


# --- the extractor and the comparison themselves ------------------------------------------------

SAMPLE = """\
Intro with `fpconsole inline` that is not run.

```console
$ fpconsole call client/add a=1 \\
    b=2 --wait
request_id: 3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10
{
  "status": "ok",
  "client_id": "CL-100041",
  ...
}
$ fpconsole call card.info card_id=7001234
$ echo $?
1
```

```python
fpconsole_not_a_command()
```

```
fpconsole locate
```

    fpconsole journal   # indented block

```sh
python3 -m venv .venv
export FP_SECRET='abc'
FP_SECRET=abc fpconsole locate
```
"""


def test_extract_finds_console_sh_and_indented_commands(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(SAMPLE)
    commands = extract(doc, tmp_path)
    assert [(c.line, c.words) for c in commands] == [
        (4, "fpconsole call client/add a=1 b=2 --wait"),
        (12, "fpconsole call card.info card_id=7001234"),
        (22, "fpconsole locate"),
        (25, "fpconsole journal # indented block"),
        (29, "export FP_SECRET='abc'"),
        (30, "FP_SECRET=abc fpconsole locate"),
    ]
    first, second = commands[0], commands[1]
    assert first.text == "fpconsole call client/add a=1 \\\n    b=2 --wait"
    assert first.output[0].startswith("request_id:") and first.output[-1] == "}"
    assert (first.expected_exit, second.expected_exit) == (None, 1)
    assert commands[-2].export == ("FP_SECRET", "abc")
    assert commands[-1].runs_fpconsole and not commands[-1].console
    assert first.console and first.runs_fpconsole


def test_compare_checks_lines_in_order_and_json_by_structure() -> None:
    shown = [
        "request_id: 3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10",
        "client.add: success",
        "{",
        '  "status": "ok",',
        '  "client_id": "CL-100041",',
        "  ...",
        "}",
    ]
    stdout = '{"dt": "x", "client_id": "CL-100057", "status": "ok"}'
    stderr = "request_id: 11111111-2222-4333-8444-555555555555\nclient.add: process\nclient.add: success\n"
    good = compare(shown, stdout, stderr)
    assert good.problems == []
    assert good.ids == {"CL-100041": "CL-100057"}
    assert substitute("client_id=CL-100041 x=CL-1000410", good.ids) == "client_id=CL-100057 x=CL-1000410"

    wrong_status = compare(shown, stdout.replace('"ok"', '"error"'), stderr)
    assert wrong_status.problems == ["status: the doc shows 'ok', the command printed 'error'"]
    missing_line = compare(shown, stdout, stderr.replace("success", "error"))
    assert missing_line.problems == ["not printed: 'client.add: success'"]
    not_json = compare(shown, "plain text", stderr)
    assert "stdout is not one" in not_json.problems[0]


def test_the_jq_stand_in_reads_paths(tmp_path: Path) -> None:
    jq = tmp_path / "jq"
    jq.write_text(_jq_shim())
    jq.chmod(0o755)
    body = '{"card": {"status": "active"}, "cards": [{"card_id": "7001059"}]}'
    for args, printed in (
        (["-r", ".cards[0].card_id"], "7001059\n"),
        ([".card.status"], '"active"\n'),
        (["-r", ".missing"], "null\n"),
    ):
        done = subprocess.run([str(jq), *args], input=body, capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout) == (0, printed)
