"""The OpenAPI document describes the API as it behaves: every operation has a description,
documents its errors as application/problem+json with the type URIs the service sends (pages:
HTML), the key-protected ones name the bearer scheme and answer 401/403/404 as documented, and
the request schemas are the files in schemas/ (one source)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Provider
from pydantic import SecretStr

from service.api.openapi.document import SCHEMA_BODIES
from service.api.openapi.errors import is_page
from service.config import Settings
from service.contexts import SCHEMAS_DIR

OPERATOR_TOKEN = "op_" + "Vb7kQ2mZ9xR4tL8wN1pC6yH3jD5sF0gA"

#: Operations with nothing a client can get wrong (no parameters, no body).
CANNOT_FAIL = {
    ("get", "/"),
    ("get", "/verify"),
    ("get", "/contexts/tessera/v1"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/verify/wallet"),  # starts a request: nothing the caller sends can be wrong
}


@pytest.fixture
def service_settings(service_settings: Settings) -> Settings:
    """With an operator token, so that registering a provider (POST /issuers) answers too."""
    return service_settings.model_copy(update={"operator_token": SecretStr(OPERATOR_TOKEN)})


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
            if is_page(path):
                if "text/html" not in content:
                    problems.append(f"{where} {status}: a page's error is a page")
                continue
            oauth = content.get("application/json", {}).get("schema")
            if oauth == {"$ref": "#/components/schemas/OAuthError"}:
                continue  # a wallet-facing OAuth endpoint answers in OAuth's own format
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


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    assert spec["openapi"].startswith("3.1")
    errors = [str(e).splitlines()[0] for e in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []


#: Success answers without a body.
EMPTY_ANSWERS = {"204", "304"}


def _is_json(media_type: str) -> bool:
    return media_type.endswith("json") or media_type in ("application/vc", "application/vp")


def _bare(schema: dict[str, Any]) -> bool:
    """No schema, or "some object" with nothing said of its members."""
    if "$ref" in schema or "allOf" in schema or "oneOf" in schema:
        return False
    if schema.get("type") == "array":
        return _bare(schema.get("items", {}))
    return "type" not in schema or (schema["type"] == "object" and not schema.get("properties"))


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_operation_has_a_typed_answer_with_an_example(spec: dict[str, Any]) -> None:
    problems = []
    for method, path, op in operations(spec):
        where = f"{method.upper()} {path}"
        answers = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        if not answers:
            problems.append(f"{where}: no success answer")
        for status, answer in answers.items():
            content = answer.get("content", {})
            if status in EMPTY_ANSWERS:
                if content:
                    problems.append(f"{where} {status}: an empty answer with content")
                continue
            if not content:
                problems.append(f"{where} {status}: no media type")
            for media_type, body in content.items():
                if _is_json(media_type):
                    if _bare(body.get("schema", {})):
                        problems.append(f"{where} {status} {media_type}: untyped")
                    if "example" not in body and "examples" not in body:
                        problems.append(f"{where} {status} {media_type}: no example")
                elif "schema" not in body:
                    problems.append(f"{where} {status} {media_type}: no schema")
    assert problems == []


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_documented_answer_belongs_to_an_operation(spec: dict[str, Any]) -> None:
    """A renamed or removed route leaves no stale answer behind in service/api/openapi/."""
    from service.api.openapi import answers, files, verification

    known = {(m, p) for m, p, _op in operations(spec)}
    for table in (answers.JSON_ANSWERS, files.FILE_ANSWERS, files.MEDIA_TYPES):
        assert set(table) <= known, set(table) - known
    assert set(verification.NOT_VERIFIED) <= known


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    import jsonschema

    document = {"components": spec["components"], **schema}
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_example_is_valid_against_its_schema(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        for status, answer in op["responses"].items():
            for media_type, body in answer.get("content", {}).items():
                if "example" in body and "schema" in body and _is_json(media_type):
                    errors = list(_validator(spec, body["schema"]).iter_errors(body["example"]))
                    assert errors == [], (method, path, status, errors[0].message)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_real_answers_are_what_the_document_says(
    spec: dict[str, Any], client: Any, make_provider: Any
) -> None:
    """Drive the provider's and the public API for real and check each answer, with
    jsonschema, against the schema the document gives for its operation and media type."""
    from conftest import SERVICE_BASE_URL, award_data, module_data
    from factories import presentation

    from service.export.qr import short_id

    provider = make_provider(suspension=True)

    checked: set[tuple[str, str]] = set()

    def call(method: str, template: str, url: str, status: int = 0, **kwargs: Any) -> Any:
        """Send the request; its answer must be documented for the operation, in its media
        type, and a JSON answer must validate against the documented schema."""
        headers = kwargs.pop("headers", provider.headers)
        response = client.request(method, url, headers=headers, **kwargs)
        if status:
            assert response.status_code == status, (method, url, response.text)
        else:
            assert 200 <= response.status_code < 300, (method, url, response.text)
        op = spec["paths"][template][method.lower()]
        content = op["responses"][str(response.status_code)]["content"]
        media_type = response.headers["content-type"].split(";")[0]
        assert media_type in content, (method, template, media_type, list(content))
        checked.add((method.lower(), template))
        if not _is_json(media_type):
            return response.content
        schema = content[media_type]["schema"]
        errors = list(_validator(spec, schema).iter_errors(response.json()))
        assert errors == [], (method, template, [e.message for e in errors])
        return response.json()

    base = f"/issuers/{provider.slug}"
    i = "/issuers/{issuer}"
    call("GET", "/healthz", "/healthz")
    call("GET", "/readyz", "/readyz")
    call(
        "POST",
        "/issuers",
        "/issuers",
        json={"name": "Mobile Training Team North"},
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
    )
    call("GET", i, base)
    call("GET", i + "/did.json", base + "/did.json")
    call("GET", "/contexts/tessera/v1", "/contexts/tessera/v1")
    programme = call(
        "POST",
        i + "/programmes",
        base + "/programmes",
        json={"name": {"en": "Metalworking assistant"}, "defaultLanguage": "en"},
    )
    call("GET", i + "/programmes", base + "/programmes")
    call("GET", i + "/programmes/{programme_id}", f"{base}/programmes/{programme['id']}")
    module = call("POST", i + "/modules", base + "/modules", json=module_data())
    call("GET", i + "/modules", base + "/modules")
    call("GET", i + "/modules/{module_id}", f"{base}/modules/{module['id']}")
    award = call(
        "POST", i + "/awards", base + "/awards", json={"moduleId": module["id"], **award_data()}
    )
    credential = award["verifiableCredential"]
    call(
        "POST",
        i + "/awards/batch",
        base + "/awards/batch?include=credentials",
        json={"moduleId": module["id"], "awards": [award_data("Yonas Tesfay")]},
    )
    call(
        "POST",
        "/credentials/issue",
        "/credentials/issue",
        json={
            "credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "credentialSubject": {"name": "Chidi Okafor"},
            }
        },
    )
    listed = call("GET", i + "/credentials", base + "/credentials")  # newest first
    row = listed[0]["id"]
    call("GET", i + "/credentials/{credential_id}", f"{base}/credentials/{row}")
    call(
        "POST",
        "/credentials/verify",
        "/credentials/verify",
        json={"verifiableCredential": credential},
    )
    tampered = {**credential, "validFrom": "2020-01-01T00:00:00Z"}
    call(
        "POST",
        "/credentials/verify",
        "/credentials/verify",
        400,
        json={"verifiableCredential": tampered},
    )
    call(
        "POST",
        "/presentations/verify",
        "/presentations/verify",
        400,
        json={"verifiablePresentation": presentation(tampered)},
    )
    call(
        "POST",
        "/presentations/verify",
        "/presentations/verify",
        json={"verifiablePresentation": presentation(credential)},
    )
    entry = credential["credentialStatus"]
    entry = entry[0] if isinstance(entry, list) else entry
    status_url = entry["statusListCredential"].removeprefix(SERVICE_BASE_URL)
    call("GET", "/status/{list_id}", status_url)
    link = call("POST", i + "/wallet-links", base + "/wallet-links", json={"credentialIds": [row]})
    call("GET", i + "/wallet-links", base + "/wallet-links")
    call("GET", i + "/wallet-links/{link_id}", f"{base}/wallet-links/{link['id']}")
    renewed = call(
        "POST", i + "/wallet-links/{link_id}/renew", f"{base}/wallet-links/{link['id']}/renew"
    )
    wallet = renewed["url"].removeprefix(SERVICE_BASE_URL)
    call("GET", "/wallet/{token}/credentials.json", wallet + "/credentials.json")
    call(
        "GET",
        "/wallet/{token}/{code}/credential.json",
        f"{wallet}/{short_id(row)}/credential.json",
    )
    w = "/wallet/{token}/{code}"
    code = short_id(row)
    call("GET", "/wallet/{token}", wallet)
    call("GET", w + "/verify-qr.{image}", f"{wallet}/{code}/verify-qr.png")
    call("GET", w + "/verify-qr.{image}", f"{wallet}/{code}/verify-qr.svg")
    call("GET", w + "/offline-qr.{image}", f"{wallet}/{code}/offline-qr.svg")
    pdf = call("GET", w + "/certificate.pdf", f"{wallet}/{code}/certificate.pdf")
    assert pdf.startswith(b"%PDF")
    call("GET", "/", "/")
    call("GET", "/verify", "/verify")
    c = i + "/credentials/{credential_id}"
    call("POST", c + "/suspend", f"{base}/credentials/{row}/suspend", json={"reason": "checking"})
    call("POST", c + "/unsuspend", f"{base}/credentials/{row}/unsuspend", json={})
    call("GET", c + "/status", f"{base}/credentials/{row}/status")
    call(
        "POST", c + "/revoke", f"{base}/credentials/{row}/revoke", json={"reason": "wrong learner"}
    )
    call("POST", i + "/api-keys", base + "/api-keys", json={"label": "laptop"})
    call("GET", i + "/api-keys", base + "/api-keys")
    call("GET", i + "/audit", base + "/audit")
    call("POST", i + "/keys/revoke", base + "/keys/revoke", json={})
    assert len(checked) >= 38
