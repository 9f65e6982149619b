"""Just enough TOML writing for a recorded scenario (tomllib only reads): strings, numbers,
booleans, inline tables and arrays, keys quoted when they need it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def key(name: str) -> str:
    return name if _BARE.fullmatch(name) else json.dumps(name, ensure_ascii=False)


def value(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        return (
            repr(item)
            if item == item and item not in (float("inf"), float("-inf"))
            else json.dumps(str(item))
        )
    if isinstance(item, Mapping):
        inner = ", ".join(f"{key(str(k))} = {value(v)}" for k, v in item.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(item, (list, tuple)):
        return "[" + ", ".join(value(v) for v in item if v is not None) + "]"
    # A JSON string is a TOML basic string (same escapes), but for \/, which json never writes.
    return json.dumps(str(item), ensure_ascii=False)


def table(name: str, items: Mapping[str, Any]) -> list[str]:
    lines = [f"[{name}]"]
    lines += [f"{key(str(k))} = {value(v)}" for k, v in items.items() if v is not None]
    return lines
