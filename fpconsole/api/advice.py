"""Warnings: what is probably a mistake but not a rule the vendor docs confirm, so it is said and
never refused (the API decides). The request models refuse what the docs confirm.

Shared by the CLI (`call` prints them on stderr and sends anyway) and the console's forms (a
line under the field that does not block the submit), so both say the same thing.

- person_id of a Kazakhstan resident: an IIN has 12 digits. SPEC §3.1 names person_id only as
  "national id in that country (e.g. IIN/tax number for KZ)", without a format, so a different
  length is a warning.
- birthdate more than 120 years ago (0001-01-01 is a typo or a placeholder, not a client): the
  docs set no lower bound, so it is said and sent; a date in the future is refused by the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Final

from fpconsole.api.validation import FieldError

IIN_DIGITS: Final = 12
_IIN = re.compile(r"[0-9]{12}")
KAZAKHSTAN: Final = "KAZ"
# The oldest person ever documented lived to 122; a birthdate beyond this is almost surely mistyped.
OLDEST_AGE: Final = 120

# A warned field (by its name inside its object) → the sibling fields its warning reads; a form
# re-checks the warning when any of them changes.
WARNED_FIELDS: Final[dict[str, tuple[str, ...]]] = {"person_id": ("resident", "country"), "birthdate": ()}


def _is_kazakh_resident(holder: Mapping[str, Any]) -> bool:
    """client objects say `resident` (1 resident); the older cardholder shape only a country."""
    country = str(holder.get("country") or "").strip().upper()
    if "resident" in holder:
        return str(holder.get("resident")).strip() == "1" and country in ("", KAZAKHSTAN)
    return country == KAZAKHSTAN


def _person_id(holder: Mapping[str, Any], path: str) -> FieldError | None:
    value = holder.get("person_id")
    if value is None or not _is_kazakh_resident(holder):
        return None
    text = str(value).strip()
    if not text or _IIN.fullmatch(text):
        return None
    return FieldError(
        path + "person_id",
        f"a resident's IIN has {IIN_DIGITS} digits, e.g. 920417400123 (this has {len(text)} "
        f"character{'s' if len(text) != 1 else ''}); it is sent as typed",
    )


def _birthdate(holder: Mapping[str, Any], path: str) -> FieldError | None:
    try:
        born = date.fromisoformat(str(holder.get("birthdate")).strip())
    except ValueError:
        return None  # not a date: the model refuses it with its own message
    today = datetime.now(UTC).date()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age <= OLDEST_AGE:
        return None
    return FieldError(
        path + "birthdate",
        f"{born.isoformat()} is more than {OLDEST_AGE} years ago ({age} years); check the year "
        "(YYYY-MM-DD, e.g. 1992-04-17); it is sent as typed",
    )


def _walk(node: Any, path: str, found: list[FieldError]) -> None:
    if isinstance(node, Mapping):
        for key, check in (("person_id", _person_id), ("birthdate", _birthdate)):
            if key in node:
                warning = check(node, path)
                if warning is not None:
                    found.append(warning)
        for key, child in node.items():
            _walk(child, f"{path}{key}.", found)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            _walk(child, f"{path}{index}.", found)


def request_warnings(body: Mapping[str, Any]) -> list[FieldError]:
    """What looks wrong in a request body (as typed or as validated), by dotted field path."""
    found: list[FieldError] = []
    _walk(body, "", found)
    return found
