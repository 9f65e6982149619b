"""Turns pydantic's errors into messages a person can act on: the field's dotted path and what
is expected there. Used by the CLI, the console's forms and the sandbox alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

_GENERIC = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "string_type": "must be text (in JSON, a quoted string)",
    "model_type": "must be an object with its own fields",
    "model_attributes_type": "must be an object with its own fields",
    "list_type": "must be a list",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
    "string_too_short": "must be at least {min_length} characters",
    "string_too_long": "must be at most {max_length} characters",
}


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # dotted path, e.g. "client.phone"; "" for the whole request
    message: str  # what is expected, without the field name

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def _path(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def describe_errors(error: ValidationError) -> list[FieldError]:
    found: list[FieldError] = []
    for item in error.errors(include_url=False):
        context = item.get("ctx") or {}
        path = _path(item["loc"])
        kind = item["type"]
        if kind == "kyc_required":
            for name in context.get("fields", []):
                found.append(FieldError(name, "is required for product_id 1000 (Freedom Wallet Card)"))
            continue
        if "field" in context:
            # Model-level checks name the field they are about; place it under the model's path.
            path = ".".join(part for part in (path, str(context["field"])) if part)
        template = _GENERIC.get(kind)
        if template is not None:
            try:
                message = template.format(**context)
            except (KeyError, IndexError):
                message = item["msg"]
        else:
            message = item["msg"]
            message = message.removeprefix("Value error, ")
        found.append(FieldError(path, message))
    return found


def format_errors(errors: Iterable[FieldError]) -> str:
    return "\n".join(str(e) for e in errors)


def validate_request(
    model: type[BaseModel], data: Mapping[str, Any]
) -> tuple[BaseModel | None, list[FieldError]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, describe_errors(exc)
