"""The OpenAPI document describes the API as it behaves: every operation has a description,
documents its errors as application/problem+json with the type URIs the service sends (pages:
HTML), the key-protected ones name the bearer scheme and answer 401/403/404 as documented, and
the request schemas are the files in schemas/ (one source)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Provider

from service.api.openapi import SCHEMA_BODIES, _is_page
from service.contexts import SCHEMAS_DIR

#: Operations with nothing a client can get wrong (no parameters, no body).
CANNOT_FAIL = {
    ("get", "/"),
    ("get", "/verify"),
    ("get", "/contexts/tessera/v1"),
    ("get", "/healthz"),
}


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_operation_is_described_and_documents_its_errors(spec: dict[str, Any]) -> None:
    found = operations(spec)
    assert len(found) >= 40
    problems = []
    for method, path, op in found:
        where = f"{method.upper()} {path}"
        if len(op.get("summary", "")) < 10 or len(op.get("description", "")) < 30:
            problems.append(f"{where}: no summary or description")
        errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        if not errors and (method, path) not in CANNOT_FAIL:
            problems.append(f"{where}: documents no error")
        for status, response in errors.items():
            content = response.get("content", {})
            if _is_page(path):
                if "text/html" not in content:
                    problems.append(f"{where} {status}: a page's error is a page")
                continue
            problem = content.get("application/problem+json")
            if problem is None or problem["schema"] != {"$ref": "#/components/schemas/Problem"}:
                problems.append(f"{where} {status}: not problem+json")
            elif not problem["example"]["type"].startswith("https://"):
                problems.append(f"{where} {status}: example without a type URI")
    assert problems == []
    assert "HTTPValidationError" not in spec["components"]["schemas"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_key_protected_operations_name_the_bearer_scheme(
    spec: dict[str, Any], client: Any, provider: Provider
) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["apiKey"] == {**schemes["apiKey"], "type": "http", "scheme": "bearer"}
    protected = [(m, p, op) for m, p, op in operations(spec) if "security" in op]
    assert len(protected) >= 25
    for method, path, op in protected:
        assert {"401", "403"} <= set(op["responses"]), (method, path)
        assert not any(p["name"].lower() == "authorization" for p in op.get("parameters", []))
    # What the document promises is what the service answers.
    listed = client.get(f"/issuers/{provider.slug}/modules")
    assert listed.status_code == 401
    assert listed.headers["content-type"] == "application/problem+json"
    assert (
        listed.json()["type"]
        == (
            spec["paths"]["/issuers/{issuer}/modules"]["get"]["responses"]["401"]["content"][
                "application/problem+json"
            ]["example"]["type"]
        )
    )
    other = client.get("/issuers/someone-else/modules", headers=provider.headers)
    assert other.status_code == 404 and other.json()["type"].endswith("/not-found")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_request_bodies_are_the_json_schemas_in_schemas(spec: dict[str, Any]) -> None:
    components = spec["components"]["schemas"]
    for (method, path), name in SCHEMA_BODIES.items():
        body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
        reference = body["schema"]["$ref"].rsplit("/", 1)[1]
        on_disk = json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
        shown = json.loads(
            json.dumps(components[reference]).replace(
                f'"#/components/schemas/{reference}/$defs/', '"#/$defs/'
            )
        )
        assert shown == {k: v for k, v in on_disk.items() if k not in ("$id", "$schema")}, name
    batch = spec["paths"]["/issuers/{issuer}/awards/batch"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/csv", "multipart/form-data"} <= set(batch)
    bare = [
        f"{m} {p}"
        for m, p, op in operations(spec)
        for c in op.get("requestBody", {}).get("content", {}).values()
        if c.get("schema", {}).get("additionalProperties") is True
        and "properties" not in c["schema"]
    ]
    assert bare == []


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_an_award_answers_what_the_document_says(
    spec: dict[str, Any], client: Any, provider: Provider
) -> None:
    """The typed answer of the main operation, checked against a real answer with jsonschema."""
    import jsonschema
    from conftest import award_data, module_data

    module = client.post(
        f"/issuers/{provider.slug}/modules", json=module_data(), headers=provider.headers
    ).json()
    answer = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data()},
        headers=provider.headers,
    )
    assert answer.status_code == 201
    schema = spec["paths"]["/issuers/{issuer}/awards"]["post"]["responses"]["201"]["content"][
        "application/json"
    ]["schema"]
    resolver_document = {"components": spec["components"], **schema}
    jsonschema.validate(answer.json(), resolver_document)
    assert set(answer.json()) <= set(schema["properties"])
