"""A real wallet library takes a Tessera credential: @openid4vc/openid4vci (OpenWallet
Foundation's oid4vc-ts) discovers the issuer's metadata, redeems an offer with a key proof,
and receives a credential bound to the holder's DID that verifies in the reference stack
(@digitalbazaar/vc) with the provider's DID document and the served status lists."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SERVICE_BASE_URL, Provider, award_data, served_status_lists
from node_harness import ensure_node_modules

pytestmark = pytest.mark.interop
HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(app: Any) -> Iterator[str]:
    """The app under uvicorn on a loopback port; its public origin stays SERVICE_BASE_URL."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not served.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=10)


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
