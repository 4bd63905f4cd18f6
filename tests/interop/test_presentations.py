"""Verifiable Presentations signed by the reference JavaScript stack (a holder's wallet:
@digitalbazaar/vc ``signPresentation``), verified by Tessera: the holder's proof, the
challenge and domain, and every credential inside with the same checks as on its own."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from factories import holder_js_key, small_credential
from factories import presentation as make_presentation

from service.contexts import ContextStore
from service.dids import StaticResolver
from service.keys import Ed25519Signer
from service.proofs import Canonicalizer, sign, verification_suites
from service.verification.pipeline import Verifier
from service.verification.presentations import verify_presentation

pytestmark = pytest.mark.interop

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SIGNED_AT = datetime(2025, 3, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, tzinfo=UTC)
CHALLENGE = "3f7d1a0e-8b1c-4c2a-9d9e-5a6b7c8d9e0f"
DOMAIN = "employer.example"
HOLDER = holder_js_key()
HOLDER_DID = HOLDER["controller"]


@pytest.fixture(scope="module")
def verifier(context_store: ContextStore, canonicalizer: Canonicalizer) -> Verifier:
    return Verifier(
        contexts=context_store, suites=verification_suites(canonicalizer), resolver=StaticResolver()
    )


@pytest.fixture(scope="module")
def credential(canonicalizer: Canonicalizer, vector_signer: Ed25519Signer) -> dict[str, Any]:
    return sign(
        small_credential(), signer=vector_signer, canonicalizer=canonicalizer, created=SIGNED_AT
    )


def presentation(*credentials: dict[str, Any], holder: str | None = HOLDER_DID) -> dict[str, Any]:
    return make_presentation(*credentials, holder=holder)


def js_sign(node: Any, document: dict[str, Any], **options: Any) -> dict[str, Any]:
    signed: dict[str, Any] = node.request(
        {
            "op": "signPresentation",
            "presentation": document,
            "key": HOLDER,
            "created": "2025-05-01T00:00:00Z",
            **options,
        }
    )
    return signed


def test_a_wallet_signed_presentation_verifies_with_its_challenge_and_domain(
    node: Any, verifier: Verifier, credential: dict[str, Any]
) -> None:
    signed = js_sign(node, presentation(credential), challenge=CHALLENGE, domain=DOMAIN)
    assert signed["proof"]["proofPurpose"] == "authentication"
    result = verify_presentation(
        signed, verifier=verifier, now=NOW, challenge=CHALLENGE, domain=DOMAIN
    )
    assert result.verified, json.dumps(result.to_json(), indent=1)
    assert [c.status for c in result.checks] == ["passed"] * 4
    assert result.holder == HOLDER_DID
    (inner,) = result.credentials
    assert inner.verified and inner.check("proof").status == "passed"
    body = result.to_json()
    assert body["presentationResult"]["verified"] is True
    assert [r["verified"] for r in body["credentialResults"]] == [True]
    # The reference stack agrees on the same presentation.
    theirs = node.request(
        {
            "op": "verifyPresentation",
            "presentation": signed,
            "challenge": CHALLENGE,
            "domain": DOMAIN,
            "now": "2025-06-01T00:00:00Z",
        }
    )
    assert theirs["verified"] is True, theirs["errors"]


@pytest.mark.parametrize(
    ("asked", "words"),
    [
        ({"challenge": "another-challenge", "domain": DOMAIN}, "another challenge"),
        ({"challenge": CHALLENGE, "domain": "someone-else.example"}, "another domain"),
    ],
)
def test_a_presentation_for_another_request_is_refused(
    node: Any, verifier: Verifier, credential: dict[str, Any], asked: dict[str, str], words: str
) -> None:
    signed = js_sign(node, presentation(credential), challenge=CHALLENGE, domain=DOMAIN)
    result = verify_presentation(signed, verifier=verifier, now=NOW, **asked)
    assert not result.verified
    assert result.check("proof").status == "failed"
    assert words in result.check("proof").detail
    assert result.credentials[0].verified  # the credential itself is fine


def test_a_tampered_presentation_or_credential_inside_fails(
    node: Any, verifier: Verifier, credential: dict[str, Any]
) -> None:
    signed = js_sign(node, presentation(credential), challenge=CHALLENGE)
    swapped = copy.deepcopy(signed)
    swapped["holder"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    result = verify_presentation(swapped, verifier=verifier, now=NOW, challenge=CHALLENGE)
    assert result.check("proof").status == "failed" and not result.verified

    forged_credential = copy.deepcopy(credential)
    forged_credential["credentialSubject"]["name"] = "Someone Else"
    # The holder signs a presentation around a forged credential: the holder's proof holds,
    # the credential's own proof does not, so the presentation is not verified.
    signed = js_sign(node, presentation(forged_credential), challenge=CHALLENGE)
    result = verify_presentation(signed, verifier=verifier, now=NOW, challenge=CHALLENGE)
    assert result.check("proof").status == "passed"
    assert result.check("credentials").status == "failed"
    assert result.credentials[0].check("proof").status == "failed"
    assert not result.verified


def test_an_unsigned_presentation_is_accepted_only_when_no_challenge_was_asked(
    verifier: Verifier, credential: dict[str, Any]
) -> None:
    unsigned = presentation(credential, holder=None)
    accepted = verify_presentation(unsigned, verifier=verifier, now=NOW)
    assert accepted.verified
    assert accepted.check("proof").status == "unknown"
    assert "not signed" in accepted.check("proof").detail
    refused = verify_presentation(unsigned, verifier=verifier, now=NOW, challenge=CHALLENGE)
    assert not refused.verified and refused.check("proof").status == "failed"


def test_a_presentation_of_real_vc11_credentials_reports_each(
    node: Any, verifier: Verifier
) -> None:
    """Two credentials from the corpus (DCC, VC 1.1, did:key): one genuine, one expired."""
    base = CORPUS / "dcc-vc-test-fixtures/verifiableCredentials/v1/ed25519/didKey"
    genuine = json.loads((base / "noRegistry-noStatus-noExpiry.json").read_text())
    expired = json.loads((base / "legacy-noStatus-expired.json").read_text())
    document = presentation(genuine, expired)
    document["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    signed = js_sign(node, document, challenge=CHALLENGE)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    result = verify_presentation(signed, verifier=verifier, now=now, challenge=CHALLENGE)
    assert result.check("proof").status == "passed", result.check("proof").detail
    assert [r.verified for r in result.credentials] == [True, False]
    assert result.credentials[1].check("validity").status == "failed"
    assert not result.verified
    assert "1 of the 2 credentials" in result.check("credentials").detail


def test_the_cli_verifies_a_presentation_offline(
    node: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli_support import Cli, service_env

    base = CORPUS / "dcc-vc-test-fixtures/verifiableCredentials/v1/ed25519/didKey"
    genuine = json.loads((base / "noRegistry-noStatus-noExpiry.json").read_text())
    document = presentation(genuine)
    document["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    path = tmp_path / "presentation.json"
    path.write_text(json.dumps(js_sign(node, document, challenge=CHALLENGE)), encoding="utf-8")
    cli = Cli(monkeypatch, service_env(tmp_path))
    assert cli("contexts", "install").exit_code == 0
    ok = cli("verify", str(path), "--offline", "--challenge", CHALLENGE, "--format", "text")
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("VERIFIED") and f"holder: {HOLDER_DID}" in ok.output
    assert "credential 1:" in ok.output
    replay = cli("verify", str(path), "--offline", "--challenge", "another")
    assert replay.exit_code == 1, replay.output
    body = json.loads(replay.stdout)
    assert body["presentationResult"]["verified"] is False
    assert [r["verified"] for r in body["credentialResults"]] == [True]
