"""`field=value` arguments → a nested request body (`client.phone=7701…`, `limits.0.period=day`).

Values stay text: the request model converts them (phone digits → integer, "1000" → product
1000), so the command line and the console's forms share one set of rules and messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class FieldSyntaxError(ValueError):
    pass


def _set(target: dict[str, Any] | list[Any], parts: list[str], value: Any, full: str) -> None:
    head, rest = parts[0], parts[1:]
    if isinstance(target, list):
        if not head.isdigit():
            raise FieldSyntaxError(f"{full}: '{head}' must be a list index (0, 1, …)")
        index = int(head)
        if index > len(target):
            raise FieldSyntaxError(f"{full}: list index {index} skips {len(target)}; number items from 0")
        if index == len(target):
            target.append(None)
        if not rest:
            target[index] = value
            return
        if target[index] is None:
            target[index] = [] if rest[0].isdigit() else {}
        _set(target[index], rest, value, full)
        return
    if not rest:
        if isinstance(target.get(head), (dict, list)):
            raise FieldSyntaxError(f"{full}: '{head}' is an object; set its fields ({head}.name=…)")
        target[head] = value
        return
    child = target.get(head)
    if child is None:
        child = [] if rest[0].isdigit() else {}
        target[head] = child
    elif not isinstance(child, (dict, list)):
        raise FieldSyntaxError(f"{full}: '{head}' already has a value and cannot also have fields")
    _set(child, rest, value, full)


def parse_assignments(items: Iterable[str], base: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = dict(base or {})
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise FieldSyntaxError(f"'{item}' is not FIELD=VALUE (e.g. card_id=7001234)")
        parts = name.split(".")
        if any(not part for part in parts):
            raise FieldSyntaxError(f"'{name}' has an empty part; use dotted names like client.phone")
        _set(body, parts, value, name)
    return body
