"""Wallet links as the provider manages them: one per learner (shared across their awards),
tokens of 160 bits stored only as hashes, renew and revoke, scopes, and provider isolation."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from conftest import Provider
from wallet_support import issue, path_of, uuid_of, wallet_url

from service.store import Database, Repository
from service.wallet import WalletAward, link_awards, new_token, token_hash
from service.wallet import wallet_url as make_url

NOW = datetime(2026, 1, 15, tzinfo=UTC)


def test_tokens_are_160_random_bits_and_only_their_hash_is_kept() -> None:
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in list(tokens)[:50]:
        assert len(token) == 32 and token == token.lower()
        digest = token_hash(token)
        assert digest == hashlib.sha256(token.upper().encode()).hexdigest()
        assert token_hash(token.upper()) == digest  # read back case-insensitively
    assert token_hash("short") is None and token_hash("u" * 32) is None


def _link_awards(db: Database, provider: Provider, awards: list[WalletAward]) -> dict[str, Any]:
    with db.transaction() as session:
        return link_awards(
            Repository(session),
            issuer=provider.issuer,
            awards=awards,
            base_url="https://credentials.example.org",
            actor="test",
            now=NOW,
        )


def test_a_learner_keeps_one_link_across_awards(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    first = issue(client, provider, module, learner="Amina Haddad", learnerId="E-1")
    second = issue(client, provider, module, learner="amina  haddad", learnerId="E-1")
    other = issue(client, provider, module, learner="Bohdan Kovalenko", learnerId="E-2")
    typo = issue(client, provider, module, learner="Amina Hadad", learnerId="E-1")
    anonymous = issue(client, provider, module, learner="Amina Haddad")

    made = _link_awards(db, provider, [WalletAward(uuid_of(first), "Amina Haddad", "E-1", "ar")])
    link = made[uuid_of(first)]
    assert link.token is not None and link.url == make_url(
        "https://credentials.example.org", link.token
    )

    later = _link_awards(
        db,
        provider,
        [
            WalletAward(uuid_of(second), "amina  haddad", "E-1"),
            WalletAward(uuid_of(other), "Bohdan Kovalenko", "E-2"),
            WalletAward(uuid_of(typo), "Amina Hadad", "E-1"),
            WalletAward(uuid_of(anonymous), "Amina Haddad", None),
        ],
    )
    assert later[uuid_of(second)].link_id == link.link_id
    assert later[uuid_of(second)].token is None  # the learner already has this link
    assert len({later[uuid_of(c)].link_id for c in (other, typo, anonymous)} | {link.link_id}) == 4
    with db.transaction() as session:
        repo = Repository(session)
        assert [c.id for c in repo.wallet_credentials(link.link_id)] == [
            uuid_of(first),
            uuid_of(second),
        ]
        assert repo.wallet_link(provider.issuer.id, link.link_id).language == "ar"


def test_a_cohort_gets_its_links_in_a_few_statements(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    response = client.post(
        f"/issuers/{provider.slug}/awards/batch",
        json={
            "moduleId": module["id"],
            "awards": [
                {"learnerName": f"L {i}", "completedOn": "2025-06-30", "learnerId": f"E-{i}"}
                for i in range(120)
            ],
        },
        headers=provider.headers,
    )
    ids = response.json()["credentialIds"]
    ids = [i.rsplit("/", 1)[1] for i in ids]
    links = _link_awards(
        db, provider, [WalletAward(cid, f"L {i}", f"E-{i}") for i, cid in enumerate(ids)]
    )
    assert len({v.link_id for v in links.values()}) == 120
    assert all(v.token for v in links.values())


def test_the_provider_api_makes_renews_lists_and_revokes(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    credential = issue(client, provider, module, learner="Amina Haddad", learnerId="E-7")
    url = wallet_url(client, provider, credential)
    assert client.get(path_of(url)).status_code == 200
    links = client.get(f"/issuers/{provider.slug}/wallet-links", headers=provider.headers).json()
    link = next(li for li in links if uuid_of(credential) in li["credentialIds"])
    assert set(link) == {"id", "learnerRef", "language", "credentialIds", "createdAt", "revokedAt"}
    one = client.get(
        f"/issuers/{provider.slug}/wallet-links/{link['id']}", headers=provider.headers
    )
    assert one.json() == link

    again = client.post(
        f"/issuers/{provider.slug}/wallet-links",
        json={"credentialIds": [uuid_of(credential)]},
        headers=provider.headers,
    )
    assert again.status_code == 409  # already in a live link: renew that one instead

    renewed = client.post(
        f"/issuers/{provider.slug}/wallet-links/{link['id']}/renew", headers=provider.headers
    )
    assert renewed.status_code == 200
    assert client.get(path_of(url)).status_code == 404  # the lost link stops working at once
    assert client.get(path_of(renewed.json()["url"])).status_code == 200

    assert (
        client.delete(
            f"/issuers/{provider.slug}/wallet-links/{link['id']}", headers=provider.headers
        ).status_code
        == 204
    )
    assert client.get(path_of(renewed.json()["url"])).status_code == 410
    assert (
        client.delete(
            f"/issuers/{provider.slug}/wallet-links/{link['id']}", headers=provider.headers
        ).status_code
        == 204
    )
    fresh = client.post(
        f"/issuers/{provider.slug}/wallet-links",
        json={"credentialIds": [uuid_of(credential)]},
        headers=provider.headers,
    )
    assert fresh.status_code == 201  # a revoked link frees its credentials for a new one
    assert client.get(path_of(fresh.json()["url"])).status_code == 200
    audit = [
        a["action"]
        for a in client.get(f"/issuers/{provider.slug}/audit", headers=provider.headers).json()
    ]
    assert {"wallet_link.create", "wallet_link.renew", "wallet_link.revoke"} <= set(audit)


def test_scopes_and_providers_are_kept_apart(
    client: Any, provider: Provider, make_provider: Callable[..., Provider], module: dict[str, Any]
) -> None:
    credential = issue(client, provider, module, learner="Amina Haddad")
    wallet_url(client, provider, credential)
    link = next(
        li
        for li in client.get(
            f"/issuers/{provider.slug}/wallet-links", headers=provider.headers
        ).json()
        if uuid_of(credential) in li["credentialIds"]
    )
    issue_only = client.post(
        f"/issuers/{provider.slug}/api-keys",
        json={"label": "registrar", "scopes": ["issue"]},
        headers=provider.headers,
    ).json()["token"]
    headers = {"Authorization": f"Bearer {issue_only}"}
    assert (
        client.delete(
            f"/issuers/{provider.slug}/wallet-links/{link['id']}", headers=headers
        ).status_code
        == 403
    )

    other = make_provider("Other Academy", slug="other-academy")
    assert (
        client.get(
            f"/issuers/{provider.slug}/wallet-links/{link['id']}", headers=other.headers
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/issuers/{other.slug}/wallet-links/{link['id']}", headers=other.headers
        ).status_code
        == 404
    )
    assert (
        client.delete(
            f"/issuers/{other.slug}/wallet-links/{link['id']}", headers=other.headers
        ).status_code
        == 404
    )
    stolen = client.post(
        f"/issuers/{other.slug}/wallet-links",
        json={"credentialIds": [uuid_of(credential)]},
        headers=other.headers,
    )
    assert stolen.status_code == 404
    assert client.get(f"/issuers/{provider.slug}/wallet-links", headers={}).status_code == 401
