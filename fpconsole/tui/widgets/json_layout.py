"""JSON laid out for a narrow panel: what Requests shows of a journal entry's request and answer.

`json.dumps(indent=1)` folded by Rich at 40 columns leaves a long value's key alone on a line, the
value on the next and its comma alone on a third. Here a value that does not fit after its key
goes on the next line, one deeper (less deep if that makes it fit whole), with its comma; a
value longer than the whole width is folded, its continuation lines one deeper; a small object
or list that fits on its line stays on it (`"list": [1, 2]`). Fewer lines also means fewer
written to the terminal.
"""

from __future__ import annotations

import json
from typing import Any

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def _fold(line: str, indent: int, width: int) -> list[str]:
    """`line` cut at `width` cells; each continuation indented one deeper than `indent`."""
    if cell_len(line) <= width:
        return [line]
    deeper = min(indent + 1, width // 2)  # a deep value in a narrow panel keeps half the width
    head, *_ = chop_cells(line, width)
    rest = line[len(head) :]
    return [head] + [" " * deeper + part for part in chop_cells(rest, max(width - deeper, 1))]


def _emit(value: Any, prefix: str, indent: int, suffix: str, width: int, out: list[str]) -> None:
    """`value` as the lines of one member: `prefix` is its key (`"card_id": `) or nothing,
    `suffix` its comma or nothing."""
    pad = " " * indent
    if isinstance(value, (dict, list)) and value:
        whole = pad + prefix + _dumps(value) + suffix
        if cell_len(whole) <= width:
            out.append(whole)
            return
        opener, closer = ("{", "}") if isinstance(value, dict) else ("[", "]")
        out += _fold(pad + prefix + opener, indent, width)
        members = list(value.items()) if isinstance(value, dict) else [(None, item) for item in value]
        for number, (key, item) in enumerate(members):
            head = f"{_dumps(str(key))}: " if key is not None else ""
            comma = "," if number < len(members) - 1 else ""
            _emit(item, head, indent + 1, comma, width, out)
        out += _fold(pad + closer + suffix, indent, width)
        return
    text = _dumps(value)
    line = pad + prefix + text + suffix
    if cell_len(line) <= width or not prefix:
        out += _fold(line, indent, width)
        return
    # The key alone, the value under it one deeper; a value that is too long for that (an id
    # with its comma) as deep as it fits whole, rather than cut; folded when it fits nowhere.
    out += _fold(pad + prefix.rstrip(), indent, width)
    value = text + suffix
    fits = [depth for depth in range(indent + 1, -1, -1) if depth + cell_len(value) <= width]
    depth = fits[0] if fits else indent + 1
    out += _fold(" " * depth + value, depth, width)


def json_lines(value: Any, width: int) -> list[str]:
    """`value` as JSON lines at most `width` cells wide (one-space indents)."""
    out: list[str] = []
    _emit(value, "", 0, "", max(width, 1), out)
    return out


class JsonText:
    """A Rich renderable: `value` laid out by `json_lines` at the width it is rendered at (the
    panel's, again after a resize)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n".join(json_lines(self.value, options.max_width)), no_wrap=True, overflow="crop")
