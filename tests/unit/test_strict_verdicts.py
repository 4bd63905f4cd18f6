"""Strict reading (I-JSON, offsets, a subject) and keys with a history (``revoked``): each
case is a genuine signed credential changed in one way, and the verdict it must get."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from factories import small_credential

from service.contexts import ContextStore
from service.dids import StaticResolver, controller_document, method_from_document
from service.errors import VC_DM, StrictJsonError
from service.keys import Ed25519Signer, encode_public_multikey, public_key_from_seed
from service.proofs import Canonicalizer, sign, verification_suites
from service.strict_json import loads_strict
from service.verification.pipeline import Verifier, verify_credential

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DID = "did:web:vtc-hamburg.example"
PARSING_ERROR = VC_DM + "PARSING_ERROR"


def web_key(seed: int) -> tuple[Ed25519Signer, str, str]:
    raw = bytes([seed]) * 32
    multikey = encode_public_multikey(public_key_from_seed(raw))
    vm = f"{DID}#{multikey}"
    return Ed25519Signer(raw, verification_method=vm), vm, multikey


OLD, OLD_VM, OLD_MK = web_key(1)
NEW, NEW_VM, NEW_MK = web_key(2)


def verifier_for(context_store: ContextStore, canonicalizer: Canonicalizer, doc: Any) -> Verifier:
    resolver = StaticResolver()
    resolver.add(doc)
    return Verifier(
        contexts=context_store, suites=verification_suites(canonicalizer), resolver=resolver
    )


def signed_by(
    canonicalizer: Canonicalizer, signer: Ed25519Signer, created: datetime, **fields: Any
) -> dict[str, Any]:
    document = {**small_credential(DID), "validFrom": "2024-01-01T00:00:00Z", **fields}
    return sign(document, signer=signer, canonicalizer=canonicalizer, created=created)


# -- strict JSON -------------------------------------------------------------------------------


def test_a_duplicate_member_is_a_parsing_error_wherever_it_is(
    context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    document = controller_document(DID, [(OLD_VM, OLD_MK)])
    verifier = verifier_for(context_store, canonicalizer, document)
    genuine = signed_by(canonicalizer, OLD, datetime(2025, 1, 1, tzinfo=UTC))
    text = json.dumps(genuine)
    assert verify_credential(text, verifier=verifier, now=NOW).verified
    # A forged subject placed before the real one: Python would keep the last (genuine) one and
    # verify it, while a reader keeping the first would show the forgery.
    forged = text.replace(
        '"credentialSubject":',
        '"credentialSubject": {"name": "Someone Else"}, "credentialSubject":',
    )
    result = verify_credential(forged, verifier=verifier, now=NOW)
    assert not result.verified
    assert result.check("parse").status == "failed"
    assert "'credentialSubject' appears twice" in result.check("parse").detail
    assert result.problem_details[0]["type"] == PARSING_ERROR


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b'{"a": NaN}', "NaN"),
        (b'{"a": Infinity}', "Infinity"),
        (b'{"a": -Infinity}', "-Infinity"),
        (b'{"a": "\\ud800"}', "surrogate"),
        (b'{"\\udfff": 1}', "surrogate"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),  # an encoded surrogate is not UTF-8 either
        (b'{"a": "\xff"}', "not UTF-8"),
        (b'{"a": 1, "a": 1}', "appears twice"),
        (b'{"a": {"b": 1, "b": 2}}', "appears twice"),
    ],
)
def test_what_strict_reading_refuses(raw: bytes, says: str) -> None:
    with pytest.raises(StrictJsonError, match=says) as caught:
        loads_strict(raw)
    assert caught.value.problem_type == PARSING_ERROR


def test_strict_reading_keeps_what_is_fine() -> None:
    assert loads_strict('\ufeff{"a": "\\ud83d\\ude00", "b": [1.5, -2e3]}') == {
        "a": "😀",
        "b": [1.5, -2000.0],
    }


@pytest.mark.parametrize(
    "raw",
    [
        b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],'
        b' "issuer": "did:key:z6Mk", "credentialSubject": {"name": NaN}}',
        b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],'
        b' "issuer": "did:key:z6Mk", "credentialSubject": {"name": "\\udc00"}}',
    ],
)
def test_the_pipeline_reports_them_as_parsing_errors(
    raw: bytes, context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    verifier = verifier_for(context_store, canonicalizer, controller_document(DID, []))
    for given in (raw, raw.decode("utf-8")):
        result = verify_credential(given, verifier=verifier, now=NOW)
        assert result.check("parse").status == "failed"
        assert result.problem_details[0]["type"] == PARSING_ERROR


# -- shapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("subject", [{}, [], [{}], "did:example:1", [{"name": "x"}, {}]])
def test_an_empty_subject_is_refused(
    subject: Any, context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    verifier = verifier_for(context_store, canonicalizer, controller_document(DID, []))
    result = verify_credential(
        {**small_credential(DID), "credentialSubject": subject}, verifier=verifier, now=NOW
    )
    assert result.check("parse").status == "failed"
    assert "credentialSubject" in result.check("parse").detail
    assert result.problem_details[0]["type"] == VC_DM + "MALFORMED_VALUE_ERROR"


def test_a_date_time_without_an_offset_is_refused(
    context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    document = controller_document(DID, [(OLD_VM, OLD_MK)])
    verifier = verifier_for(context_store, canonicalizer, document)
    signed = signed_by(
        canonicalizer, OLD, datetime(2025, 1, 1, tzinfo=UTC), validFrom="2024-01-01T00:00:00"
    )
    result = verify_credential(signed, verifier=verifier, now=NOW)
    assert not result.verified
    assert result.check("validity").status == "failed"
    assert "time-zone offset" in result.check("validity").detail


# -- keys with a history -----------------------------------------------------------------------

COMPROMISED = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def rotated_document() -> dict[str, Any]:
    """The old key declared compromised from 1 March, a new key since."""
    return controller_document(
        DID, [(OLD_VM, OLD_MK), (NEW_VM, NEW_MK)], revoked={OLD_VM: COMPROMISED}
    )


def test_the_did_document_publishes_the_revocation(rotated_document: dict[str, Any]) -> None:
    old = next(m for m in rotated_document["verificationMethod"] if m["id"] == OLD_VM)
    assert old["revoked"] == "2025-03-01T00:00:00Z"
    assert method_from_document(rotated_document, OLD_VM).revoked == COMPROMISED
    assert method_from_document(rotated_document, NEW_VM).revoked is None


@pytest.mark.parametrize(
    ("signer", "created", "verified"),
    [
        (OLD, COMPROMISED - timedelta(days=30), True),  # signed before: still genuine
        (OLD, COMPROMISED, False),  # at the moment of compromise: anyone may have signed
        (OLD, COMPROMISED + timedelta(days=1), False),
        (NEW, COMPROMISED + timedelta(days=1), True),  # the new key is unaffected
    ],
)
def test_a_revoked_key_fails_proofs_made_from_then_on(
    signer: Ed25519Signer,
    created: datetime,
    verified: bool,
    rotated_document: dict[str, Any],
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
) -> None:
    verifier = verifier_for(context_store, canonicalizer, rotated_document)
    result = verify_credential(
        signed_by(canonicalizer, signer, created), verifier=verifier, now=NOW
    )
    assert result.verified is verified, result.to_json()
    if not verified:
        assert result.check("issuer").status == "failed"
        assert "compromised" in result.check("issuer").detail


def test_an_unreadable_revoked_value_counts_as_revoked_since_ever(
    context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    document = controller_document(DID, [(OLD_VM, OLD_MK)])
    document["verificationMethod"][0]["revoked"] = "yesterday"
    verifier = verifier_for(context_store, canonicalizer, document)
    signed = signed_by(canonicalizer, OLD, datetime(2020, 1, 1, tzinfo=UTC))
    assert not verify_credential(signed, verifier=verifier, now=NOW).verified
