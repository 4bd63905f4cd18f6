"""The W3C VC-API issue endpoint: the client builds the credential (its own id, issuer,
validity, status and any term its contexts define), the server fills in what is missing and
signs, and refuses anything it could not sign faithfully or in someone else's name."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import (
    SERVICE_BASE_URL,
    Provider,
    served_status_lists,
    table_counts,
    verify_offline,
)
from factories import open_badge_credential
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app.engine import Engine
from service.dids import StaticResolver
from service.store import Database, Repositories
from service.verification.pipeline import verify_credential

VC2 = "https://www.w3.org/ns/credentials/v2"
SERVER_SET = ("id", "issuer", "validFrom", "proof", "credentialStatus")  # when left out


def plain_request() -> dict[str, Any]:
    """A minimal VC 2.0 credential as a client would send it (no server-set fields)."""
    return {
        "credential": {
            "@context": [VC2],
            "type": ["VerifiableCredential"],
            "name": "Forklift safety briefing",
            "credentialSubject": {
                "id": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
                "name": "Amina Haddad",
            },
        }
    }


def badge_request() -> dict[str, Any]:
    """An Open Badges 3.0 credential from the shared factory, minus the server's fields."""
    credential = open_badge_credential()
    for field in SERVER_SET:
        credential.pop(field, None)
    return {"credential": credential, "options": {"cryptosuite": "eddsa-rdfc-2022"}}


def issue(client: Any, provider: Provider, body: Any, **headers: str) -> Any:
    return client.post("/credentials/issue", json=body, headers={**provider.headers, **headers})


def did_documents(client: Any, provider: Provider) -> dict[str, Any]:
    return {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()}


def test_issue_returns_201_with_the_signed_credential(
    client: Any, provider: Provider, service_engine: Engine, db: Database
) -> None:
    request = plain_request()
    response = issue(client, provider, request)

    assert response.status_code == 201, response.text
    assert list(response.json()) == ["verifiableCredential"]
    vc = response.json()["verifiableCredential"]
    assert vc["id"].startswith(f"{SERVICE_BASE_URL}/credentials/")
    assert vc["issuer"] == provider.did
    assert vc["validFrom"].endswith("Z")
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    for field, value in request["credential"].items():
        assert vc[field] == value
    assert set(vc) == set(request["credential"]) | set(SERVER_SET)
    entry = vc["credentialStatus"]  # one entry: an object, not a one-item list
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    assert entry["statusListCredential"].startswith(f"{SERVICE_BASE_URL}/status/")

    result = verify_offline(
        service_engine,
        vc,
        did_documents(client, provider),
        status_lists=served_status_lists(client, vc),
    )
    assert result.verified, [c.to_json() for c in result.checks]
    with db.transaction() as session:
        (row,) = Repositories(session).credentials.credentials(
            provider.issuer.id, limit=5, offset=0
        )
    assert row.document == vc
    assert row.learner_name == "Amina Haddad"


def test_an_open_badge_gets_the_provider_profile_as_issuer(
    client: Any, provider: Provider, service_engine: Engine
) -> None:
    response = issue(client, provider, badge_request())

    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert vc["issuer"] == {
        "id": provider.did,
        "type": ["Profile"],
        "name": "Vocational Training Centre Hamburg",
    }
    assert verify_offline(
        service_engine,
        vc,
        did_documents(client, provider),
        status_lists=served_status_lists(client, vc),
    ).verified


@pytest.mark.interop
def test_the_reference_javascript_verifier_accepts_vcapi_credentials(
    client: Any, provider: Provider, node: Any
) -> None:
    documents = did_documents(client, provider)
    for request in (plain_request(), badge_request()):
        vc = issue(client, provider, request).json()["verifiableCredential"]
        verify = {
            "op": "verify",
            "didDocuments": documents,
            "statusLists": served_status_lists(client, vc),
        }
        outcome = node.request({**verify, "credential": vc})
        assert outcome["verified"] is True and outcome["errors"] == [], outcome
        assert [s["status"] for s in outcome["statuses"]] == [False]
        forged = copy.deepcopy(vc)
        forged["credentialSubject"]["name"] = "Someone Else"
        refused = node.request({**verify, "credential": forged})
        assert refused["verified"] is False


def test_eddsa_jcs_2022_on_request(client: Any, provider: Provider, service_engine: Engine) -> None:
    request = {**plain_request(), "options": {"cryptosuite": "eddsa-jcs-2022"}}
    vc = issue(client, provider, request).json()["verifiableCredential"]
    assert vc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert verify_offline(
        service_engine,
        vc,
        did_documents(client, provider),
        status_lists=served_status_lists(client, vc),
    ).verified


def test_the_client_may_set_id_issuer_validity_and_terms_its_contexts_define(
    client: Any, provider: Provider, service_engine: Engine
) -> None:
    request = plain_request()
    request["credential"]["@context"].append(
        {"FlightSafetyBriefing": "https://example.org/vocab#FlightSafetyBriefing"}
    )
    request["credential"].update(
        {
            "id": "urn:uuid:6f3a1c2e-3c1b-4d8e-9a51-0b1f8a2c7d44",
            "issuer": {"id": provider.did, "name": "VTC Hamburg, Harbour campus"},
            "validFrom": "4023-02-26T01:02:58.447Z",
            "validUntil": "4024-01-01T00:00:00+01:00",
            "termsOfUse": {"type": "FlightSafetyBriefing", "id": "https://example.org/policy/1"},
            "relatedResource": [
                {
                    "id": "https://example.org/syllabus.pdf",
                    "digestSRI": "sha384-S57yQDg1MTzF56Oi9DbSQ14u7jBy0RDdx0YbeV7shwhCS88G8SCXeFq82PafhCrW",
                }
            ],
        }
    )
    response = issue(client, provider, request)

    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    for field, value in request["credential"].items():
        assert vc[field] == value, field
    # A far-future validFrom is the client's to choose: signature good, "not yet valid".
    # (Inline contexts are the verifier's policy to allow; here they are allowed.)
    verifier = dataclasses.replace(
        service_engine.verifier(resolver=StaticResolver(did_documents(client, provider))),
        allow_inline_contexts=True,
    )
    result = verify_credential(vc, verifier=verifier, now=datetime.now(UTC))
    assert result.check("proof").status == "passed", [c.to_json() for c in result.checks]
    assert result.check("validity").status == "failed"


def test_a_client_credential_status_is_signed_as_given(
    client: Any, provider: Provider, service_engine: Engine, db: Database
) -> None:
    request = plain_request()
    status = {
        "id": "https://status.example.org/lists/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://status.example.org/lists/3",
    }
    request["credential"]["credentialStatus"] = status
    before = table_counts(db)["status_entries"]
    response = issue(client, provider, request)

    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert vc["credentialStatus"] == status
    assert table_counts(db)["status_entries"] == before  # no index of ours was reserved


def test_the_issuer_must_be_the_caller(client: Any, provider: Provider, db: Database) -> None:
    before = table_counts(db)
    for issuer in ("did:example:someone-else", {"id": "did:web:example.org", "name": "Acme"}):
        request = plain_request()
        request["credential"]["issuer"] = issuer
        response = issue(client, provider, request)

        assert response.status_code == 422, issuer
        body = response.json()
        assert provider.did in body["detail"]
        assert [e["path"] for e in body["errors"]] == ["$.credential.issuer"]
    assert table_counts(db) == before


def test_every_problem_is_named_at_once(client: Any, provider: Provider, db: Database) -> None:
    request = plain_request()
    request["credential"].update(
        id="credentials/42",
        issuer="did:example:me",
        proof={"type": "DataIntegrityProof"},
        credentialSubject={},
        evidence=[{"id": "https://example.org/evidence/1"}],
        credentialSchema={"id": "https://example.org/schema.json"},
    )
    before = table_counts(db)
    response = issue(client, provider, request)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert sorted(e["path"] for e in response.json()["errors"]) == [
        "$.credential.credentialSchema",
        "$.credential.credentialSubject",
        "$.credential.evidence[0]",
        "$.credential.id",
        "$.credential.issuer",
        "$.credential.proof",
    ]
    assert table_counts(db) == before


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "path"),
    [
        ("Sat 25 Feb 2023 07:16:31 PM CST", None, "$.credential.validFrom"),
        ("2023-02-26T01:02:58", None, "$.credential.validFrom"),  # no time zone
        (None, "FUTURE DATE", "$.credential.validUntil"),
        ("2023-02-26T01:20:00Z", "2023-02-26T01:19:59Z", "$.credential.validUntil"),
        ("2023-02-30T00:00:00Z", None, "$.credential.validFrom"),  # no such day
        ("2023-02-26T01:20:00Z", "2024-01-01T25:00:00Z", "$.credential.validUntil"),
        ("12023-01-01T00:00:00Z", None, "$.credential.validFrom"),  # beyond year 9999
    ],
)
def test_bad_validity_dates_are_422(
    client: Any, provider: Provider, valid_from: str | None, valid_until: str | None, path: str
) -> None:
    request = plain_request()
    for field, value in (("validFrom", valid_from), ("validUntil", valid_until)):
        if value is not None:
            request["credential"][field] = value
    response = issue(client, provider, request)

    assert response.status_code == 422, response.text
    assert path in [e["path"] for e in response.json()["errors"]]


#: Requests outside the schema -> (how to break a valid request, the error path).
OUTSIDE_THE_SCHEMA: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "unknown-request-field": (lambda r: r.__setitem__("holder", "did:example:me"), "$"),
    "inline-context-not-object": (
        lambda r: r["credential"]["@context"].append(4),
        "$.credential.@context[1]",
    ),
    "issuer-of-wrong-kind": (
        lambda r: r["credential"].__setitem__("issuer", 4),
        "$.credential.issuer",
    ),
    "unknown-cryptosuite": (
        lambda r: r.__setitem__("options", {"cryptosuite": "rsa"}),
        "$.options.cryptosuite",
    ),
    "unknown-option": (lambda r: r.__setitem__("options", {"proofPurpose": "x"}), "$.options"),
    "no-VerifiableCredential-type": (
        lambda r: r["credential"].__setitem__("type", ["OpenBadgeCredential"]),
        "$.credential.type",
    ),
    "no-subject": (lambda r: r["credential"].pop("credentialSubject"), "$.credential"),
    "no-credential": (lambda r: r.pop("credential"), "$"),
}


def test_fields_outside_the_schema_are_422(client: Any, provider: Provider, db: Database) -> None:
    before = table_counts(db)
    for case, (change, path) in OUTSIDE_THE_SCHEMA.items():
        request = plain_request()
        change(request)
        response = issue(client, provider, request)

        assert response.status_code == 422, (case, response.text)
        assert path in [e["path"] for e in response.json()["errors"]], (case, response.json())
    assert table_counts(db) == before


def test_an_undefined_term_is_422_naming_it(client: Any, provider: Provider, db: Database) -> None:
    request = plain_request()
    request["credential"]["credentialSubject"]["favouriteColour"] = "teal"
    before = table_counts(db)
    response = issue(client, provider, request)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "favouriteColour" in response.json()["detail"]
    assert table_counts(db) == before


def test_the_first_context_must_be_vc_2(client: Any, provider: Provider, db: Database) -> None:
    before = table_counts(db)
    for contexts in (
        ["https://www.w3.org/2018/credentials/v1"],
        ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", VC2],
        ["https://example.org/my-context", VC2],
    ):
        request = plain_request()
        request["credential"]["@context"] = contexts
        response = issue(client, provider, request)

        assert response.status_code == 422, contexts
        assert VC2 in response.json()["detail"], contexts
    assert table_counts(db) == before


def test_an_untrusted_extra_context_is_422(client: Any, provider: Provider) -> None:
    request = plain_request()
    request["credential"]["@context"] = [VC2, "https://example.org/my-context"]
    response = issue(client, provider, request)
    assert response.status_code == 422
    assert "https://example.org/my-context" in response.json()["detail"]


def test_personal_data_in_the_subject_is_refused(client: Any, provider: Provider) -> None:
    request = plain_request()
    request["credential"]["credentialSubject"]["nationality"] = "SY"
    response = issue(client, provider, request)
    assert response.status_code == 422
    assert "nationality" in response.json()["detail"]


def test_idempotent_vcapi_issue(client: Any, provider: Provider, db: Database) -> None:
    first = issue(client, provider, plain_request(), **{"Idempotency-Key": "vc-1"})
    before = table_counts(db)
    again = issue(client, provider, plain_request(), **{"Idempotency-Key": "vc-1"})

    assert again.status_code == 201
    assert again.json() == first.json()
    assert table_counts(db) == before
    other = plain_request()
    other["credential"]["name"] = "Another briefing"
    refused = issue(client, provider, other, **{"Idempotency-Key": "vc-1"})
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.json()["detail"]
    assert table_counts(db) == before


def test_an_issue_scope_is_required(client: Any, provider: Provider) -> None:
    minted = client.post(
        f"/issuers/{provider.slug}/api-keys", json={"scopes": ["admin"]}, headers=provider.headers
    ).json()
    response = client.post(
        "/credentials/issue",
        json=plain_request(),
        headers={"Authorization": f"Bearer {minted['token']}"},
    )
    assert response.status_code == 403
    assert client.post("/credentials/issue", json=plain_request()).status_code == 401


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["urn:uuid:1", "did:example:me", "2023-02-30T00:00:00Z", VC2, ""]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "type", "name", "@context", "x"]), children, max_size=3
        )
    ),
    max_leaves=8,
)
request_fields = st.sampled_from(
    [
        "@context", "id", "type", "issuer", "credentialSubject", "validFrom", "validUntil",
        "credentialStatus", "credentialSchema", "termsOfUse", "evidence", "refreshService",
        "relatedResource", "name", "proof", "cryptosuite",
    ]
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=request_fields, value=json_values, where=st.sampled_from(["credential", "options"]))
def test_no_issue_request_is_a_server_error(
    client: Any, provider: Provider, field: str, value: Any, where: str
) -> None:
    """Whatever a client puts in a field: a credential or a problem that says what is wrong."""
    request = plain_request()
    request.setdefault("options", {})
    request[where][field] = value
    response = issue(client, provider, request)

    assert response.status_code in (201, 400, 409, 413, 422), response.text
    if response.status_code != 201:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]
