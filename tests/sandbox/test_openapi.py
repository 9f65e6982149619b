"""The OpenAPI document: one operation per method and alias, generated from the registry."""

from __future__ import annotations

from typing import Any

import httpx

from fpconsole.api.methods import REGISTRY
from fpconsole.sandbox.openapi import build_openapi, openapi_bytes


def test_one_post_operation_per_method_and_alias() -> None:
    document = build_openapi()
    assert document["openapi"] == "3.1.0"
    expected = {path for m in REGISTRY for path in (m.path, *m.aliases)}
    assert set(document["paths"]) == expected
    ids = [item["post"]["operationId"] for item in document["paths"].values()]
    assert len(ids) == len(set(ids))
    for method in REGISTRY:
        operation = document["paths"][method.path]["post"]
        assert operation["operationId"] == method.name
        assert operation["summary"] == method.title
        assert operation["x-confidence"] == method.confidence
        assert operation["x-inferred"] == (method.inferred or None)
        if method.inferred:
            assert "INFERRED" in operation["description"]
        (signature,) = operation["parameters"]
        assert (
            signature["name"] == "X-JWS-Signature" and signature["in"] == "header" and signature["required"]
        )
        request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert request_ref == f"#/components/schemas/{method.request.__name__}"
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {
            "anyOf": [
                {"$ref": f"#/components/schemas/{method.response.__name__}"},
                {"$ref": "#/components/schemas/ErrorEnvelope"},
            ]
        }


def test_request_status_is_also_transaction_request_status() -> None:
    """Docs page api-14318518: one path under two titles; no transaction/request_status path."""
    document = build_openapi()
    assert "/v5/card-api/transaction/request_status" not in document["paths"]
    operation = document["paths"]["/v5/card-api/request/status"]["post"]
    assert operation["x-also-named"] == [
        {"name": "transaction.request_status", "title": "Transaction request status"}
    ]
    assert "Transaction request status" in operation["description"]
    assert document["paths"]["/v5/card-api/card/info"]["post"]["x-also-named"] is None
    answer = document["components"]["schemas"]["RequestStatusResponse"]["properties"]
    assert {"transaction_id", "fin_document_id"} <= set(answer)


def test_statement_extended_has_its_own_request_and_an_optional_status() -> None:
    schemas = build_openapi()["components"]["schemas"]
    operation = build_openapi()["paths"]["/v5/card-api/card/statement_extended"]["post"]
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request_ref == "#/components/schemas/StatementExtendedRequest"
    assert set(schemas["StatementExtendedRequest"]["required"]) == {"card_id", "start_date", "end_date"}
    assert "start_date" not in schemas["CardWindowRequest"].get("required", [])
    assert "status" not in schemas["StatementExtendedResponse"].get("required", [])
    assert "status" in schemas["StatementResponse"]["required"]


def test_every_reference_resolves() -> None:
    document = build_openapi()
    schemas = document["components"]["schemas"]

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [ref for value in node.values() for ref in refs(value)]
        if isinstance(node, list):
            return [ref for value in node for ref in refs(value)]
        return []

    for ref in refs(document):
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_request_schemas_carry_the_models_constraints() -> None:
    schemas = build_openapi()["components"]["schemas"]
    create = schemas["TransactionCreateRequest"]
    assert create["additionalProperties"] is False  # requests refuse unknown fields
    assert set(create["required"]) == {"request_id", "order_id", "card_id", "amount"}
    assert create["properties"]["amount"]["type"] == "number"
    assert "validation_error" in schemas["ErrorEnvelope"]["properties"]["error_code"]["enum"]


async def test_served_at_openapi_json_and_cached(api: httpx.AsyncClient) -> None:
    response = await api.get("/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.content == openapi_bytes()
    assert openapi_bytes() is openapi_bytes()  # built once per process
    assert response.json()["info"]["title"].startswith("Freedom Pay Card API")
