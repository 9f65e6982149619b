"""config.toml as text: read (a regular file only), decoded (UTF-8, a BOM dropped), parsed
(tomllib), and where each key is written, since tomllib gives no positions. Every failure is a
ConfigError naming the file and the line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from fpconsole.config.errors import ConfigError

# A config.toml is a few kilobytes; anything near this is another file, or a mistake.
MAX_CONFIG_BYTES = 1024 * 1024
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def read_config_text(target: Path, shown: str) -> str | None:
    """The file's text, None when there is no file."""
    raw = _read_config_bytes(target, shown)
    if raw is None:
        return None
    try:
        # Editors on Windows (Notepad) start UTF-8 files with a byte order mark; TOML has no
        # use for it and tomllib refuses it.
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{shown}, line {line}: the file is not UTF-8 text — save it as UTF-8", file=shown, line=line
        ) from None


def parse_config_text(shown: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(shown, text, exc) from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables by recursion; thousands of levels
        # would otherwise end every command with a traceback.
        raise _too_deep(shown, text) from None


def _read_config_bytes(target: Path, shown: str) -> bytes | None:
    """The file's bytes, None when there is no file. Only a regular file is read: a FIFO would
    block every command, a device would never end."""
    import stat

    try:
        info = target.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(target, shown, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise _a_folder(target, shown)
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{shown}: is not a regular file — config.toml must be a text file", file=shown)
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{shown}: is {info.st_size} bytes; a config.toml holds profiles and settings (at most 1 MiB) — "
            "check that this is the right file",
            file=shown,
        )
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(target, shown, exc) from None


def _a_folder(target: Path, shown: str) -> ConfigError:
    """A folder where config.toml should be; reading it would say "Is a directory — check its
    permissions", which sends the operator to chmod. FPCONSOLE_CONFIG is the usual cause."""
    from fpconsole.locations import CONFIG_ENV, config_override

    if config_override() == target:
        return ConfigError(
            f"{CONFIG_ENV}={target} is a folder, not a file — point {CONFIG_ENV} at the "
            f"config.toml file, e.g. {CONFIG_ENV}={target / 'config.toml'} (or unset it)",
            file=shown,
        )
    return ConfigError(
        f"{shown}: is a folder, not a file — config.toml must be a text file; move the folder away",
        file=shown,
    )


def _unreadable(target: Path, shown: str, exc: OSError) -> ConfigError:
    import errno

    from fpconsole.locations import why_not_a_folder

    reason = why_not_a_folder(target) if exc.errno == errno.ENOTDIR else None
    if reason is not None:
        return ConfigError(f"{shown}: cannot be read: {reason}", file=shown)
    return ConfigError(f"{shown}: cannot read the file ({exc.strerror}) — check its permissions", file=shown)


def _too_deep(shown: str, text: str) -> ConfigError:
    line = _deepest_line(text)
    near = _key_on_line(text.splitlines(), line)
    return ConfigError(
        f"{shown}, line {line}: invalid TOML" + (f" near `{near}`" if near else "") + ": values are nested "
        "too deeply (arrays or { } tables inside each other, hundreds of levels) — config.toml needs none "
        "of that: write each profile as [profiles.NAME] with one key = value a line",
        file=shown,
        line=line,
        field=near or None,
    )


def _deepest_line(text: str) -> int:
    """The line where [ and { nest deepest, strings and comments skipped (best effort: only
    used to point at the spot)."""
    depth = deepest = 0
    line = found = 1
    index, end = 0, len(text)
    while index < end:
        char = text[index]
        if char == "\n":
            line += 1
        elif char == "#":
            stop = text.find("\n", index)
            index = end if stop < 0 else stop
            continue
        elif char in "\"'":
            if text.startswith(char * 3, index):
                stop = text.find(char * 3, index + 3)
                stop = end if stop < 0 else stop + 3
            else:
                stop = index + 1
                while stop < end and text[stop] not in (char, "\n"):
                    stop += 2 if char == '"' and text[stop] == "\\" else 1
                stop = min(stop + 1, end) if stop < end and text[stop] == char else stop
            line += text.count("\n", index, stop)
            index = stop
            continue
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, found = depth, line
        elif char in "]}":
            depth = max(0, depth - 1)
        index += 1
    return found


def _syntax_error(shown: str, text: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    message = str(exc)
    lines = text.splitlines()
    found = _TOML_POSITION.search(message)
    if found:
        line, where = int(found.group(1)), f"line {found.group(1)}, column {found.group(2)}"
        problem = _TOML_POSITION.sub("", message)
    else:
        # tomllib says "(at end of document)" for an unclosed string or a duplicate key on
        # the last line: that line is still worth naming.
        problem = _TOML_END.sub("", message)
        line = max(1, len(lines))
        where = f"line {line}"
    near = _key_on_line(lines, line)
    return ConfigError(
        f"{shown}, {where}: invalid TOML" + (f" near `{near}`" if near else "") + f": {problem} — "
        f"{_syntax_hint(problem)}",
        file=shown,
        line=line,
        field=near or None,
    )


def _key_on_line(lines: list[str], line: int) -> str:
    """The key written on that line, never its value: the line may hold a pasted secret."""
    if 0 < line <= len(lines):
        key = re.match(r"\s*\[*\s*([A-Za-z0-9_.\-\"' ]+?)\s*(?:=|\]|$)", lines[line - 1])
        if key and key.group(1).strip():
            return key.group(1).strip()
    return ""


def _syntax_hint(problem: str) -> str:
    """The usual cause of each tomllib complaint, said the way a fix is typed."""
    if problem.startswith(("Cannot overwrite", "Cannot declare", "Cannot mutate")):
        return "a key or [table] is written twice; keep one of them"
    # A line break inside a string shows up as "Illegal character '\\n'".
    if problem.startswith("Unterminated string") or problem.startswith("Illegal character '\\n'"):
        return 'close the string with a double quote on the same line, e.g. kind = "test"'
    if problem.startswith("Expected ']'"):
        return "close the table name with ], e.g. [profiles.qa]"
    return 'fix the syntax there (strings need double quotes, e.g. kind = "test")'


# --- locating keys in the text ---------------------------------------------------------------

_HEADER = re.compile(r"^\[\[?\s*(?P<key>[^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(
    r"^(?P<key>(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)
_INLINE_KEY = re.compile(r"[{,]\s*(?P<key>[A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", dotted)
    return tuple(part[1:-1] if part[:1] in "\"'" else part for part in parts)


class KeyLines:
    """Where each table and key first appears. tomllib gives no positions for values, so a
    light scan of the text finds them (best effort: a key inside a multi-line string can
    mislead it, and then the table's own line is used)."""

    def __init__(self, text: str) -> None:
        self.where: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            header = _HEADER.match(line)
            if header:
                table = _split_key(header.group("key"))
                self._mark(table, number, start=1)
                continue
            assign = _ASSIGN.match(line)
            if assign:
                key = table + _split_key(assign.group("key"))
                self._mark(key, number, start=len(table) + 1)
                rest = line[assign.end() :]
                if "{" in rest:
                    for inner in _INLINE_KEY.finditer(rest):
                        self.where.setdefault((*key, *_split_key(inner.group("key"))), number)

    def _mark(self, key: tuple[str, ...], number: int, *, start: int) -> None:
        for end in range(max(start, 1), len(key) + 1):
            self.where.setdefault(key[:end], number)

    def line(self, *path: str) -> int:
        key = tuple(path)
        while key:
            if key in self.where:
                return self.where[key]
            key = key[:-1]
        return 1
