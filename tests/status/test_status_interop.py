"""The reference JavaScript status-list library (@digitalbazaar/vc-bitstring-status-list) reads
the lists this service serves and gives the same answer as Tessera's own status check, for
revoked, suspended and valid credentials; and both stacks agree on the bit order."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import Provider, module_data, served_status_lists
from status_support import change, entry, issue, issue_cohort, list_document

from service.dids import StaticResolver
from service.status.bitstring import MIN_LIST_BITS, bit_at, bitstring, decode_list, encode_list
from service.verification.pipeline import verify_credential
from service.verification.public import status_checker

pytestmark = pytest.mark.interop


def ours(app: Any, documents: dict[str, Any], credential: dict[str, Any]) -> tuple[bool, str]:
    """(verified, status check) from Tessera's verifier with the public status check."""
    state = app.state.tessera
    verifier = state.engine.verifier(resolver=StaticResolver(documents))
    checker = status_checker(verifier, lambda url: state.lists.by_url(url, now=state.now()))
    result = verify_credential(
        credential,
        verifier=dataclasses.replace(verifier, status=checker),
        now=datetime.now(UTC),
    )
    return result.verified, result.check("status").status


def theirs(node: Any, client: Any, documents: dict[str, Any], credential: dict[str, Any]) -> Any:
    return node.request(
        {
            "op": "statusCheck",
            "credential": credential,
            "statusLists": served_status_lists(client, credential),
            "didDocuments": documents,
        }
    )


def test_the_reference_library_reads_our_lists_like_we_do(
    app: Any,
    client: Any,
    make_provider: Callable[..., Provider],
    node: Any,
) -> None:
    provider = make_provider("Interop Academy", slug="interop-academy", suspension=True)
    module = client.post(
        f"/issuers/{provider.slug}/modules", json=module_data(), headers=provider.headers
    ).json()
    valid, revoked, suspended = (
        issue(client, provider, module, learner=name) for name in ("Valid", "Revoked", "Paused")
    )
    assert change(client, provider, revoked, "revoke").status_code == 200
    assert change(client, provider, suspended, "suspend").status_code == 200
    documents = {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()}

    expected = {
        "Valid": (False, False),
        "Revoked": (True, False),
        "Paused": (False, True),
    }
    for credential in (valid, revoked, suspended):
        answer = theirs(node, client, documents, credential)
        revoked_bit, suspended_bit = expected[credential["credentialSubject"]["name"]]
        # checkStatus: the lists verify (signature, issuer match) and give these bits
        assert answer["checkStatus"]["verified"] is True, answer
        assert answer["checkStatus"]["errors"] == []
        assert answer["checkStatus"]["statuses"] == [
            {
                "statusPurpose": "revocation",
                "statusListIndex": entry(credential)["statusListIndex"],
                "status": revoked_bit,
            },
            {
                "statusPurpose": "suspension",
                "statusListIndex": entry(credential, "suspension")["statusListIndex"],
                "status": suspended_bit,
            },
        ]
        # @digitalbazaar/vc with that checkStatus wired in, and Tessera: the same verdict
        js_verified = answer["verify"]["verified"]
        py_verified, py_status = ours(app, documents, credential)
        assert js_verified is py_verified is (not (revoked_bit or suspended_bit)), answer
        assert py_status == ("passed" if js_verified else "failed")
        if not js_verified:
            assert any("status" in e for e in answer["verify"]["errors"]), answer

    # A list altered after signing (the revoked credential's bit cleared): both refuse it.
    lists = served_status_lists(client, revoked)
    url = entry(revoked)["statusListCredential"]
    lists[url]["credentialSubject"]["encodedList"] = encode_list(bitstring(MIN_LIST_BITS, []))
    forged = node.request(
        {
            "op": "statusCheck",
            "credential": revoked,
            "statusLists": lists,
            "didDocuments": documents,
        }
    )
    assert forged["checkStatus"]["verified"] is False
    assert forged["verify"]["verified"] is False
    state = app.state.tessera
    verifier = state.engine.verifier(resolver=StaticResolver(documents))
    checker = status_checker(verifier, lists.get)
    assert checker is not None
    check = checker(revoked, datetime.now(UTC))
    assert (check.status, check.problem_type) == (
        "failed",
        "https://www.w3.org/ns/credentials/status-list#STATUS_VERIFICATION_ERROR",
    )

    # Unsuspended: valid again in both.
    assert change(client, provider, suspended, "unsuspend").status_code == 200
    answer = theirs(node, client, documents, suspended)
    assert answer["verify"]["verified"] is True
    assert ours(app, documents, suspended) == (True, "passed")


def test_both_stacks_read_every_bit_of_a_busy_list_alike(
    app: Any, client: Any, provider: Provider, module: dict[str, Any], node: Any
) -> None:
    credentials = issue_cohort(client, provider, module, 40)
    revoked = credentials[::3]
    for credential in revoked:
        change(client, provider, credential, "revoke")
    url = entry(credentials[0])["statusListCredential"]
    encoded = list_document(client, url)["credentialSubject"]["encodedList"]

    decoded = node.request({"op": "statusList", "encodedList": encoded})
    assert decoded["length"] == MIN_LIST_BITS
    assert decoded["set"] == sorted(int(entry(c)["statusListIndex"]) for c in revoked)
    bits = decode_list(encoded)
    assert decoded["set"] == [i for i in range(MIN_LIST_BITS) if bit_at(bits, i)]


def test_we_read_the_reference_librarys_lists(node: Any) -> None:
    rng = random.Random(7)
    chosen = sorted({0, 1, 7, 8, 9, MIN_LIST_BITS - 1, *rng.sample(range(MIN_LIST_BITS), 200)})
    made = node.request({"op": "statusList", "length": MIN_LIST_BITS, "set": chosen})
    bits = decode_list(made["encodedList"])
    assert bits == bitstring(MIN_LIST_BITS, chosen)
    # and the library reads ours back
    back = node.request({"op": "statusList", "encodedList": encode_list(bits)})
    assert back == {"length": MIN_LIST_BITS, "set": chosen}
    # a list in two GZIP members (RFC 1952 allows a series): both read all of it
    halves = gzip.compress(bits[:8192]) + gzip.compress(bits[8192:])
    encoded = "u" + base64.urlsafe_b64encode(halves).decode().rstrip("=")
    assert node.request({"op": "statusList", "encodedList": encoded})["set"] == chosen
    assert decode_list(encoded) == bits
