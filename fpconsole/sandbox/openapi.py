"""`/openapi.json`: an OpenAPI 3.1 document generated from the registry's pydantic models.

Each operation documents its request body, the required `X-JWS-Signature` header, and a 200
answer that is either the method's response or the error envelope, so every answer the
sandbox gives validates (schemathesis checks that). What the SPEC marks INFERRED is carried as
`x-confidence` / `x-inferred`, so a reader knows which shapes are guesses.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pydantic.json_schema import JsonSchemaMode, models_json_schema

import fpconsole
from fpconsole.api.methods import REGISTRY, Method
from fpconsole.api.signing import HEADER_NAME
from fpconsole.sandbox.errors import ERROR_CODES

OPENAPI_PATH: Final = "/openapi.json"
_REF: Final = "#/components/schemas/{model}"


_ERROR_CODE_ENUM: Final[list[JsonValue]] = [*sorted(ERROR_CODES)]


class FieldProblem(BaseModel):
    field: str = Field(description='Dotted path of the field, e.g. "client.phone"; "" for the whole body')
    message: str = Field(description="What is expected there")


class ErrorEnvelope(BaseModel):
    """The answer to every refused call (SPEC §1.5; error fields INFERRED from the Partner API)."""

    model_config = ConfigDict(extra="allow", title="ErrorEnvelope")

    status: Literal["error"]
    request_status: Literal["error"]
    dt: str = Field(description="Server time, RFC 3339")
    error_code: str = Field(json_schema_extra={"enum": _ERROR_CODE_ENUM})
    error_description: str
    errors: list[FieldProblem] | None = Field(default=None, description="Only on validation_error")


_SIGNATURE_PARAMETER: Final = {
    "name": HEADER_NAME,
    "in": "header",
    "required": True,
    "description": "Detached JWS: b64url(protected header)..b64url(HMAC over header.b64url(body)); "
    "HS512 or HS256 (SPEC §1.2)",
    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$"},
}


def _operation(method: Method, operation_id: str, schemas: dict[str, str], error_ref: str) -> dict[str, Any]:
    description = method.summary or method.title
    for name, title in method.also_named:
        description += f"\n\nAlso the docs' {title} ({name}): the same path and body."
    if method.inferred:
        description += f"\n\nINFERRED: {method.inferred}"
    return {
        "operationId": operation_id,
        "summary": method.title,
        "description": description,
        "x-also-named": [{"name": name, "title": title} for name, title in method.also_named] or None,
        "tags": [method.group],
        "x-method": method.name,
        "x-confidence": method.confidence,
        "x-inferred": method.inferred or None,
        "x-changes-state": method.changes_state,
        "x-may-process": method.may_process,
        "parameters": [_SIGNATURE_PARAMETER],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": schemas[method.request.__name__]}}},
        },
        "responses": {
            "200": {
                "description": "The method's answer, or the error envelope (status: error)",
                "content": {
                    "application/json": {
                        "schema": {
                            "anyOf": [{"$ref": schemas[method.response.__name__]}, {"$ref": error_ref}]
                        }
                    }
                },
            },
            # Signature refusals with a configured auth_error_status, injected 503s.
            "default": {
                "description": "Error envelope with a non-200 status",
                "content": {"application/json": {"schema": {"$ref": error_ref}}},
            },
        },
    }


def build_openapi() -> dict[str, Any]:
    models: list[type[BaseModel]] = [ErrorEnvelope]
    for method in REGISTRY:
        for model in (method.request, method.response):
            if model not in models:
                models.append(model)
    # "validation" for both sides: it is what a request must be and what a response may be
    # (Decimal amounts accept numbers there; the serialization schema would say string).
    inputs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(model, "validation") for model in models]
    keys, top = models_json_schema(inputs, ref_template=_REF)
    schemas = {model.__name__: str(keys[(model, "validation")]["$ref"]) for model in models}
    error_ref = schemas[ErrorEnvelope.__name__]
    paths: dict[str, Any] = {}
    for method in REGISTRY:
        for index, path in enumerate((method.path, *method.aliases)):
            operation_id = method.name if index == 0 else f"{method.name}.alias{index}"
            paths[path] = {"post": _operation(method, operation_id, schemas, error_ref)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Freedom Pay Card API (fpconsole sandbox)",
            "version": fpconsole.__version__,
            "description": "Generated from fpconsole's method registry. Every method is POST with a "
            "JSON body signed in X-JWS-Signature. x-confidence says how much the vendor docs "
            "confirm; x-inferred says what is a guess.",
        },
        "paths": paths,
        "components": {"schemas": top.get("$defs", {})},
    }


@functools.cache
def openapi_bytes() -> bytes:
    """The document, built once per process (it depends only on the registry)."""
    return json.dumps(build_openapi(), separators=(",", ":")).encode()
