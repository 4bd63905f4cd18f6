"""Credentials already in circulation (tests/corpus): Tessera reaches its recorded verdict on
each, and the reference JavaScript verifier (@digitalbazaar/vc) reaches the same ``verified``.

Both verify offline at the manifest's ``now``, with the corpus's own status lists (served for
the URLs the credentials name) and its did:web issuers' published DID documents.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from service.contexts import ContextStore
from service.dates import parse_datetime
from service.dids import StaticResolver
from service.proofs import Canonicalizer, verification_suites
from service.verification.pipeline import Verifier, verify_credential
from service.verification.status import FunctionLists, StatusChecker

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
NOW = MANIFEST["now"]
CREDENTIALS = [entry for entry in MANIFEST["files"] if entry["kind"] == "credential"]


def _read(relative: str) -> dict[str, Any]:
    return json.loads((CORPUS / relative).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


STATUS_LISTS = {url: _read(file) for url, file in MANIFEST["statusLists"].items()}
DID_DOCUMENTS = {
    document["id"]: document
    for document in (_read(e["file"]) for e in MANIFEST["files"] if e["kind"] == "did-document")
}


def _now() -> datetime:
    moment = parse_datetime(NOW)
    assert moment is not None
    return moment


@pytest.fixture(scope="module")
def corpus_verifier(context_store: ContextStore, canonicalizer: Canonicalizer) -> Verifier:
    resolver = StaticResolver()
    for document in DID_DOCUMENTS.values():
        resolver.add(document)
    verifier = Verifier(
        contexts=context_store, suites=verification_suites(canonicalizer), resolver=resolver
    )
    return replace(
        verifier, status=StatusChecker(FunctionLists(STATUS_LISTS.get), list_verifier=verifier)
    )


def test_the_manifest_names_every_file_and_its_source() -> None:
    listed = {entry["file"] for entry in MANIFEST["files"]}
    present = {
        str(path.relative_to(CORPUS))
        for path in CORPUS.rglob("*")
        if path.is_file() and path.parent != CORPUS and path.parent.name != "LICENSES"
    }
    assert listed == present
    for entry in MANIFEST["files"]:
        source = entry["source"]
        assert source["repo"] and source["path"] and len(source["commit"]) == 40
        assert source["licence"] in ("MIT", "W3C Software and Document License")
    assert len(CREDENTIALS) >= 90


@pytest.mark.parametrize("entry", CREDENTIALS, ids=lambda e: e["file"].split("/", 1)[1])
def test_tessera_and_the_reference_verifier_agree(
    entry: dict[str, Any], corpus_verifier: Verifier, node: Any
) -> None:
    credential = _read(entry["file"])
    result = verify_credential(credential, verifier=corpus_verifier, now=_now())
    failed = [c.check for c in result.checks if c.status == "failed"]
    expected = entry["expected"]
    assert (result.verified, failed) == (expected["verified"], expected["failed"]), result.to_json()
    reference = node.request(
        {
            "op": "verify",
            "credential": credential,
            "now": NOW,
            "didDocuments": DID_DOCUMENTS,
            "statusLists": STATUS_LISTS,
        }
    )
    if "disagreement" in entry:  # recorded, with the reason Tessera is right
        assert reference["verified"] != result.verified, entry["disagreement"]
    else:
        assert reference["verified"] == result.verified, reference["errors"]


def test_a_genuine_corpus_credential_fails_in_both_once_tampered(
    corpus_verifier: Verifier, node: Any
) -> None:
    """The agreement is not vacuous: the same credential, changed by one word, fails in both."""
    genuine = [e for e in CREDENTIALS if e["expected"]["verified"]]
    assert len(genuine) >= 30
    for entry in genuine[:5]:
        credential = _read(entry["file"])
        subject = credential["credentialSubject"]
        subject = subject[0] if isinstance(subject, list) else subject
        subject["id"] = "did:example:someone-else"
        ours = verify_credential(credential, verifier=corpus_verifier, now=_now())
        assert ours.check("proof").status == "failed" and not ours.verified
        theirs = node.request(
            {"op": "verify", "credential": credential, "now": NOW, "didDocuments": DID_DOCUMENTS}
        )
        assert theirs["verified"] is False
