"""`field=value` arguments → a nested request body (`client.phone=7701…`, `limits.0.period=day`).

Values stay text: the request model converts them (phone digits → integer, "1000" → product
1000), so the command line and the console's forms share one set of rules and messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

# No request has lists anywhere near this long; the bound keeps int() away from a 5,000-digit
# index (Python refuses to convert those, with a message about a limit nobody set here).
MAX_LIST_INDEX: Final = 999
_SHOWN_PART: Final = 8  # an index longer than this is cut in messages


class FieldSyntaxError(ValueError):
    pass


def _is_index(part: str) -> bool:
    """ASCII digits only: str.isdigit() also takes '٣' and '²', which are no list index here."""
    return part.isascii() and part.isdigit()


def _index(head: str, above: list[str], full: str) -> int:
    if not _is_index(head):
        raise FieldSyntaxError(f"{full}: '{head}' must be a list index in ASCII digits (0, 1, …)")
    if len(head) > len(str(MAX_LIST_INDEX)) or int(head) > MAX_LIST_INDEX:
        cut = head if len(head) <= _SHOWN_PART else head[:_SHOWN_PART] + "…"
        name = ".".join([*above, cut])
        raise FieldSyntaxError(
            f"{name}: list index too large (at most {MAX_LIST_INDEX}); number items from 0"
        )
    return int(head)


def _set(
    target: dict[str, Any] | list[Any], parts: list[str], value: Any, full: str, above: list[str]
) -> None:
    head, rest = parts[0], parts[1:]
    if isinstance(target, list):
        index = _index(head, above, full)
        if index > len(target):
            raise FieldSyntaxError(f"{full}: list index {index} skips {len(target)}; number items from 0")
        if index == len(target):
            target.append(None)
        if not rest:
            target[index] = value
            return
        if target[index] is None:
            target[index] = [] if _is_index(rest[0]) else {}
        _set(target[index], rest, value, full, [*above, head])
        return
    if not rest:
        if isinstance(target.get(head), (dict, list)):
            raise FieldSyntaxError(f"{full}: '{head}' is an object; set its fields ({head}.name=…)")
        target[head] = value
        return
    child = target.get(head)
    if child is None:
        child = [] if _is_index(rest[0]) else {}
        target[head] = child
    elif not isinstance(child, (dict, list)):
        raise FieldSyntaxError(f"{full}: '{head}' already has a value and cannot also have fields")
    _set(child, rest, value, full, [*above, head])


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
        for part in parts:
            if part.isdigit() and not _is_index(part):  # '٣', '²': meant as an index, or a slip
                raise FieldSyntaxError(f"{name}: '{part}' must be a list index in ASCII digits (0, 1, …)")
        _set(body, parts, value, name, [])
    return body
