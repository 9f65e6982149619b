"""Replay: a past request (a journal entry) as the starting point of a new one.

The journal keeps request bodies redacted, so what comes back is what may be sent again: the
request_id is left out (a replay is a new request, never a resend of the old one; a request/status
lookup keeps the id it asks about), and every secret field (PIN, PAN, CVV, secrets) and every
redacted or masked value is left out too and named, for the user to give again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from fpconsole.store.scrub import REDACTED, is_secret_field

if TYPE_CHECKING:
    from fpconsole.api.methods import Method

REQUEST_ID: Final = "request_id"
# A masked card number as the journal keeps it (440043******1234): not a value to send.
_MASKED: Final = re.compile(r"\d{0,6}\*{4,}\d{0,4}")


@dataclass(frozen=True, slots=True)
class Replay:
    method: str
    body: dict[str, Any]
    # Dotted names left out because the journal never kept their value: to be given again.
    reenter: tuple[str, ...] = field(default=())


def _left_out(path: str, value: Any, secret_paths: frozenset[str]) -> bool:
    if path in secret_paths or is_secret_field(path):
        return True
    return isinstance(value, str) and (value == REDACTED or bool(_MASKED.fullmatch(value.strip())))


def _copy(value: Any, prefix: str, secret_paths: frozenset[str], reenter: list[str]) -> Any:
    if isinstance(value, Mapping):
        kept: dict[str, Any] = {}
        for key, item in value.items():
            path = f"{prefix}{key}"
            if _left_out(path, item, secret_paths):
                reenter.append(path)
                continue
            kept[str(key)] = _copy(item, f"{path}.", secret_paths, reenter)
        return kept
    if isinstance(value, list):
        return [_copy(item, f"{prefix}{index}.", secret_paths, reenter) for index, item in enumerate(value)]
    return value


def replay_of(method: Method, request: Mapping[str, Any] | None) -> Replay:
    """The body to send again for a journalled `request` of `method`."""
    reenter: list[str] = []
    body = _copy(dict(request or {}), "", method.request_secret_fields, reenter)
    if not method.looks_up_request_id:
        body.pop(REQUEST_ID, None)
    return Replay(method.name, body, tuple(reenter))


def flat_fields(body: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """A nested body as the forms' dotted names (`client.phone`, `limits.0.period`) → text."""
    found: dict[str, str] = {}
    for key, value in body.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            found.update(flat_fields(value, f"{name}."))
        elif isinstance(value, list):
            found.update(flat_fields({str(i): item for i, item in enumerate(value)}, f"{name}."))
        elif value is not None:
            found[name] = "true" if value is True else "false" if value is False else str(value)
    return found
