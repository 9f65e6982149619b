"""`${step.path}` references: a value a step sends (or expects) taken from an earlier answer.

`${issue.cards.0.card_id}` is the `cards[0].card_id` of step `issue`'s answer (the final status
merged over the first answer). A string that is only a reference keeps the referenced value's
type (a number stays a number); a reference inside other text is put in as text. Two names are
not steps: `${run.id}` (8 hex characters, new on every run: unique order ids) and
`${secret.NAME}` (asked on the terminal, or read from FPCONSOLE_SCENARIO_NAME: a PIN is never
written in a file).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

REFERENCE: Final = re.compile(r"\$\{([^}]*)\}")
RUN: Final = "run"
SECRET: Final = "secret"
RESERVED: Final = frozenset({RUN, SECRET})
SECRET_ENV_PREFIX: Final = "FPCONSOLE_SCENARIO_"
_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class ReferenceError_(ValueError):
    """A reference that cannot be resolved: the message names it and what was there."""


def references_in(value: Any) -> Iterator[str]:
    """Every reference's inside text (`issue.cards.0.card_id`) in a value, nested or not."""
    if isinstance(value, str):
        for found in REFERENCE.finditer(value):
            yield found.group(1)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from references_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from references_in(item)


def split(reference: str) -> tuple[str, list[str]]:
    """(`issue`, [`cards`, `0`, `card_id`]) of `issue.cards.0.card_id`."""
    head, _, rest = reference.strip().partition(".")
    return head, [part for part in rest.split(".")] if rest else []


def syntax_problem(reference: str) -> str | None:
    """What is wrong with a reference's shape, or None."""
    head, parts = split(reference)
    if not head:
        return "is empty: write ${step.field}, e.g. ${issue.cards.0.card_id}"
    if not _NAME.fullmatch(head):
        return f"does not start with a step name: write ${{step.field}} (got {head!r})"
    if any(not part for part in parts):
        return "has an empty part (two dots, or a dot at the end)"
    if head == RUN and parts != ["id"]:
        return "${run.id} is the only value of run"
    if head == SECRET and len(parts) != 1:
        return "write ${secret.NAME}, one name"
    return None


def lookup(answer: Any, parts: list[str]) -> Any:
    """The value at `parts` in an answer; ReferenceError_ naming where the path stops."""
    value = answer
    walked: list[str] = []
    for part in parts:
        if isinstance(value, Mapping):
            if part not in value:
                keys = ", ".join(sorted(str(key) for key in value)) or "nothing"
                at = ".".join(walked) or "the answer"
                raise ReferenceError_(f"{at} has no {part!r} (it has: {keys})")
            value = value[part]
        elif isinstance(value, list):
            if not part.isdigit() or int(part) >= len(value):
                at = ".".join(walked)
                raise ReferenceError_(f"{at} has {len(value)} item(s); {part!r} is not one of them")
            value = value[int(part)]
        else:
            at = ".".join(walked) or "the answer"
            raise ReferenceError_(f"{at} is {value!r}, which has no {part!r}")
        walked.append(part)
    return value


def resolve(value: Any, context: Mapping[str, Any]) -> Any:
    """`value` with every reference replaced from `context` (step name → answer; `run`;
    `secret`)."""
    if isinstance(value, str):
        whole = REFERENCE.fullmatch(value)
        if whole:
            return _value_of(whole.group(1), context)
        return REFERENCE.sub(lambda found: _text(_value_of(found.group(1), context)), value)
    if isinstance(value, Mapping):
        return {key: resolve(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, context) for item in value]
    return value


def _value_of(reference: str, context: Mapping[str, Any]) -> Any:
    head, parts = split(reference)
    if head not in context:
        raise ReferenceError_(f"${{{reference}}}: step {head!r} has no answer (it did not run)")
    try:
        return lookup(context[head], parts)
    except ReferenceError_ as exc:
        raise ReferenceError_(f"${{{reference}}}: {head}'s {exc}") from None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
