"""The verification pipeline: every check, in order, and never a traceback."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from factories import ISSUER_DID_KEY, open_badge_credential, small_credential
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.contexts import CREDENTIALS_V1, CREDENTIALS_V2, OPEN_BADGES_V3, ContextStore
from service.dids import StaticResolver
from service.errors import VC_DM
from service.keys import Ed25519Signer
from service.proofs import Canonicalizer, EddsaJcs2022, sign, verification_suites
from service.proofs.data_integrity import unsecured
from service.proofs.eddsa_jcs_2022 import jcs
from service.verification.pipeline import (
    CHECK_IDS,
    STATUS_RETRIEVAL_ERROR,
    Check,
    VerificationResult,
    Verifier,
    verify_credential,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2025, 3, 1, tzinfo=UTC)
SKEW = timedelta(minutes=5)
CRYPTOSUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def verifier(context_store: ContextStore, canonicalizer: Canonicalizer) -> Verifier:
    return Verifier(
        contexts=context_store,
        suites=verification_suites(canonicalizer),
        resolver=StaticResolver(),
        clock_skew=SKEW,
    )


@pytest.fixture(scope="module")
def signer(vector_signer: Ed25519Signer) -> Ed25519Signer:
    return vector_signer  # its did:key is factories.ISSUER_DID_KEY


@pytest.fixture(scope="module")
def make_signed(canonicalizer: Canonicalizer, signer: Ed25519Signer) -> Any:
    def make(
        document: Mapping[str, Any] | None = None,
        *,
        created: datetime = SIGNED_AT,
        cryptosuite: str = "eddsa-rdfc-2022",
        **fields: Any,
    ) -> dict[str, Any]:
        base = dict(document or small_credential())
        base.update(fields)
        return sign(
            base,
            signer=signer,
            canonicalizer=canonicalizer,
            created=created,
            cryptosuite=cryptosuite,
        )

    return make


@pytest.fixture(scope="module")
def signed_small(make_signed: Any) -> dict[str, Any]:
    return make_signed()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def signed_badge(make_signed: Any) -> dict[str, Any]:
    return make_signed(open_badge_credential())  # type: ignore[no-any-return]


def statuses(result: VerificationResult) -> dict[str, str]:
    return {c.check: c.status for c in result.checks}


# -- the shape of the verdict ---------------------------------------------------------------


@pytest.mark.parametrize("cryptosuite", CRYPTOSUITES)
@pytest.mark.parametrize("factory", [small_credential, open_badge_credential])
def test_signed_credentials_verify(
    factory: Any, cryptosuite: str, make_signed: Any, verifier: Verifier
) -> None:
    signed = make_signed(factory(), cryptosuite=cryptosuite)
    for given_as in (signed, json.dumps(signed), json.dumps(signed).encode()):
        result = verify_credential(given_as, verifier=verifier, now=NOW)
        assert result.verified, result.to_json()
        assert statuses(result) == {
            "parse": "passed",
            "context": "passed",
            "proof": "passed",
            "issuer": "passed",
            "validity": "passed",
            "status": "passed",  # no credentialStatus: nothing can revoke it
            "trust": "unknown",
        }
        assert result.issuer == ISSUER_DID_KEY
        assert cryptosuite in result.check("proof").detail
        assert result.credential == signed


def test_every_check_in_order(signed_small: dict[str, Any], verifier: Verifier) -> None:
    assert CHECK_IDS == ("parse", "context", "proof", "issuer", "validity", "status", "trust")
    for credential in (signed_small, b"not json", {"@context": 5}):
        result = verify_credential(credential, verifier=verifier, now=NOW)
        assert tuple(c.check for c in result.checks) == CHECK_IDS
        assert [c["check"] for c in result.to_json()["checks"]] == list(CHECK_IDS)
        assert all(c.detail for c in result.checks)


def test_a_parse_failure_leaves_every_later_check_unknown(verifier: Verifier) -> None:
    result = verify_credential(b"{", verifier=verifier, now=NOW)
    assert statuses(result) == {"parse": "failed", **{c: "unknown" for c in CHECK_IDS[1:]}}
    assert result.credential is None and result.issuer is None


def _status(outcome: str) -> Any:
    def check(document: Mapping[str, Any], now: datetime) -> Check:
        return Check("status", outcome, f"status {outcome}")  # type: ignore[arg-type]

    return check


def _trust(outcome: str) -> Any:
    def check(issuer: str, valid_from: datetime | None, now: datetime) -> Check:
        return Check("trust", outcome, f"trust {outcome} for {issuer}")  # type: ignore[arg-type]

    return check


STATUS_ENTRY = {
    "id": "https://example.org/status/1#5",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "5",
    "statusListCredential": "https://example.org/status/1",
}


@pytest.mark.parametrize(
    ("status", "trust", "verified"),
    [
        ("passed", None, True),
        ("passed", "passed", True),
        ("passed", "unknown", True),  # trust colours the page; it does not decide `verified`
        ("unknown", "passed", False),  # fail closed: an unchecked status is not a pass
        (None, "passed", False),  # nothing to check the status with: not verified either
        ("failed", None, False),
        ("passed", "failed", False),
    ],
)
def test_status_and_trust_checkers(
    status: str | None,
    trust: str | None,
    verified: bool,
    make_signed: Any,
    verifier: Verifier,
) -> None:
    signed = make_signed(credentialStatus=STATUS_ENTRY)
    custom = replace(
        verifier,
        status=_status(status) if status else None,
        trust=_trust(trust) if trust else None,
    )
    result = verify_credential(signed, verifier=custom, now=NOW)
    assert result.verified is verified
    assert result.check("status").status == (status or "unknown")
    assert result.check("trust").status == (trust or "unknown")
    if trust:
        assert ISSUER_DID_KEY in result.check("trust").detail
    if status is None:
        assert [p["type"] for p in result.to_json()["problemDetails"]] == [STATUS_RETRIEVAL_ERROR]


def test_no_status_entry_passes_without_a_status_checker(
    signed_small: dict[str, Any], verifier: Verifier
) -> None:
    result = verify_credential(signed_small, verifier=verifier, now=NOW)
    assert result.verified and result.check("status").status == "passed"
    assert result.to_json()["problemDetails"] == []


def test_skipped_checks_are_named_and_no_longer_required(
    make_signed: Any, verifier: Verifier
) -> None:
    signed = make_signed(credentialStatus=STATUS_ENTRY)
    assert not verify_credential(signed, verifier=verifier, now=NOW).verified
    result = verify_credential(signed, verifier=verifier, now=NOW, skip=["status"])
    assert result.verified
    assert result.to_json()["skippedChecks"] == ["status"]
    assert result.check("status").status == "unknown"
    assert "Skipped" in result.check("status").detail
    # skipping the status never turns a bad signature into a pass
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["name"] = "Someone Else"
    assert not verify_credential(tampered, verifier=verifier, now=NOW, skip=["status"]).verified


def test_checkers_are_not_consulted_when_the_proof_fails(
    signed_small: dict[str, Any], verifier: Verifier
) -> None:
    calls: list[str] = []

    def status(document: Mapping[str, Any], now: datetime) -> Check:
        calls.append("status")
        return Check("status", "passed", "ok")

    def trust(issuer: str, valid_from: datetime | None, now: datetime) -> Check:
        calls.append("trust")
        return Check("trust", "passed", "ok")

    tampered = copy.deepcopy(signed_small)
    tampered["credentialSubject"]["name"] = "Someone Else"
    tampered["credentialStatus"] = STATUS_ENTRY
    result = verify_credential(
        tampered, verifier=replace(verifier, status=status, trust=trust), now=NOW
    )
    assert calls == []
    assert statuses(result)["status"] == statuses(result)["trust"] == "unknown"


def test_verified_needs_proof_issuer_and_validity_to_pass(
    make_signed: Any, verifier: Verifier, context_store: ContextStore
) -> None:
    # issuer failed: the credential names another issuer than the key's controller
    wrong_issuer = make_signed(issuer="did:web:example.org")
    result = verify_credential(wrong_issuer, verifier=verifier, now=NOW)
    assert statuses(result)["proof"] == "passed" and statuses(result)["issuer"] == "failed"
    assert not result.verified
    # validity failed only
    expired = make_signed(validUntil=iso(NOW - timedelta(days=1)))
    result = verify_credential(expired, verifier=verifier, now=NOW)
    assert [c.check for c in result.checks if c.status == "failed"] == ["validity"]
    assert not result.verified
    # proof unknown (context trusted but not installed): no check failed, still not verified
    empty = ContextStore(context_store.directory.parent / "empty-store")
    result = verify_credential(make_signed(), verifier=replace(verifier, contexts=empty), now=NOW)
    assert statuses(result)["context"] == "unknown" and statuses(result)["proof"] == "unknown"
    assert not any(c.status == "failed" for c in result.checks)
    assert not result.verified


def test_problem_details_shape(signed_small: dict[str, Any], verifier: Verifier) -> None:
    assert verify_credential(signed_small, verifier=verifier, now=NOW).problem_details == []
    tampered = copy.deepcopy(signed_small)
    tampered["validFrom"] = iso(NOW + timedelta(days=1))
    body = verify_credential(tampered, verifier=verifier, now=NOW).to_json()
    assert body["verified"] is False
    problems = body["problemDetails"]
    assert [p["title"] for p in problems] == ["proof check failed", "validity check failed"]
    for problem in problems:
        assert set(problem) == {"type", "title", "detail"}
        assert problem["type"].startswith("https://")
        assert problem["detail"]
    assert problems[0]["type"] == VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR"
    assert problems[1]["type"] == VC_DM + "RANGE_ERROR"
    json.dumps(body)  # serializable as it is


# -- validity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "created", "outcome", "words"),
    [
        ({}, SIGNED_AT, "passed", "Valid since"),
        ({"validFrom": None}, SIGNED_AT, "passed", "no validity period"),
        ({"validFrom": iso(NOW + timedelta(days=2))}, SIGNED_AT, "failed", "not valid yet"),
        (
            {"validFrom": iso(NOW + SKEW + timedelta(seconds=1))},
            SIGNED_AT,
            "failed",
            "not valid yet",
        ),
        ({"validFrom": iso(NOW + SKEW - timedelta(seconds=1))}, SIGNED_AT, "passed", "Valid since"),
        ({"validUntil": iso(NOW - timedelta(days=2))}, SIGNED_AT, "failed", "expired"),
        ({"validUntil": iso(NOW - SKEW - timedelta(seconds=1))}, SIGNED_AT, "failed", "expired"),
        ({"validUntil": iso(NOW - SKEW + timedelta(seconds=1))}, SIGNED_AT, "passed", "until"),
        ({"validUntil": iso(NOW + timedelta(days=365))}, SIGNED_AT, "passed", "until"),
        (
            {"validFrom": "2025-02-01T00:00:00Z", "validUntil": "2025-01-01T00:00:00Z"},
            SIGNED_AT,
            "failed",
            "before",
        ),
        ({}, NOW + timedelta(hours=1), "failed", "future"),
        ({}, NOW + SKEW + timedelta(seconds=1), "failed", "future"),
        ({}, NOW + SKEW - timedelta(seconds=1), "passed", "Valid since"),
        ({"validFrom": "2025-01-01T02:00:00+02:00"}, SIGNED_AT, "passed", "2025-01-01 00:00 UTC"),
    ],
    ids=[
        "valid",
        "no-dates",
        "not-yet-valid",
        "not-yet-valid-just-past-skew",
        "not-yet-valid-within-skew",
        "expired",
        "expired-just-past-skew",
        "expired-within-skew",
        "valid-until-next-year",
        "until-before-from",
        "created-in-the-future",
        "created-just-past-skew",
        "created-within-skew",
        "offset-is-normalised",
    ],
)
def test_validity(
    fields: dict[str, Any],
    created: datetime,
    outcome: str,
    words: str,
    make_signed: Any,
    verifier: Verifier,
) -> None:
    document = small_credential()
    for key, value in fields.items():
        if value is None:
            del document[key]
        else:
            document[key] = value
    result = verify_credential(make_signed(document, created=created), verifier=verifier, now=NOW)
    validity = result.check("validity")
    assert validity.status == outcome, validity
    assert words in validity.detail
    assert result.check("proof").status == "passed"
    assert result.verified is (outcome == "passed")


@pytest.mark.parametrize(
    ("field", "value"),
    [("validFrom", "yesterday"), ("validUntil", "2025-13-01T00:00:00Z"), ("validFrom", 20250101)],
)
def test_malformed_dates_fail_validity(
    field: str, value: Any, signed_small: dict[str, Any], verifier: Verifier
) -> None:
    document = copy.deepcopy(signed_small)
    document[field] = value
    validity = verify_credential(document, verifier=verifier, now=NOW).check("validity")
    assert validity.status == "failed"
    assert validity.problem_type == VC_DM + "MALFORMED_VALUE_ERROR"


def test_expired_proof(signed_small: dict[str, Any], verifier: Verifier) -> None:
    document = copy.deepcopy(signed_small)
    document["proof"]["expires"] = iso(NOW - timedelta(days=1))
    assert (
        verify_credential(document, verifier=verifier, now=NOW).check("validity").status == "failed"
    )


def test_dates_at_the_edge_of_the_calendar_do_not_crash(
    make_signed: Any, verifier: Verifier
) -> None:
    """Year 1 with a positive offset is before year 1 in UTC; it must not overflow."""
    for fields in (
        {"validFrom": "0001-01-01T00:00:00+01:00"},
        {"validUntil": "0001-01-01T00:00:00+01:00"},
    ):
        result = verify_credential(make_signed(**fields), verifier=verifier, now=NOW)
        assert result.check("validity").detail
    expired = verify_credential(
        make_signed(validUntil="0001-01-01T00:00:00+01:00"), verifier=verifier, now=NOW
    )
    assert expired.check("validity").status == "failed"


# -- context -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contexts", "words"),
    [
        ([OPEN_BADGES_V3, CREDENTIALS_V2], "first @context"),
        ([], "first @context"),
        (5, "first @context"),
        ([CREDENTIALS_V2, "https://evil.example/ctx"], "https://evil.example/ctx"),
        ([CREDENTIALS_V1, "https://evil.example/ctx"], "https://evil.example/ctx"),
        ([CREDENTIALS_V2, 5], "not a URL"),
        ([CREDENTIALS_V2, {"favouriteColour": "https://example.com/fc"}], "inline @context"),
        ({"@vocab": "https://example.com/"}, "first @context"),
    ],
    ids=[
        "ob-first",
        "empty",
        "number",
        "untrusted",
        "untrusted-after-v1",
        "number-entry",
        "inline",
        "inline-only",
    ],
)
def test_context_check_failures(
    contexts: Any, words: str, signed_small: dict[str, Any], verifier: Verifier
) -> None:
    document = copy.deepcopy(signed_small)
    document["@context"] = contexts
    result = verify_credential(document, verifier=verifier, now=NOW)
    assert result.check("context").status == "failed"
    assert words in result.check("context").detail
    assert result.check("proof").status == "unknown"
    assert not result.verified


def test_untrusted_context_inside_the_proof_is_refused(
    signed_small: dict[str, Any], verifier: Verifier
) -> None:
    document = copy.deepcopy(signed_small)
    document["proof"]["@context"] = [CREDENTIALS_V2, "https://evil.example/ctx"]
    context = verify_credential(document, verifier=verifier, now=NOW).check("context")
    assert context.status == "failed" and "https://evil.example/ctx" in context.detail


def test_proof_context_cannot_stand_in_for_the_credentials_own(
    signed_small: dict[str, Any], verifier: Verifier
) -> None:
    document = copy.deepcopy(signed_small)
    document["@context"] = []
    document["proof"]["@context"] = [CREDENTIALS_V2]
    assert (
        verify_credential(document, verifier=verifier, now=NOW).check("context").status == "failed"
    )


@pytest.mark.parametrize(
    "nested",
    [
        {"favouriteColour": "https://example.com/vocab#favouriteColour"},
        "https://evil.example/ctx",
        "relative",
        ["https://evil.example/ctx"],
        5,
    ],
    ids=["inline", "untrusted", "relative", "untrusted-list", "number"],
)
def test_contexts_embedded_below_the_top_get_the_same_rules(
    nested: Any, signed_badge: dict[str, Any], verifier: Verifier
) -> None:
    document = copy.deepcopy(signed_badge)
    document["credentialSubject"]["achievement"]["@context"] = nested
    result = verify_credential(document, verifier=verifier, now=NOW)
    assert result.check("context").status == "failed"
    assert not result.verified


def test_trusted_context_embedded_below_the_top_is_fine(
    make_signed: Any, verifier: Verifier
) -> None:
    document = small_credential()
    document["credentialSubject"]["@context"] = [CREDENTIALS_V2]
    assert verify_credential(make_signed(document), verifier=verifier, now=NOW).verified


INLINE = {"favouriteColour": "https://example.com/vocab#favouriteColour"}


def test_inline_context_when_allowed(
    canonicalizer: Canonicalizer, signer: Ed25519Signer, verifier: Verifier
) -> None:
    document = small_credential()
    document["@context"] = [CREDENTIALS_V2, INLINE]
    document["credentialSubject"]["favouriteColour"] = "red"
    signed = sign(document, signer=signer, canonicalizer=canonicalizer, created=SIGNED_AT)
    refused = verify_credential(signed, verifier=verifier, now=NOW)
    assert refused.check("context").status == "failed" and not refused.verified
    lenient = replace(verifier, allow_inline_contexts=True)
    assert verify_credential(signed, verifier=lenient, now=NOW).verified
    # Still strict about terms that no context defines:
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["favouriteFood"] = "bread"
    result = verify_credential(tampered, verifier=lenient, now=NOW)
    assert result.check("context").status == "passed"
    assert result.check("proof").status == "failed"
    assert "favouriteFood" in result.check("proof").detail
    # And the inline definition itself is signed:
    redefined = copy.deepcopy(signed)
    redefined["@context"][1]["favouriteColour"] = "https://example.com/vocab#dislikedColour"
    assert verify_credential(redefined, verifier=lenient, now=NOW).check("proof").status == "failed"


# -- proof -------------------------------------------------------------------------------------------


def test_missing_proof(verifier: Verifier) -> None:
    proof = verify_credential(small_credential(), verifier=verifier, now=NOW).check("proof")
    assert proof.status == "failed" and "never signed" in proof.detail


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"cryptosuite": "ecdsa-rdfc-2019"}, "ecdsa-rdfc-2019"),
        ({"cryptosuite": "bbs-2023"}, "bbs-2023"),
        ({"type": "Ed25519Signature2018", "cryptosuite": None}, "Ed25519Signature2018"),
        ({"type": "JsonWebSignature2020"}, "JsonWebSignature2020"),
    ],
)
def test_unsupported_cryptosuite(
    changes: dict[str, Any], words: str, signed_small: dict[str, Any], verifier: Verifier
) -> None:
    document = copy.deepcopy(signed_small)
    for key, value in changes.items():
        if value is None:
            del document["proof"][key]
        else:
            document["proof"][key] = value
    proof = verify_credential(document, verifier=verifier, now=NOW).check("proof")
    assert proof.status == "failed"
    assert words in proof.detail and "not supported" in proof.detail
    assert proof.problem_type == "https://w3id.org/security#PROOF_VERIFICATION_ERROR"


@pytest.mark.parametrize(
    ("member", "value", "words"),
    [
        ("proofPurpose", "authentication", "assertionMethod"),
        ("proofValue", None, "proofValue"),
        ("proofValue", "u" + "A" * 86, "proofValue"),
        ("verificationMethod", None, "verificationMethod"),
        ("verificationMethod", 7, "verificationMethod"),
    ],
)
def test_malformed_proofs_fail(
    member: str, value: Any, words: str, signed_small: dict[str, Any], verifier: Verifier
) -> None:
    document = copy.deepcopy(signed_small)
    if value is None:
        del document["proof"][member]
    else:
        document["proof"][member] = value
    proof = verify_credential(document, verifier=verifier, now=NOW).check("proof")
    assert proof.status == "failed" and words in proof.detail


def test_one_bad_proof_in_a_set_fails_the_check(
    signed_small: dict[str, Any], verifier: Verifier
) -> None:
    good = signed_small["proof"]
    bad = {**good, "created": "2025-03-02T00:00:00Z"}
    document = {**copy.deepcopy(signed_small), "proof": [good, bad]}
    assert verify_credential(document, verifier=verifier, now=NOW).check("proof").status == "failed"
    document["proof"] = [good, copy.deepcopy(good)]
    assert verify_credential(document, verifier=verifier, now=NOW).verified


# -- garbage never raises ------------------------------------------------------------------------

GARBAGE: dict[str, Any] = {
    "not-json": b"this is not json",
    "empty-bytes": b"",
    "invalid-utf8": b"\xff\xfe{\x00",
    "json-array": "[]",
    "json-string": '"x"',
    "json-number": "5",
    "json-null": "null",
    "empty-object": "{}",
    "deeply-nested-text": "[" * 50_000 + "]" * 50_000,
    "context-number": {**small_credential(), "@context": 5},
    "context-null": {**small_credential(), "@context": None},
    "proof-string": {**small_credential(), "proof": "x"},
    "proof-list-of-strings": {**small_credential(), "proof": ["x", 1]},
    "issuer-number": {**small_credential(), "issuer": 7},
    "issuer-object-without-id": {**small_credential(), "issuer": {"name": "x"}},
    "issuer-no-colon": {**small_credential(), "issuer": "acme"},
    "type-missing": {k: v for k, v in small_credential().items() if k != "type"},
    "type-not-vc": {**small_credential(), "type": ["OpenBadgeCredential"]},
    "type-number": {**small_credential(), "type": 5},
    "subject-missing": {k: v for k, v in small_credential().items() if k != "credentialSubject"},
    "non-json-values": {**small_credential(), "credentialSubject": {"name": {1, 2}}},
    "nan": '{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], '
    '"issuer": "did:key:z6Mk", "credentialSubject": {"name": NaN}}',
}


@pytest.mark.parametrize("credential", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_never_raises(credential: Any, verifier: Verifier) -> None:
    result = verify_credential(credential, verifier=verifier, now=NOW)
    assert isinstance(result, VerificationResult)
    assert result.verified is False
    assert (
        any(c.status == "failed" for c in result.checks)
        or result.check("proof").status == "unknown"
    )
    json.dumps(result.to_json())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
interesting_keys = st.sampled_from(
    [
        "@context",
        "@id",
        "@type",
        "@value",
        "@graph",
        "@list",
        "@reverse",
        "@included",
        "id",
        "type",
        "issuer",
        "proof",
        "validFrom",
        "validUntil",
        "credentialSubject",
        "proofValue",
        "cryptosuite",
        "verificationMethod",
        "created",
        "previousProof",
        "name",
        "favouriteColour",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=json_values)
def test_arbitrary_json_never_raises(value: Any, verifier: Verifier) -> None:
    for given_as in (value, json.dumps(value)):
        result = verify_credential(given_as, verifier=verifier, now=NOW)
        assert result.verified is False


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path_seed=st.integers(min_value=0, max_value=10_000),
    key=interesting_keys,
    value=json_values,
    cryptosuite=st.sampled_from(CRYPTOSUITES),
)
def test_signed_credential_with_an_arbitrary_change_never_raises(
    path_seed: int,
    key: str,
    value: Any,
    cryptosuite: str,
    signed_pair: dict[str, dict[str, Any]],
    verifier: Verifier,
) -> None:
    original = signed_pair[cryptosuite]
    document = copy.deepcopy(original)
    objects = list(_objects(document))
    target = objects[path_seed % len(objects)]
    target[key] = value
    result = verify_credential(document, verifier=verifier, now=NOW)
    if result.verified:
        assert_says_what_was_signed(document, original, verifier)


def assert_says_what_was_signed(
    verified: dict[str, Any], original: dict[str, Any], verifier: Verifier
) -> None:
    """A changed credential may verify only if it still says exactly what was signed: the
    same statements (RDFC) or the same canonical JSON (JCS), under the same proof."""
    suite = next(s for s in verifier.suites if s.cryptosuite == original["proof"]["cryptosuite"])
    canonicalize = (
        (lambda d: jcs(d).decode())
        if isinstance(suite, EddsaJcs2022)
        else suite.canonicalizer.canonicalize
    )
    assert canonicalize(unsecured(verified)) == canonicalize(unsecured(original))
    assert verified["proof"]["proofValue"] == original["proof"]["proofValue"]


@pytest.fixture(scope="module")
def signed_pair(make_signed: Any) -> dict[str, dict[str, Any]]:
    return {
        suite: make_signed(open_badge_credential(), cryptosuite=suite) for suite in CRYPTOSUITES
    }


def _objects(value: Any) -> Any:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


SPECIAL: list[Any] = [
    None,
    0,
    -1,
    2.5,
    10**30,
    True,
    "",
    "x",
    "_:b0",
    "@id",
    "@type",
    "@json",
    "relative",
    "https://example.com/x",
    "did:key:z6Mk",
    "urn:x",
    [],
    {},
    [None],
    {"@id": 5},
    {"@value": {}},
    {"@type": 5},
    {"@list": [1]},
    {"@context": {"@vocab": 5}},
    {"@value": "x", "@type": "@json"},
    {"@value": "x", "@language": 5},
    {"@value": "x", "@direction": "up"},
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
    "2025-01-01T00:00:00Z",
    {"@set": [1]},
    {"@included": 5},
    {"@index": 5},
    {"@nest": {}},
    {"@reverse": {"x": 1}},
    [CREDENTIALS_V2],
    CREDENTIALS_V2,
]
KEYS = [
    "@context",
    "id",
    "type",
    "issuer",
    "credentialSubject",
    "proof",
    "validFrom",
    "validUntil",
    "name",
    "@id",
    "@type",
    "@graph",
    "@reverse",
    "@included",
    "@vocab",
    "@base",
    "@version",
    "@protected",
    "cryptosuite",
    "verificationMethod",
    "proofValue",
    "created",
    "previousProof",
    "proofPurpose",
    "achievement",
    "favouriteColour",
    "@index",
    "@value",
]


def _mutate(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for _ in range(rng.randint(1, 3)):
        objects = list(_objects(document))
        target = rng.choice(objects)
        value = copy.deepcopy(rng.choice(SPECIAL))
        operation = rng.random()
        if operation < 0.35 or not target:
            target[rng.choice(KEYS)] = value
        elif operation < 0.6:
            del target[rng.choice(list(target))]
        elif operation < 0.85:
            target[rng.choice(list(target))] = value
        else:
            key = rng.choice(list(target))
            target[key] = [target[key], value]
    return document


def test_seeded_random_mutations_never_raise(
    signed_pair: dict[str, dict[str, Any]], verifier: Verifier
) -> None:
    rng = random.Random(20250601)
    bases = list(signed_pair.values())
    for _ in range(300):
        original = rng.choice(bases)
        mutated = _mutate(original, rng)
        for given_as in (mutated, json.dumps(mutated)):
            result = verify_credential(given_as, verifier=verifier, now=NOW)
            assert tuple(c.check for c in result.checks) == CHECK_IDS
            if result.verified:
                assert_says_what_was_signed(mutated, original, verifier)
