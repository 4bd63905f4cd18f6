"""OpenID4VP from the employer's /verify page, and the learner's "add to a wallet app" page.

The holder's presentations are signed by the reference JavaScript stack (@digitalbazaar/vc)
with the key the credential was bound to over OID4VCI; the page shows the verdict: holder
binding, nonce (challenge) and audience (domain) are each checked."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import SERVICE_BASE_URL, Provider, award_data
from factories import HOLDER_SEED, holder_js_key, presentation
from oid4vc_wallet import Holder

from service.app import oid4vp

pytestmark = pytest.mark.interop
GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
HOLDER_KEY = holder_js_key()


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def issue(client: Any, provider: Provider, module: dict[str, Any], *, bind: bool) -> dict[str, Any]:
    """An award, then picked up over OID4VCI (bound to the test holder's did:key or not)."""
    award = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data()},
        headers=provider.headers,
    ).json()
    credential_id = award["verifiableCredential"]["id"].rsplit("/", 1)[1]
    offer = client.post(
        f"/issuers/{provider.slug}/credential-offers",
        json={"credentialIds": [credential_id]},
        headers=provider.headers,
    ).json()["offers"][0]["credentialOffer"]
    ident = offer["credential_issuer"]
    access = client.post(
        path(f"{ident}/token"),
        data={
            "grant_type": GRANT,
            "pre-authorized_code": offer["grants"][GRANT]["pre-authorized_code"],
        },
    ).json()["access_token"]
    body: dict[str, Any] = {"credential_configuration_id": offer["credential_configuration_ids"][0]}
    if bind:
        nonce = client.post(path(f"{ident}/nonce")).json()["c_nonce"]
        proof = Holder.from_seed(HOLDER_SEED).key_proof(audience=ident, nonce=nonce)
        body["proofs"] = {"jwt": [proof]}
    answer = client.post(
        path(f"{ident}/credential"), json=body, headers={"Authorization": f"Bearer {access}"}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["credentials"][0]["credential"])


def start(client: Any) -> tuple[str, dict[str, str]]:
    """Press the /verify page's wallet button: the page's address and the request's parameters."""
    form = client.get("/verify?lang=en")
    assert 'action="/verify/wallet?lang=en"' in form.text
    page = client.post("/verify/wallet?lang=en")
    assert page.status_code == 201 and page.headers["location"].startswith("/verify/wallet/")
    # no reload unless the employer asks for it (WCAG 2.2.1); then every few seconds
    assert '<meta http-equiv="refresh"' not in page.text and 'id="wallet-waiting"' in page.text
    auto = client.get(page.headers["location"] + "&auto=1").text
    assert '<meta http-equiv="refresh" content="3;url=/verify/wallet/' in auto
    assert 'data-auto="on"' in auto
    link = html.unescape(re.search(r'id="wallet-request-link" href="([^"]+)"', page.text).group(1))
    assert link.startswith("openid4vp://?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    return page.headers["location"], params


def answer(client: Any, params: dict[str, str], vp: dict[str, Any], **form: str) -> Any:
    return client.post(
        path(params["response_uri"]),
        data={"vp_token": json.dumps({"open_badge": [vp]}), "state": params["state"], **form},
    )


def sign(node: Any, document: dict[str, Any], *, challenge: str, domain: str) -> dict[str, Any]:
    signed: dict[str, Any] = node.request(
        {
            "op": "signPresentation",
            "presentation": document,
            "key": HOLDER_KEY,
            "challenge": challenge,
            "domain": domain,
        }
    )
    return signed


def verdict_of(client: Any, page: str) -> tuple[str, str]:
    shown = client.get(page).text
    verdict = re.search(r'id="verdict" data-verdict="(\w+)"', shown)
    bound = re.search(r'data-bound="(\w+)"', shown)
    assert verdict and bound, shown[:2000]
    return verdict.group(1), bound.group(1)


def test_request_shape(client: Any) -> None:
    _page, params = start(client)
    assert params["response_type"] == "vp_token" and params["response_mode"] == "direct_post"
    assert params["response_uri"] == f"{SERVICE_BASE_URL}/openid4vp/response"
    assert params["client_id"] == f"redirect_uri:{params['response_uri']}"
    assert json.loads(params["dcql_query"]) == oid4vp.DCQL_QUERY
    assert len(params["nonce"]) >= 32 and len(params["state"]) >= 32


def test_a_bound_credential_from_a_wallet_shows_green_on_the_employers_page(
    client: Any, provider: Provider, module: dict[str, Any], node: Any
) -> None:
    credential = issue(client, provider, module, bind=True)
    assert credential["credentialSubject"]["id"] == HOLDER_KEY["controller"]
    page, params = start(client)
    vp = sign(
        node,
        presentation(credential, holder=HOLDER_KEY["controller"]),
        challenge=params["nonce"],
        domain=params["client_id"],
    )
    received = answer(client, params, vp)
    assert received.status_code == 200 and received.json() == {}
    shown = client.get(page)
    assert verdict_of(client, page) == ("valid", "yes")
    assert "Amina Haddad" in shown.text and '<meta http-equiv="refresh"' not in shown.text

    # replay: the same answer again is refused (one answer per request) ...
    again = answer(client, params, vp)
    assert again.status_code == 400 and again.json()["error"] == "invalid_request"
    # ... and sent to a new request, its old nonce (challenge) shows it up
    page2, params2 = start(client)
    assert answer(client, params2, vp).status_code == 200
    assert verdict_of(client, page2) == ("invalid", "yes")
    assert "another challenge" in client.get(page2).text


def test_audience_and_holder_binding_are_checked(
    client: Any, provider: Provider, module: dict[str, Any], node: Any
) -> None:
    bound = issue(client, provider, module, bind=True)
    page, params = start(client)
    elsewhere = sign(
        node,
        presentation(bound, holder=HOLDER_KEY["controller"]),
        challenge=params["nonce"],
        domain="redirect_uri:https://other-verifier.example/response",
    )
    answer(client, params, elsewhere)
    assert verdict_of(client, page)[0] == "invalid"
    assert "another domain" in client.get(page).text

    # a credential issued unbound proves nothing about who shows it, however well signed
    unbound = issue(client, provider, module, bind=False)
    assert "id" not in unbound["credentialSubject"]
    page, params = start(client)
    vp = sign(
        node,
        presentation(unbound, holder=HOLDER_KEY["controller"]),
        challenge=params["nonce"],
        domain=params["client_id"],
    )
    answer(client, params, vp)
    assert verdict_of(client, page) == ("invalid", "no")


def test_bad_answers_and_expiry(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page, params = start(client)
    unknown = client.post("/openid4vp/response", data={"vp_token": "{}", "state": "guess"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_request"
    not_json = answer(client, params, {}, vp_token="{")
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error_description"]
    wrong_shape = client.post(
        "/openid4vp/response", data={"vp_token": "[]", "state": params["state"]}
    )
    assert wrong_shape.status_code == 400
    as_json = client.post("/openid4vp/response", json={"state": params["state"]})
    assert as_json.status_code == 400
    # ten minutes later the request is gone: the page says so and an answer is refused
    later = datetime.now(UTC) + oid4vp.REQUEST_LIFETIME + timedelta(seconds=1)
    monkeypatch.setattr(client.app.state.tessera, "now", lambda: later)
    assert 'id="wallet-expired"' in client.get(page).text
    assert answer(client, params, {"type": ["VerifiablePresentation"]}).status_code == 400
    unknown_page = client.get("/verify/wallet/no-such-request?lang=de")
    assert unknown_page.status_code == 404 and "text/html" in unknown_page.headers["content-type"]
    assert (
        'id="wallet-expired"' in unknown_page.text
        and 'action="/verify/wallet?lang=de"' in unknown_page.text
    )


def test_learner_adds_a_credential_to_a_wallet_app_from_the_wallet_page(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    award = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data()},
        headers=provider.headers,
    ).json()
    wallet = path(award["walletUrl"])
    listing = client.get(wallet)
    found = re.search(r'class="wallet-app" href="([^"]+)"', listing.text)
    assert found, "the wallet page links to the wallet-app page"
    page = client.get(html.unescape(found.group(1)))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    link = html.unescape(re.search(r'id="offer-link" href="([^"]+)"', page.text).group(1))
    assert link.startswith("openid-credential-offer://?credential_offer_uri=")
    assert 'id="offer-qr" src="data:image/png;base64,' in page.text
    offer_uri = parse_qs(urlsplit(link).query)["credential_offer_uri"][0]
    offer = client.get(path(offer_uri))
    assert offer.status_code == 200 and offer.json()["credential_issuer"].endswith(provider.slug)
    assert (
        client.get(wallet.replace("/wallet/", "/wallet/x") + "/AAAA/wallet-app").status_code == 404
    )


def test_the_certificate_pdf_carries_a_wallet_app_offer_on_its_second_page(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    import zxingcpp

    from service.verification.intake import PdfLimits, pdf_page_images

    award = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data()},
        headers=provider.headers,
    ).json()
    wallet = path(award["walletUrl"])
    listing = client.get(wallet).text
    code = re.search(r'href="[^"]*/wallet/[^/]+/([A-Z0-9]+)/certificate.pdf', listing).group(1)
    pdf = client.get(f"{wallet}/{code}/certificate.pdf", params={"lang": "de"})
    assert pdf.status_code == 200
    pages = pdf_page_images(pdf.content, limits=PdfLimits(max_pages=2, dpi=150))
    assert len(pages) == 2
    first = {b.text for b in zxingcpp.read_barcodes(pages[0].convert("L"))}
    assert not any(t.startswith("openid-credential-offer://") for t in first)  # page 1 unchanged
    second = [b.text for b in zxingcpp.read_barcodes(pages[1].convert("L"))]
    assert len(second) == 1 and second[0].startswith(
        "openid-credential-offer://?credential_offer_uri="
    )
    offer_uri = parse_qs(urlsplit(second[0]).query)["credential_offer_uri"][0]
    offer = client.get(path(offer_uri))
    assert offer.status_code == 200 and GRANT in offer.json()["grants"]
