"""Credentials already in circulation: VC Data Model 1.1 (``issuanceDate``/``expirationDate``),
signed with ``Ed25519Signature2020`` or a ``DataIntegrityProof`` (eddsa-rdfc-2022), with a
``StatusList2021Entry`` or a ``BitstringStatusListEntry``. Tessera verifies them and never
issues them."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from factories import ISSUER_DID_KEY

from service.contexts import CREDENTIALS_V1, ED25519_2020_V1, ContextStore
from service.dids import StaticResolver
from service.keys import Ed25519Signer
from service.proofs import Canonicalizer, Ed25519Signature2020, EddsaRdfc2022, verification_suites
from service.proofs.data_integrity import Cryptosuite, add_proof
from service.status.bitstring import (
    STATUS_LIST_2021,
    bitstring,
    encode_list,
    read_list_credential,
)
from service.verification.pipeline import Verifier, verify_credential
from service.verification.status import FunctionLists, StatusChecker

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2025, 3, 1, tzinfo=UTC)
DATA_INTEGRITY_V1 = "https://w3id.org/security/data-integrity/v1"
STATUS_2021_CONTEXT = "https://w3id.org/vc/status-list/2021/v1"
LIST_URL = "https://issuer.example/status/2021/7"
REVOKED_INDEX = 94567


def vc11_credential(proof_context: str, **fields: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V1, STATUS_2021_CONTEXT, proof_context],
        "id": "urn:uuid:8a7b6c5d-4e3f-4210-9a8b-7c6d5e4f3a21",
        "type": ["VerifiableCredential"],
        "issuer": {"id": ISSUER_DID_KEY},
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    credential.update(fields)
    return credential


def status_2021_entry(index: int) -> dict[str, str]:
    return {
        "id": f"{LIST_URL}#{index}",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
    }


SUITES = {
    "Ed25519Signature2020": (Ed25519Signature2020, ED25519_2020_V1),
    "eddsa-rdfc-2022": (EddsaRdfc2022, DATA_INTEGRITY_V1),
}


@pytest.fixture(scope="module")
def verifier(context_store: ContextStore, canonicalizer: Canonicalizer) -> Verifier:
    return Verifier(
        contexts=context_store,
        suites=verification_suites(canonicalizer),
        resolver=StaticResolver(),
    )


@pytest.fixture(params=sorted(SUITES))
def suite_name(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def make(canonicalizer: Canonicalizer, vector_signer: Ed25519Signer, suite_name: str) -> Any:
    suite_class, proof_context = SUITES[suite_name]
    suite: Cryptosuite = suite_class(canonicalizer)

    def make(**fields: Any) -> dict[str, Any]:
        return add_proof(
            vc11_credential(proof_context, **fields),
            signer=vector_signer,
            suite=suite,
            created=SIGNED_AT,
        )

    return make


def test_a_vc11_credential_verifies(make: Any, verifier: Verifier, suite_name: str) -> None:
    signed = make(expirationDate="2030-01-01T00:00:00Z")
    result = verify_credential(signed, verifier=verifier, now=NOW)
    assert result.verified, result.to_json()
    assert suite_name in result.check("proof").detail
    assert result.check("validity").detail == (
        "Valid from 2024-01-01 00:00 UTC until 2030-01-01 00:00 UTC."
    )


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "id"), "did:example:someone-else"),
        (("issuanceDate",), "2023-01-01T00:00:00Z"),
        (("id",), "urn:uuid:00000000-4e3f-4210-9a8b-7c6d5e4f3a21"),
    ],
)
def test_a_tampered_vc11_credential_fails_the_proof(
    make: Any, verifier: Verifier, path: tuple[str, ...], value: str
) -> None:
    signed = make()
    target = signed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    result = verify_credential(signed, verifier=verifier, now=NOW)
    assert result.check("proof").status == "failed"
    assert not result.verified


def test_an_expired_vc11_credential_fails_validity(make: Any, verifier: Verifier) -> None:
    result = verify_credential(
        make(expirationDate="2025-01-01T00:00:00Z"), verifier=verifier, now=NOW
    )
    assert result.check("proof").status == "passed"
    assert result.check("validity").status == "failed"
    assert "expired on 2025-01-01" in result.check("validity").detail
    future = verify_credential(
        make(issuanceDate="2026-01-01T00:00:00Z"), verifier=verifier, now=NOW
    )
    assert future.check("validity").status == "failed"
    assert "not valid yet" in future.check("validity").detail


def test_a_vc11_credential_without_issuance_date_is_refused(
    make: Any, verifier: Verifier, canonicalizer: Canonicalizer, vector_signer: Ed25519Signer
) -> None:
    unsigned = vc11_credential(DATA_INTEGRITY_V1)
    del unsigned["issuanceDate"]
    signed = add_proof(
        unsigned, signer=vector_signer, suite=EddsaRdfc2022(canonicalizer), created=SIGNED_AT
    )
    result = verify_credential(signed, verifier=verifier, now=NOW)
    assert result.check("proof").status == "passed"
    assert result.check("validity").status == "failed"
    assert "issuanceDate" in result.check("validity").detail
    assert not result.verified


def test_vc2_validity_fields_mean_nothing_in_a_vc11_credential(
    make: Any, verifier: Verifier
) -> None:
    """VC 1.1 has no validUntil: an expired-looking one is not signed data either (dropped)."""
    signed = make()
    signed["validUntil"] = "2000-01-01T00:00:00Z"
    result = verify_credential(signed, verifier=verifier, now=NOW)
    assert result.check("proof").status == "failed"


# -- StatusList2021 -------------------------------------------------------------------------


@pytest.fixture
def status_list_2021(make: Any, canonicalizer: Canonicalizer, vector_signer: Ed25519Signer) -> Any:
    encoded = encode_list(bitstring(131_072, [REVOKED_INDEX]))[1:]  # 2021: no multibase 'u'
    return add_proof(
        {
            "@context": [CREDENTIALS_V1, STATUS_2021_CONTEXT, DATA_INTEGRITY_V1],
            "id": LIST_URL,
            "type": ["VerifiableCredential", "StatusList2021Credential"],
            "issuer": ISSUER_DID_KEY,
            "issuanceDate": "2025-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{LIST_URL}#list",
                "type": "StatusList2021",
                "statusPurpose": "revocation",
                "encodedList": encoded,
            },
        },
        signer=vector_signer,
        suite=EddsaRdfc2022(canonicalizer),
        created=SIGNED_AT,
    )


def test_status_list_2021_is_read_without_a_multibase_prefix(status_list_2021: Any) -> None:
    bits = read_list_credential(
        status_list_2021, purpose="revocation", list_format=STATUS_LIST_2021
    )
    assert bits[REVOKED_INDEX // 8] == 0x80 >> (REVOKED_INDEX % 8)
    with pytest.raises(Exception, match="BitstringStatusListCredential"):
        read_list_credential(status_list_2021, purpose="revocation")


@pytest.mark.parametrize(("index", "verdict"), [(REVOKED_INDEX, "failed"), (7, "passed")])
def test_a_status_list_2021_entry_is_checked(
    make: Any, verifier: Verifier, status_list_2021: Any, index: int, verdict: str
) -> None:
    lists = {LIST_URL: status_list_2021}
    checking = replace(
        verifier, status=StatusChecker(FunctionLists(lists.get), list_verifier=verifier)
    )
    signed = make(credentialStatus=status_2021_entry(index))
    result = verify_credential(signed, verifier=checking, now=NOW)
    assert result.check("proof").status == "passed", result.to_json()
    assert result.check("status").status == verdict, result.check("status").detail
    assert result.verified is (verdict == "passed")
    if verdict == "failed":
        assert result.check("status").detail == "The issuer has revoked this credential."
    # A 2021 entry pointing at a list whose signature does not hold is not "not revoked".
    forged = copy.deepcopy(status_list_2021)
    forged["credentialSubject"]["encodedList"] = encode_list(bitstring(131_072, []))[1:]
    lists[LIST_URL] = forged
    later = NOW + timedelta(seconds=1)
    assert verify_credential(signed, verifier=checking, now=later).check("status").status == (
        "failed"
    )
