"""`fpconsole call METHOD --edit`: the request body written in `$EDITOR`.

The editor opens a JSON template of the method's fields (empty, or their defaults) with a `_help`
key saying which are required and what each means; `_help` is dropped before sending, and so is
every field left empty. A file left empty or unchanged sends nothing. A file that is not valid
JSON is kept, with the line and column of the mistake, for a second try
(`--edit --json THAT_FILE` opens it again).

The file may hold a PIN: it is created 0600 in the private state folder, not in /tmp, and
deleted once the request is on its way (or there is nothing to send).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from fpconsole.api.methods import Method

HELP_KEY: Final = "_help"
FALLBACK_EDITORS: Final = ("vi", "nano")
EDITS_FOLDER: Final = "edits"


class EditError(Exception):
    """Nothing is sent; the message says why and what to do (the file is kept if named)."""

    def __init__(self, message: str, kept: Path | None = None) -> None:
        super().__init__(message)
        self.kept = kept


@dataclass(frozen=True, slots=True)
class Edited:
    body: dict[str, Any] | None  # None: left empty or unchanged, nothing to send
    path: Path


def editor_command(environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        configured = env.get(name, "").strip()
        if configured:
            try:
                words = shlex.split(configured)
            except ValueError as exc:
                raise EditError(f"${name} cannot be read as a command ({exc}): {configured!r}") from None
            if words:
                return words
    for fallback in FALLBACK_EDITORS:
        if shutil.which(fallback):
            return [fallback]
    raise EditError("no editor: set EDITOR (e.g. export EDITOR=nano); vi and nano are not installed")


MAX_CHOICES_SHOWN: Final = 12  # a longer enum (currencies, countries) is named by its first few


@dataclass
class _Template:
    """What the walk over a request model's JSON schema collects."""

    defs: dict[str, Any]
    keep_request_id: bool
    required: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)


def _node(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A property's own schema: a `$ref` followed, an optional value's non-null choice."""
    if "$ref" in schema:
        return _node(defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {}), defs)
    for option in schema.get("anyOf", ()):
        if option.get("type") != "null":
            return {**{k: v for k, v in schema.items() if k != "anyOf"}, **_node(option, defs)}
    return schema


def _note(name: str, node: dict[str, Any], required: bool, within: str) -> str:
    from fpconsole.store.scrub import is_secret_field

    about = [("required" if not within else f"required if {within} is given") if required else "optional"]
    choices = [str(value) for value in node.get("enum", ())]
    if choices:
        shown = choices[:MAX_CHOICES_SHOWN]
        about.append("one of " + ", ".join(shown) + (", …" if len(choices) > len(shown) else ""))
    if node.get("x-secret") or is_secret_field(name):
        about.append("secret: this file is deleted after sending")
    text = str(node.get("description") or node.get("title") or name).strip().split("\n")[0]
    return f"{'; '.join(about)} — {text}"


def _walk(schema: dict[str, Any], prefix: str, found: _Template, within: str = "") -> dict[str, Any]:
    """`within`: the optional object these fields belong to ("" while every level is required)."""
    body: dict[str, Any] = {}
    required = set(schema.get("required", ()))
    for key, raw in schema.get("properties", {}).items():
        if key == "request_id" and not prefix and not found.keep_request_id:
            continue  # generated: a new request gets a new one
        name, node = f"{prefix}{key}", _node(raw, found.defs)
        items = _node(node.get("items", {}), found.defs) if node.get("type") == "array" else {}
        inner = within or ("" if key in required else name)
        if node.get("properties"):
            body[key] = _walk(node, f"{name}.", found, inner)
        elif items.get("properties"):  # a list of objects: one item to copy
            body[key] = [_walk(items, f"{name}.0.", found, inner)]
        else:
            if key in required and not within:
                found.required.append(name)
            found.notes[name] = _note(name, node, key in required, within)
            default = node.get("default")
            body[key] = "" if default is None or node.get("x-secret") else default
    return body


def template(method: Method) -> dict[str, Any]:
    """The method's fields as a JSON object to fill in, with `_help` first: read from the
    request model's JSON schema, as the console's forms are."""
    schema = method.request.model_json_schema()
    found = _Template(schema.get("$defs", {}), method.looks_up_request_id)
    body = _walk(schema, "", found)
    return {
        HELP_KEY: {
            "method": method.name,
            "how": "fill the fields and save; empty fields are left out, this _help key is "
            "dropped; an empty or unchanged file sends nothing",
            "required": found.required,
            "fields": found.notes,
        },
        **body,
    }


def prune(value: Any) -> Any:
    """Drop `_help`, empty strings, and the objects and lists left empty by that."""
    if isinstance(value, dict):
        kept = {k: prune(v) for k, v in value.items() if k != HELP_KEY}
        return {k: v for k, v in kept.items() if v not in ("", None, {}, [])}
    if isinstance(value, list):
        items = [prune(v) for v in value]
        return [v for v in items if v not in ("", None, {}, [])]
    return value


def edits_folder() -> Path:
    from fpconsole.locations import ensure_private_dir, state_dir

    return ensure_private_dir(state_dir() / EDITS_FOLDER)


def new_file(method: Method, start: dict[str, Any]) -> Path:
    handle, name = tempfile.mkstemp(prefix=f"{method.name}-", suffix=".json", dir=edits_folder())
    with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp: 0600
        out.write(json.dumps(start, ensure_ascii=False, indent=2) + "\n")
    return Path(name)


def read_body(path: Path, before: str) -> dict[str, Any] | None:
    text = path.read_text(encoding="utf-8")
    if not text.strip() or text == before:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EditError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", path) from None
    except RecursionError:
        raise EditError("not valid JSON: nested too deeply", path) from None
    if not isinstance(data, dict):
        raise EditError("the body must be a JSON object ({ … })", path)
    body = prune(data)
    return body if isinstance(body, dict) and body else None


def edit_body(method: Method, start: Path | None = None) -> Edited:
    """Open the editor on a template (or on `start`, a file kept from an earlier try: edited in
    place when it is one of ours, else copied) and read the body back."""
    command = editor_command()
    if start is not None and start.resolve().parent == edits_folder().resolve():
        path = start
    elif start is not None:
        try:
            loaded = json.loads(start.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EditError(f"--json {start}: {exc}") from None
        path = new_file(method, loaded if isinstance(loaded, dict) else template(method))
    else:
        path = new_file(method, template(method))
    before = path.read_text(encoding="utf-8")
    try:
        done = subprocess.run([*command, str(path)], check=False)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise EditError(f"cannot run the editor {command[0]}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        kept = path if path.read_text(encoding="utf-8") != before else None
        if kept is None:
            path.unlink(missing_ok=True)
        raise EditError(f"the editor {command[0]} exited with status {done.returncode}", kept)
    body = read_body(path, before)
    return Edited(body, path)
