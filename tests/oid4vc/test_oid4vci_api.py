"""OID4VCI issuer (pre-authorized code flow) over HTTP, on SQLite and PostgreSQL: metadata,
offers, token, nonce, credential with holder binding, and every refusal a wallet can meet."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import SERVICE_BASE_URL, Provider, award_data, verify_offline
from oid4vc_wallet import Holder, offer_from_deep_link

from service.app import oid4vci
from service.store.models import CredentialOfferRow

GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def award(
    client: Any, provider: Provider, module: dict[str, Any], learner: str = "Amina Haddad"
) -> dict[str, Any]:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(learner)},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["verifiableCredential"])


def uuid_of(credential: dict[str, Any]) -> str:
    return str(credential["id"]).rsplit("/", 1)[1]


def offer(client: Any, provider: Provider, *credentials: dict[str, Any], **body: Any) -> Any:
    return client.post(
        f"/issuers/{provider.slug}/credential-offers",
        json={"credentialIds": [uuid_of(c) for c in credentials], **body},
        headers=provider.headers,
    )


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def token(client: Any, issuer: str, code: str, **extra: str) -> Any:
    return client.post(
        path(f"{issuer}/token"),
        data={"grant_type": GRANT, "pre-authorized_code": code, **extra},
    )


def nonce(client: Any, issuer: str) -> str:
    response = client.post(path(f"{issuer}/nonce"))
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    return str(response.json()["c_nonce"])


def request_credential(
    client: Any, issuer: str, access: str, configuration: str, proof: str | None = None
) -> Any:
    body: dict[str, Any] = {"credential_configuration_id": configuration}
    if proof is not None:
        body["proofs"] = {"jwt": [proof]}
    return client.post(
        path(f"{issuer}/credential"), json=body, headers={"Authorization": f"Bearer {access}"}
    )


def made_offer(
    client: Any, provider: Provider, credential: dict[str, Any], **body: Any
) -> dict[str, Any]:
    response = offer(client, provider, credential, **body)
    assert response.status_code == 201, response.text
    return dict(response.json()["offers"][0])


def test_metadata_per_provider_names_every_catalogue_language(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    ident = f"{SERVICE_BASE_URL}/issuers/{provider.slug}"
    metadata = client.get(f"/.well-known/openid-credential-issuer/issuers/{provider.slug}").json()
    assert metadata["credential_issuer"] == ident
    assert metadata["credential_endpoint"] == f"{ident}/credential"
    assert metadata["nonce_endpoint"] == f"{ident}/nonce"
    configuration = metadata["credential_configurations_supported"][f"module-{module['id']}"]
    assert configuration["format"] == "ldp_vc"
    assert configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "EdDSA",
        "ES256",
    ]
    display = {d["locale"]: d["name"] for d in configuration["credential_metadata"]["display"]}
    assert display == module["name"]  # every language the catalogue gives the module
    assert {d["locale"] for d in metadata["display"]} == set(module["name"])
    # the suffix form older wallets use answers the same
    assert (
        client.get(f"/issuers/{provider.slug}/.well-known/openid-credential-issuer").json()
        == metadata
    )
    server = client.get(f"/.well-known/oauth-authorization-server/issuers/{provider.slug}").json()
    assert server["issuer"] == ident and server["token_endpoint"] == f"{ident}/token"
    assert server["grant_types_supported"] == [GRANT]
    assert client.get("/.well-known/openid-credential-issuer/issuers/nobody").status_code == 404


@pytest.mark.parametrize(
    ("curve", "jwk_did", "use_jwk"),
    [
        ("Ed25519", False, False),
        ("P-256", False, False),
        ("P-256", True, False),
        ("Ed25519", False, True),
    ],
    ids=["ed25519-did-key", "p256-did-key", "p256-did-jwk", "ed25519-jwk-header"],
)
def test_offer_to_bound_credential(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    service_engine: Any,
    curve: str,
    jwk_did: bool,
    use_jwk: bool,
) -> None:
    credential = award(client, provider, module)
    made = made_offer(client, provider, credential)
    assert made["txCode"] is None
    assert made["offerByReference"].startswith("openid-credential-offer://?credential_offer_uri=")
    by_reference = offer_from_deep_link(made["offerByReference"])["credential_offer_uri"]
    assert by_reference == made["credentialOfferUri"]
    read = client.get(path(by_reference))
    assert read.status_code == 200 and read.headers["cache-control"] == "no-store"
    body = read.json()
    ident = body["credential_issuer"]
    assert body["credential_configuration_ids"] == [f"module-{module['id']}"]
    code = body["grants"][GRANT]["pre-authorized_code"]
    # the by-value code was replaced when the offer was read: only the newest works
    old_code = made["credentialOffer"]["grants"][GRANT]["pre-authorized_code"]
    assert token(client, ident, old_code).json()["error"] == "invalid_grant"

    granted = token(client, ident, code)
    assert granted.status_code == 200, granted.text
    assert granted.json()["token_type"] == "Bearer"
    assert granted.json()["expires_in"] == 300
    access = granted.json()["access_token"]

    holder = Holder.new(curve, jwk_did=jwk_did)
    proof = holder.key_proof(audience=ident, nonce=nonce(client, ident), use_jwk=use_jwk)
    answer = request_credential(client, ident, access, f"module-{module['id']}", proof)
    assert answer.status_code == 200, answer.text
    issued = answer.json()["credentials"][0]["credential"]
    subject_id = issued["credentialSubject"]["id"]
    # a bare jwk header binds to that key's did:jwk
    assert subject_id == (
        Holder(holder.private, curve, jwk_did=True).did if use_jwk else holder.did
    )
    assert issued["id"] == credential["id"]
    assert issued["credentialStatus"] == credential["credentialStatus"]
    assert (
        issued["credentialSubject"]["achievement"] == credential["credentialSubject"]["achievement"]
    )
    did_document = client.get(f"/issuers/{provider.slug}/did.json").json()
    result = verify_offline(service_engine, issued, {provider.did: did_document})
    assert result.verified, result.problems

    # spent: the token, the code and the offer address all stop working
    again = request_credential(client, ident, access, f"module-{module['id']}")
    assert again.status_code == 401 and again.json()["error"] == "invalid_token"
    assert token(client, ident, code).json()["error"] == "invalid_grant"
    gone = client.get(path(by_reference))
    assert gone.status_code == 410 and "used or has expired" in gone.json()["detail"]


def test_without_a_key_proof_the_credential_is_issued_unbound(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    credential = award(client, provider, module)
    body = made_offer(client, provider, credential)["credentialOffer"]
    ident = body["credential_issuer"]
    access = token(client, ident, body["grants"][GRANT]["pre-authorized_code"]).json()[
        "access_token"
    ]
    answer = request_credential(client, ident, access, f"module-{module['id']}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["credentials"][0]["credential"] == credential


def test_transaction_code_is_required_and_cannot_be_guessed(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    credential = award(client, provider, module)
    made = made_offer(client, provider, credential, txCode=True)
    pin = made["txCode"]
    assert pin.isdigit() and len(pin) == 6
    body = made["credentialOffer"]
    assert body["grants"][GRANT]["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "The code your training provider sent you",
    }
    ident, code = body["credential_issuer"], body["grants"][GRANT]["pre-authorized_code"]
    missing = token(client, ident, code)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    wrong = "000000" if pin != "000000" else "111111"
    first = token(client, ident, code, tx_code=wrong)
    assert first.status_code == 400 and "4 tries left" in first.json()["error_description"]
    assert token(client, ident, code, tx_code=pin).status_code == 200

    # five wrong tries withdraw the code, even when the right one comes next
    other = award(client, provider, module, "Bohdan Kovalenko")
    made = made_offer(client, provider, other, txCode=True)
    code = made["credentialOffer"]["grants"][GRANT]["pre-authorized_code"]
    wrong = "000000" if made["txCode"] != "000000" else "111111"
    for _ in range(5):
        assert token(client, ident, code, tx_code=wrong).status_code == 400
    assert token(client, ident, code, tx_code=made["txCode"]).json()["error"] == "invalid_grant"


def test_key_proof_refusals(client: Any, provider: Provider, module: dict[str, Any]) -> None:
    credential = award(client, provider, module)
    body = made_offer(client, provider, credential)["credentialOffer"]
    ident = body["credential_issuer"]
    access = token(client, ident, body["grants"][GRANT]["pre-authorized_code"]).json()[
        "access_token"
    ]
    configuration = f"module-{module['id']}"
    holder = Holder.new()

    def refused(proof: str, error: str) -> None:
        answer = request_credential(client, ident, access, configuration, proof)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == error, answer.json()

    refused(holder.key_proof(audience=ident, nonce="made-up"), "invalid_nonce")
    refused(
        holder.key_proof(audience="https://elsewhere.example", nonce=nonce(client, ident)),
        "invalid_proof",
    )
    refused(
        holder.key_proof(audience=ident, nonce=nonce(client, ident), iat=time.time() - 3600),
        "invalid_proof",
    )
    good = holder.key_proof(audience=ident, nonce=nonce(client, ident))
    head, claims, signature = good.split(".")
    tampered = f"{head}.{claims}.{signature[:-4]}AAAA"
    refused(tampered, "invalid_proof")
    # the nonce of a refused proof was used up (a nonce is single-use even when the proof fails
    # later), so the good proof with it is now refused too
    refused(good, "invalid_nonce")
    other = Holder.new()
    forged = other.sign_jwt(
        {"typ": "openid4vci-proof+jwt", "kid": holder.kid},
        {"aud": ident, "iat": int(time.time()), "nonce": nonce(client, ident)},
    )
    refused(forged, "invalid_proof")
    unsigned = holder.key_proof(audience=ident, nonce=nonce(client, ident)).rsplit(".", 1)[0] + "."
    refused(unsigned, "invalid_proof")
    wrong_config = request_credential(client, ident, access, "OpenBadgeCredential")
    assert wrong_config.json()["error"] == "unknown_credential_configuration"
    # the token survived every refusal: a valid proof still gets the credential
    proof = holder.key_proof(audience=ident, nonce=nonce(client, ident))
    assert request_credential(client, ident, access, configuration, proof).status_code == 200


def test_nonce_is_single_use(client: Any, provider: Provider, module: dict[str, Any]) -> None:
    first, second = award(client, provider, module), award(client, provider, module, "Bohdan")
    ident = f"{SERVICE_BASE_URL}/issuers/{provider.slug}"
    holder = Holder.new()
    c_nonce = nonce(client, ident)
    results = []
    for credential in (first, second):
        body = made_offer(client, provider, credential)["credentialOffer"]
        access = token(client, ident, body["grants"][GRANT]["pre-authorized_code"]).json()[
            "access_token"
        ]
        proof = holder.key_proof(audience=ident, nonce=c_nonce)
        results.append(request_credential(client, ident, access, f"module-{module['id']}", proof))
    assert results[0].status_code == 200
    assert results[1].json()["error"] == "invalid_nonce"


def test_cohort_offers_all_or_none_and_revoked_is_refused(
    client: Any, provider: Provider, module: dict[str, Any], db: Any
) -> None:
    cohort = [award(client, provider, module, f"Learner {i}") for i in range(3)]
    made = offer(client, provider, *cohort, txCode=True)
    assert made.status_code == 201
    offers = made.json()["offers"]
    assert [o["credentialId"] for o in offers] == [uuid_of(c) for c in cohort]
    assert len({o["txCode"] for o in offers}) >= 1 and all(len(o["txCode"]) == 6 for o in offers)

    revoked = client.post(
        f"/issuers/{provider.slug}/credentials/{uuid_of(cohort[1])}/revoke",
        json={"reason": "issued in error"},
        headers=provider.headers,
    )
    assert revoked.status_code == 200, revoked.text
    with db.transaction() as session:
        before = session.query(CredentialOfferRow).count()
    refused = offer(client, provider, *cohort)
    assert refused.status_code == 409 and uuid_of(cohort[1]) in refused.json()["detail"]
    with db.transaction() as session:
        assert session.query(CredentialOfferRow).count() == before  # nothing half-written

    # an offer made before the revocation is refused at the credential endpoint
    body = offers[1]["credentialOffer"]
    ident = body["credential_issuer"]
    granted = token(
        client, ident, body["grants"][GRANT]["pre-authorized_code"], tx_code=offers[1]["txCode"]
    )
    answer = request_credential(
        client, ident, granted.json()["access_token"], f"module-{module['id']}"
    )
    assert answer.status_code == 400 and answer.json()["error"] == "credential_request_denied"

    unknown = client.post(
        f"/issuers/{provider.slug}/credential-offers",
        json={"credentialIds": ["00000000-0000-0000-0000-000000000000"]},
        headers=provider.headers,
    )
    assert unknown.status_code == 404
    assert (
        client.post(
            f"/issuers/{provider.slug}/credential-offers",
            json={"credentialIds": "x"},
            headers=provider.headers,
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/issuers/{provider.slug}/credential-offers",
            json={"credentialIds": [uuid_of(cohort[0])]},
        ).status_code
        == 401
    )
    for hours in (0, 10**400, "168", True):
        refused_hours = client.post(
            f"/issuers/{provider.slug}/credential-offers",
            json={"credentialIds": [uuid_of(cohort[0])], "expiresInHours": hours},
            headers=provider.headers,
        )
        assert refused_hours.status_code == 422, refused_hours.text
        assert "expiresInHours" in refused_hours.json()["detail"]


def test_codes_are_short_lived_and_stored_hashed(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    db: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credential = award(client, provider, module)
    made = made_offer(client, provider, credential)
    body = made["credentialOffer"]
    code = body["grants"][GRANT]["pre-authorized_code"]
    with db.transaction() as session:
        row = session.get(CredentialOfferRow, made["id"])
        assert row is not None
        stored = " ".join(str(v) for v in vars(row).values())
        assert code not in stored and made["credentialOfferUri"].rsplit("/", 1)[1] not in stored
        assert row.code_hash == oid4vci.secret_hash(code)
        assert (row.code_expires_at - row.created_at).total_seconds() == 600
    # eleven minutes later the code is refused
    later = datetime.now(UTC) + oid4vci.CODE_LIFETIME + oid4vci.CODE_LIFETIME / 10
    state = client.app.state.tessera
    monkeypatch.setattr(state, "now", lambda: later)
    expired = token(client, body["credential_issuer"], code)
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"


def test_bad_requests_answer_in_oauth_form(client: Any, provider: Provider) -> None:
    ident = f"{SERVICE_BASE_URL}/issuers/{provider.slug}"
    wrong_grant = client.post(path(f"{ident}/token"), data={"grant_type": "password"})
    assert (
        wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "unsupported_grant_type"
    )
    as_json = client.post(path(f"{ident}/token"), json={"grant_type": GRANT})
    assert as_json.json()["error"] == "invalid_request"
    no_token = client.post(path(f"{ident}/credential"), json={})
    assert no_token.status_code == 401 and no_token.json()["error"] == "invalid_token"
    assert "Bearer" in no_token.headers["www-authenticate"]
    bad_token = client.post(
        path(f"{ident}/credential"), content=b"{", headers={"Authorization": "Bearer x"}
    )
    assert (
        bad_token.status_code == 400 and bad_token.json()["error"] == "invalid_credential_request"
    )
    assert client.get(path(f"{ident}/credential-offers/nothing")).status_code == 410


def test_cli_writes_a_cohorts_offers_to_print_or_send(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    service_settings: Any,
    db: Any,
) -> None:
    import csv
    import io

    import zxingcpp
    from conftest import CONTEXTS_BUNDLE
    from PIL import Image
    from typer.testing import CliRunner

    from cli.main import app
    from service.config import get_settings

    cohort = [award(client, provider, module, f"Learner {i}") for i in range(2)]
    for name, value in {
        "TESSERA_DATA_DIR": str(service_settings.data_dir),
        "TESSERA_KEYS_DIR": str(service_settings.keys_dir),
        "TESSERA_KEY_PASSPHRASE": "correct horse battery staple",
        "TESSERA_KEY_KDF": "interactive",
        "TESSERA_BASE_URL": SERVICE_BASE_URL,
        "TESSERA_DATABASE_URL": db.url,
        "TESSERA_CONTEXTS_BUNDLE": str(CONTEXTS_BUNDLE),
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    out = tmp_path / "offers"
    try:
        done = CliRunner().invoke(
            app,
            [
                "offers",
                "create",
                *[c["id"] for c in cohort],
                "--issuer",
                provider.slug,
                "--tx-code",
                "--out",
                str(out),
            ],
        )
        assert done.exit_code == 0, done.output
        assert "2 offer(s)" in done.output
        rows = list(csv.DictReader(io.StringIO((out / "offers.csv").read_text(encoding="utf-8"))))
        assert [r["credentialId"] for r in rows] == [uuid_of(c) for c in cohort]
        picture = Image.open(out / f"{rows[0]['checkCode']}.png").convert("L")
        assert zxingcpp.read_barcodes(picture)[0].text == rows[0]["offer"]
        offer = client.get(
            path(offer_from_deep_link(rows[0]["offer"])["credential_offer_uri"])
        ).json()
        ident, code = offer["credential_issuer"], offer["grants"][GRANT]["pre-authorized_code"]
        assert token(client, ident, code, tx_code=rows[0]["txCode"]).status_code == 200
        # a revoked credential: one line saying so, exit 2, nothing written
        client.post(
            f"/issuers/{provider.slug}/credentials/{uuid_of(cohort[1])}/revoke",
            json={},
            headers=provider.headers,
        )
        refused = CliRunner().invoke(
            app,
            [
                "offers",
                "create",
                cohort[1]["id"],
                "--issuer",
                provider.slug,
                "--out",
                str(tmp_path / "none"),
            ],
        )
        assert refused.exit_code != 0 and "revoked or suspended" in refused.output
        assert not (tmp_path / "none").exists()
    finally:
        get_settings.cache_clear()


def test_an_absurd_iat_is_a_refusal_not_a_crash(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    credential = award(client, provider, module)
    body = made_offer(client, provider, credential)["credentialOffer"]
    ident = body["credential_issuer"]
    access = token(client, ident, body["grants"][GRANT]["pre-authorized_code"]).json()[
        "access_token"
    ]
    holder = Holder.new()
    proof = holder.sign_jwt(
        {"typ": "openid4vci-proof+jwt", "kid": holder.kid},
        {"aud": ident, "iat": 10**400, "nonce": nonce(client, ident)},
    )
    answer = request_credential(client, ident, access, f"module-{module['id']}", proof)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_proof"


def test_transcripts_and_qualifications_are_offered_under_their_own_configuration(
    client: Any, provider: Provider
) -> None:
    from service.credentials.qualification import CLR_CONTEXTS
    from service.store.models import CredentialRow

    metadata = client.get(f"/.well-known/openid-credential-issuer/issuers/{provider.slug}").json()
    clr = metadata["credential_configurations_supported"]["ClrCredential"]
    assert clr["credential_definition"] == {
        "@context": CLR_CONTEXTS,
        "type": ["VerifiableCredential", "ClrCredential"],
    }
    generic = metadata["credential_configurations_supported"]["OpenBadgeCredential"]
    assert generic["credential_definition"]["type"] == [
        "VerifiableCredential",
        "OpenBadgeCredential",
    ]

    def row(module_id: str | None, *types: str) -> CredentialRow:
        return CredentialRow(
            module_id=module_id, document={"type": ["VerifiableCredential", *types]}
        )

    assert oid4vci.configuration_id(row(None, "ClrCredential")) == "ClrCredential"
    assert oid4vci.configuration_id(row(None, "OpenBadgeCredential")) == "OpenBadgeCredential"
    assert oid4vci.configuration_id(row("m-1", "OpenBadgeCredential")) == "module-m-1"
