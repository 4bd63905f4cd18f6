"""The offline QR (TSR1): what it carries, how small it is (QR version measured by the decoder),
that it verifies with no network, and that any changed byte makes it fail."""

from __future__ import annotations

import copy
import json
import random
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from export_support import (
    BASE,
    ISSUER_DID,
    STATUS_LIST_UUID,
    decode_one,
    key_issuer,
    module_credential,
    web_issuer,
)
from factories import open_badge_credential, small_credential, status_entries

from service.app.engine import Engine
from service.dids import StaticResolver
from service.errors import InputError, MalformedDocumentError
from service.export import qr
from service.export.binary import base45_decode, base45_encode, cbor_decode
from service.export.offline_qr import (
    PREFIX,
    SIGNING_DOMAIN,
    decode_offline,
    encode_offline,
    matches_credential,
)
from service.proofs import Canonicalizer, sign
from service.status.bitstring import bitstring, encode_list, list_credential
from service.verification.offline import SavedKeys, verify_offline
from service.verification.pipeline import STATUS_RETRIEVAL_ERROR, Check, verify_credential
from service.verification.status import FunctionLists, StatusChecker

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def verdict(text: str, keys: SavedKeys, **kwargs: Any) -> dict[str, str]:
    result = verify_offline(text, keys=keys, now=NOW, **kwargs)
    return {c.check: c.status for c in result.checks} | {"verified": str(result.verified)}


@pytest.fixture(scope="module")
def issuer() -> Any:
    return web_issuer()


@pytest.fixture(scope="module")
def credential(canonicalizer: Canonicalizer, issuer: Any) -> dict[str, Any]:
    return module_credential(canonicalizer, issuer)


@pytest.fixture(scope="module")
def text(credential: dict[str, Any], issuer: Any) -> str:
    return encode_offline(credential, signer=issuer.signer)


def test_what_a_verifier_reads_after_decoding(text: str, credential: dict[str, Any]) -> None:
    payload = decode_offline(text)
    assert text.startswith(PREFIX)
    assert payload.learner_name == "Amina Haddad"
    assert payload.achievement_name == "Schweißen Grundlagen (MIG/MAG)"
    assert payload.issuer_name == "Vocational Training Centre Hamburg"
    assert payload.issuer == ISSUER_DID
    assert payload.completed_on is not None and payload.completed_on.isoformat() == "2025-06-30"
    assert payload.valid_from == datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
    assert payload.credential_id == credential["id"]
    assert [s.entry() for s in payload.status] == status_entries(credential)
    assert payload.status[0].list_credential == f"{BASE}/status/{STATUS_LIST_UUID}"
    assert payload.status[0].index == 94567
    assert matches_credential(payload, credential)
    assert payload.to_json()["credentialSubject"]["name"] == "Amina Haddad"


def not_revoked(document: Mapping[str, Any], now: datetime) -> Check:
    """A status checker for tests about everything but the status (see the real lists below)."""
    return Check("status", "passed", "Not revoked.")


def status_list_checker(
    engine: Engine, issuer: Any, *, revoked: set[int], list_issuer: Any = None
) -> StatusChecker:
    """The real status check over one signed Bitstring Status List held in memory."""
    signer = list_issuer or issuer
    url = f"{BASE}/status/{STATUS_LIST_UUID}"
    unsigned = list_credential(
        list_url=url,
        issuer=signer.did,
        purpose="revocation",
        encoded=encode_list(bitstring(131_072, revoked)),
        valid_from="2026-01-15T00:00:00Z",
        valid_until="2026-01-16T00:00:00Z",
    )
    signed = sign(
        unsigned,
        signer=signer.signer,
        canonicalizer=engine.canonicalizer,
        created=datetime(2026, 1, 15, tzinfo=UTC),
    )
    keys = StaticResolver()
    keys.add(issuer.document)
    if list_issuer is not None:
        keys.add(list_issuer.document)
    return StatusChecker(
        lists=FunctionLists(lambda u: signed if u == url else None),
        list_verifier=engine.verifier(resolver=keys),
    )


def test_it_verifies_offline_with_the_saved_did_document(text: str, issuer: Any) -> None:
    result = verify_offline(text, keys=SavedKeys([issuer.document]), now=NOW, status=not_revoked)
    assert result.verified, result.to_json()
    checks = {c.check: c for c in result.checks}
    assert [c.check for c in result.checks] == [
        "parse",
        "context",
        "proof",
        "issuer",
        "validity",
        "status",
        "trust",
    ]
    assert (
        checks["proof"].status == checks["issuer"].status == checks["validity"].status == "passed"
    )
    assert checks["status"].status == "passed"
    assert result.issuer == ISSUER_DID


def test_without_a_status_list_it_fails_closed_and_says_which(text: str, issuer: Any) -> None:
    result = verify_offline(text, keys=SavedKeys([issuer.document]), now=NOW)
    assert not result.verified
    status = result.check("status")
    assert status.status == "unknown"
    assert f"{BASE}/status/{STATUS_LIST_UUID}, entry 94567" in status.detail
    assert [p["type"] for p in result.problem_details] == [STATUS_RETRIEVAL_ERROR]


@pytest.mark.parametrize(("revoked", "verified"), [(set(), True), ({94567}, False)])
def test_the_real_status_list_decides(
    revoked: set[int], verified: bool, text: str, issuer: Any, engine: Engine
) -> None:
    """The genuine list of the QR's own issuer: not revoked is green, revoked is red (the
    summary once carried no issuer, so every genuine QR read as 'revoked or suspended')."""
    checker = status_list_checker(engine, issuer, revoked=revoked)
    result = verify_offline(text, keys=SavedKeys([issuer.document]), now=NOW, status=checker)
    assert result.verified is verified, result.to_json()
    assert result.check("status").status == ("passed" if verified else "failed")


def test_a_status_list_from_another_issuer_does_not_count(
    text: str, issuer: Any, engine: Engine
) -> None:
    other = web_issuer(seed=bytes(range(50, 82)), did="did:web:other.example")
    checker = status_list_checker(engine, issuer, revoked=set(), list_issuer=other)
    result = verify_offline(text, keys=SavedKeys([issuer.document]), now=NOW, status=checker)
    assert not result.verified and result.check("status").status == "failed"
    assert "not issued by the credential's issuer" in result.check("status").detail


def test_a_did_key_issuer_needs_no_saved_document(canonicalizer: Canonicalizer) -> None:
    issuer = key_issuer()
    credential = sign(
        small_credential(issuer.did),
        signer=issuer.signer,
        canonicalizer=canonicalizer,
        created=NOW - timedelta(days=1),
    )
    text = encode_offline(credential, signer=issuer.signer)
    assert verify_offline(text, keys=SavedKeys(), now=NOW).verified  # no status entry to check


def test_without_the_issuers_keys_it_is_not_verified_and_says_why(text: str) -> None:
    result = verify_offline(text, keys=SavedKeys(), now=NOW)
    assert not result.verified
    assert result.check("proof").status == "unknown"
    assert "not saved here" in result.check("proof").detail


def test_a_key_the_issuer_does_not_list_fails(text: str) -> None:
    impostor = web_issuer(seed=bytes(32))  # same DID, a different key
    result = verify_offline(text, keys=SavedKeys([impostor.document]), now=NOW)
    assert not result.verified and result.check("proof").status == "failed"


def test_keys_rotated_since_still_verify_old_qr_codes(text: str, issuer: Any) -> None:
    newer = web_issuer(seed=bytes(range(100, 132)))
    document = copy.deepcopy(newer.document)
    assert document is not None and issuer.document is not None
    document["verificationMethod"] = (
        issuer.document["verificationMethod"] + document["verificationMethod"]
    )
    document["assertionMethod"] = issuer.document["assertionMethod"] + document["assertionMethod"]
    assert verify_offline(text, keys=SavedKeys([document]), now=NOW, status=not_revoked).verified


def test_status_and_trust_checkers_are_used_when_given(text: str, issuer: Any) -> None:
    seen: list[Mapping[str, Any]] = []

    def revoked(document: Mapping[str, Any], now: datetime) -> Check:
        seen.append(document)
        return Check("status", "failed", "revoked by the provider")

    def trusted(did: str, valid_from: datetime | None, now: datetime) -> Check:
        return Check("trust", "passed", f"{did} is recognized")

    result = verify_offline(
        text, keys=SavedKeys([issuer.document]), now=NOW, status=revoked, trust=trusted
    )
    assert not result.verified
    assert result.check("status").status == "failed"
    assert result.check("trust").status == "passed"
    assert seen[0]["credentialStatus"][0]["statusListIndex"] == "94567"


def test_validity_reads_as_it_does_for_the_credential_itself(
    credential: dict[str, Any], text: str, issuer: Any, engine: Engine
) -> None:
    # the same credential checked from its offline QR and from its file: one wording, one
    # date format, so a person comparing the two routes sees the same line
    offline = verify_offline(text, keys=SavedKeys([issuer.document]), now=NOW).check("validity")
    resolver = StaticResolver({issuer.document["id"]: issuer.document})
    full = verify_credential(credential, verifier=engine.verifier(resolver=resolver), now=NOW)
    assert offline.status == full.check("validity").status == "passed"
    assert offline.detail == full.check("validity").detail


def test_validity_is_checked_against_now(canonicalizer: Canonicalizer, issuer: Any) -> None:
    early = verify_offline(
        encode_offline(module_credential(canonicalizer, issuer), signer=issuer.signer),
        keys=SavedKeys([issuer.document]),
        now=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert not early.verified and early.check("validity").status == "failed"


def test_the_digest_binds_the_whole_credential(
    text: str, credential: dict[str, Any], issuer: Any
) -> None:
    keys = SavedKeys([issuer.document])
    reordered = json.loads(json.dumps(credential, indent=3, sort_keys=True))
    assert verify_offline(
        text, keys=keys, now=NOW, credential=reordered, status=not_revoked
    ).verified
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["name"] = "Anna Haddad"
    result = verify_offline(text, keys=keys, now=NOW, credential=changed)
    assert not result.verified and result.check("proof").status == "failed"
    assert "different credential" in result.check("proof").detail
    assert not matches_credential(decode_offline(text), changed)


def test_every_changed_byte_fails(text: str, issuer: Any) -> None:
    """Exhaustive over every byte of the binary payload, with three different changes each."""
    keys = SavedKeys([issuer.document])
    raw = base45_decode(text[len(PREFIX) :])
    assert verify_offline(text, keys=keys, now=NOW, status=not_revoked).verified
    for position in range(len(raw)):
        for flip in (0x01, 0x80, 0xFF):
            tampered = bytearray(raw)
            tampered[position] ^= flip
            result = verify_offline(
                PREFIX + base45_encode(bytes(tampered)), keys=keys, now=NOW, status=not_revoked
            )
            assert not result.verified, (position, flip)


def test_every_changed_character_fails(text: str, issuer: Any) -> None:
    keys = SavedKeys([issuer.document])
    rng = random.Random(5)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    for position in range(len(text)):
        replacement = rng.choice([c for c in alphabet if c != text[position]])
        tampered = text[:position] + replacement + text[position + 1 :]
        assert not verify_offline(tampered, keys=keys, now=NOW).verified, position


def test_a_signature_made_for_another_purpose_is_refused(text: str, issuer: Any) -> None:
    raw = base45_decode(text[len(PREFIX) :])
    body = raw[:-64]
    without_domain = issuer.signer.sign(body)  # the same bytes, signed without the domain
    forged = PREFIX + base45_encode(body + without_domain)
    assert not verify_offline(forged, keys=SavedKeys([issuer.document]), now=NOW).verified
    assert issuer.signer.sign(SIGNING_DOMAIN + body) == raw[-64:]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "HC1:6BF",
        "TSR1:",
        "TSR1:A",
        "TSR1:abc",
        "TSR1:" + base45_encode(b"\x02" + b"\xa0" + bytes(64)),
    ],
)
def test_what_is_not_an_offline_qr_is_a_parse_failure(bad: str) -> None:
    with pytest.raises(MalformedDocumentError):
        decode_offline(bad)
    result = verify_offline(bad, keys=SavedKeys(), now=NOW)
    assert not result.verified and result.check("parse").status == "failed"


def test_unknown_fields_are_refused(issuer: Any) -> None:
    body = b"\x01" + bytes.fromhex("a2") + b"\x02" + b"\x68did:x:yz" + b"\x18\x63\x00"
    with pytest.raises(MalformedDocumentError):
        decode_offline(PREFIX + base45_encode(body + issuer.signer.sign(SIGNING_DOMAIN + body)))


def test_a_key_of_another_issuer_cannot_sign_one(credential: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        encode_offline(credential, signer=key_issuer().signer)


def test_the_claims_are_standard_cbor(text: str) -> None:
    raw = base45_decode(text[len(PREFIX) :])
    assert raw[0] == 1
    ours = cbor_decode(raw[1:-64])
    assert cbor2.loads(raw[1:-64]) == ours
    assert isinstance(ours, dict) and sorted(ours) == [1, 2, 3, 4, 5, 6, 7, 9, 10]


def test_nothing_is_carried_that_the_credential_does_not_state(
    canonicalizer: Canonicalizer, issuer: Any
) -> None:
    credential = module_credential(canonicalizer, issuer, result="Pass")
    text = encode_offline(credential, signer=issuer.signer)
    raw = base45_decode(text[len(PREFIX) :])
    stated = json.dumps(credential, ensure_ascii=False)
    claims = cbor_decode(raw[1:-64])
    assert isinstance(claims, dict)
    for value in claims.values():
        if isinstance(value, str):
            assert value in stated
    assert decode_offline(text).result == "Pass"
    # what the provider keeps about the learner (enrolment number) never reaches the QR
    assert b"E-2025" not in raw


def qr_version_of(text: str) -> int:
    symbol = qr.make_qr(text)
    read = decode_one(qr.png(symbol, scale=3))
    assert read.text == text and read.level == "M"
    return read.version


def test_measured_qr_versions(canonicalizer: Canonicalizer, issuer: Any) -> None:
    """Version at level M, as the decoder reads it, for the credential shapes learners get."""
    did_key = key_issuer()
    small = sign(
        small_credential(did_key.did),
        signer=did_key.signer,
        canonicalizer=canonicalizer,
        created=NOW,
    )
    badge = sign(
        open_badge_credential(did_key.did),
        signer=did_key.signer,
        canonicalizer=canonicalizer,
        created=NOW,
    )
    module = module_credential(canonicalizer, issuer)
    arabic = module_credential(canonicalizer, issuer, learner="ليلى حداد", module=_arabic_module())
    long_name = module_credential(
        canonicalizer, issuer, learner="Maria Fernanda González de la Cruz Rodríguez"
    )
    versions = {
        "small VC 2.0, did:key": qr_version_of(encode_offline(small, signer=did_key.signer)),
        "Open Badges, did:key": qr_version_of(encode_offline(badge, signer=did_key.signer)),
        "module credential": qr_version_of(encode_offline(module, signer=issuer.signer)),
        "Arabic module credential": qr_version_of(encode_offline(arabic, signer=issuer.signer)),
        "43-character name": qr_version_of(encode_offline(long_name, signer=issuer.signer)),
    }
    print("offline QR versions at level M:", versions)
    assert versions["module credential"] <= 13, versions
    assert max(versions.values()) <= 15, versions
    # The baseline the issue measured: the whole credential, deflated and Base45-encoded.
    dcc_style = "HC1:" + base45_encode(zlib.compress(json.dumps(module).encode(), 9))
    assert qr.make_qr(dcc_style).version >= 25


def _arabic_module() -> dict[str, Any]:
    from conftest import module_data

    return module_data(defaultLanguage="ar")


def test_the_text_form_is_qr_alphanumeric_only(text: str) -> None:
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
