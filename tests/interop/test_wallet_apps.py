"""A real wallet library takes a Tessera credential: @openid4vc/openid4vci (OpenWallet
Foundation's oid4vc-ts) discovers the issuer's metadata, redeems an offer with a key proof,
and receives a credential bound to the holder's DID that verifies in the reference stack
(@digitalbazaar/vc) with the provider's DID document and the served status lists."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SERVICE_BASE_URL, Provider, award_data, served_status_lists
from node_harness import ensure_node_modules

pytestmark = pytest.mark.interop
HERE = Path(__file__).resolve().parent


def wallet_app(request: dict[str, Any], *, server: str) -> dict[str, Any]:
    """Run the wallet library once (tests/interop/wallet_app.mjs) and return its result."""
    ensure_node_modules()
    done = subprocess.run(
        ["node", str(HERE / "wallet_app.mjs")],
        input=json.dumps({"rewrite": {SERVICE_BASE_URL: server}, **request}),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=HERE,
        check=False,
    )
    assert done.stdout, done.stderr
    answer = json.loads(done.stdout)
    if not answer["ok"]:
        raise AssertionError(f"wallet library: {answer['error']}\n{answer.get('details')}")
    return dict(answer["result"])


def issue_and_offer(
    http: httpx.Client, provider: Provider, **offer: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    from factories import module_data

    module = http.post(
        f"/issuers/{provider.slug}/modules", json=module_data(), headers=provider.headers
    ).json()
    credential = http.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data()},
        headers=provider.headers,
    ).json()["verifiableCredential"]
    made = http.post(
        f"/issuers/{provider.slug}/credential-offers",
        json={"credentialIds": [credential["id"].rsplit("/", 1)[1]], **offer},
        headers=provider.headers,
    )
    assert made.status_code == 201, made.text
    return credential, made.json()["offers"][0]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("curve", "link", "tx"),
    [("Ed25519", "offerByReference", True), ("P-256", "offerByValue", False)],
)
def test_wallet_library_receives_a_bound_credential_that_verifies_in_the_reference_stack(
    server: str, provider: Provider, node: Any, curve: str, link: str, tx: bool
) -> None:
    with httpx.Client(base_url=server) as http:
        credential, offer = issue_and_offer(http, provider, txCode=tx)
        received = wallet_app(
            {
                "op": "receive",
                "offer": offer[link],
                "curve": curve,
                "txCode": offer["txCode"] or None,
            },
            server=server,
        )
        issued = received["credential"]
        holder = received["holder"]["did"]
        assert issued["credentialSubject"]["id"] == holder
        assert holder.startswith("did:key:z6Mk" if curve == "Ed25519" else "did:key:zDn")
        assert issued["id"] == credential["id"]
        assert (
            received["issuerMetadata"]["credential_issuer"]
            == f"{SERVICE_BASE_URL}/issuers/{provider.slug}"
        )
        did_document = http.get(f"/issuers/{provider.slug}/did.json").json()
        outcome = node.request(
            {
                "op": "verify",
                "credential": issued,
                "didDocuments": {provider.did: did_document},
                "statusLists": served_status_lists(http, issued),
            }
        )
        assert outcome["verified"], outcome["errors"]
        # the offer was spent: the same link gives the library nothing a second time
        with pytest.raises(AssertionError, match=r"invalid_grant|410|credential offer"):
            wallet_app(
                {
                    "op": "receive",
                    "offer": offer[link],
                    "curve": curve,
                    "txCode": offer["txCode"] or None,
                },
                server=server,
            )


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_wallet_library_answers_the_employers_request_and_the_page_shows_the_verdict(
    server: str, provider: Provider, node: Any
) -> None:
    """Offer QR -> wallet library -> back to the employer's page as a verified presentation."""
    import html
    import re

    with httpx.Client(base_url=server) as http:
        _credential, offer = issue_and_offer(http, provider)
        received = wallet_app({"op": "receive", "offer": offer["offerByReference"]}, server=server)
        holder_key = received["holderKey"]

        page = http.post("/verify/wallet?lang=en")
        assert page.status_code == 201
        request = html.unescape(
            re.search(r'id="wallet-request-link" href="([^"]+)"', page.text).group(1)
        )
        asked = wallet_app({"op": "resolveRequest", "request": request}, server=server)
        assert asked["clientPrefix"] == "redirect_uri"
        assert asked["responseMode"] == "direct_post" and asked["queryIds"] == ["open_badge"]
        assert asked["domain"] == f"redirect_uri:{SERVICE_BASE_URL}/openid4vp/response"

        def signed_for(challenge: str, domain: str) -> dict[str, Any]:
            document = {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiablePresentation"],
                "holder": received["holder"]["did"],
                "verifiableCredential": [received["credential"]],
            }
            return dict(
                node.request(
                    {
                        "op": "signPresentation",
                        "presentation": document,
                        "key": holder_key,
                        "challenge": challenge,
                        "domain": domain,
                    }
                )
            )

        presentation = signed_for(asked["nonce"], asked["domain"])
        sent = wallet_app(
            {"op": "respond", "request": request, "presentation": presentation}, server=server
        )
        assert sent["status"] == 200, sent
        shown = http.get(page.headers["location"]).text
        assert 'data-verdict="valid"' in shown and 'data-bound="yes"' in shown
        assert "Amina Haddad" in shown

        # the same presentation replayed into a new request: its nonce gives it away
        page = http.post("/verify/wallet?lang=en")
        request = html.unescape(
            re.search(r'id="wallet-request-link" href="([^"]+)"', page.text).group(1)
        )
        sent = wallet_app(
            {"op": "respond", "request": request, "presentation": presentation}, server=server
        )
        assert sent["status"] == 200
        shown = http.get(page.headers["location"]).text
        assert 'data-verdict="invalid"' in shown and "another challenge" in shown
