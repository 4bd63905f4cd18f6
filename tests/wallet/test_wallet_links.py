"""Wallet links as the provider manages them: one per learner (shared across their awards),
tokens of 160 bits stored only as hashes, renew and revoke, scopes, and provider isolation."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from conftest import Provider, award_data
from sqlalchemy import event, text
from wallet_support import issue, path_of, uuid_of, wallet_url

from service.app.wallet import WalletAward, link_awards, new_token, token_hash
from service.app.wallet import wallet_url as make_url
from service.store import Database, Repositories

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


def award(
    client: Any, provider: Provider, module: dict[str, Any], **fields: Any
) -> tuple[dict[str, Any], str | None]:
    """Issue one award; (credential, the wallet address shown with it, if a link was made)."""
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(**fields)},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["verifiableCredential"], response.json().get("walletUrl")


def links_by_credential(client: Any, provider: Provider) -> dict[str, dict[str, Any]]:
    listed = client.get(f"/issuers/{provider.slug}/wallet-links", headers=provider.headers)
    return {cid: link for link in listed.json() for cid in link["credentialIds"]}


def test_a_learner_keeps_one_link_across_awards(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    first, first_url = award(
        client, provider, module, learner="Amina Haddad", learnerId="E-1", language="ar"
    )
    second, second_url = award(client, provider, module, learner="amina  haddad", learnerId="E-1")
    other, other_url = award(client, provider, module, learner="Bohdan Kovalenko", learnerId="E-2")
    typo, typo_url = award(client, provider, module, learner="Amina Hadad", learnerId="E-1")
    anonymous, anonymous_url = award(client, provider, module, learner="Amina Haddad")

    # A new link's address is shown once, with the award that made it.
    assert first_url is not None
    assert first_url == make_url("https://credentials.example.org", first_url.rsplit("/", 1)[1])
    assert second_url is None  # the learner already has this link
    assert other_url and typo_url and anonymous_url
    assert len({first_url, other_url, typo_url, anonymous_url}) == 4

    links = links_by_credential(client, provider)
    link = links[uuid_of(first)]
    assert link["credentialIds"] == [uuid_of(first), uuid_of(second)]
    assert link["language"] == "ar" and link["learnerRef"] == "E-1"
    assert len({links[uuid_of(c)]["id"] for c in (other, typo, anonymous)} | {link["id"]}) == 4
    assert links[uuid_of(anonymous)]["learnerRef"] is None

    # The address opens the wallet with both of the learner's credentials.
    page = client.get(path_of(first_url))
    assert page.status_code == 200
    # Only its hash is stored.
    token = first_url.rsplit("/", 1)[1]
    with db.transaction() as session:
        repo = Repositories(session)
        row = repo.wallet.wallet_link(provider.issuer.id, link["id"])
        assert row.token_hash == token_hash(token) != token
        assert [c.id for c in repo.wallet.wallet_credentials(link["id"])] == [
            uuid_of(first),
            uuid_of(second),
        ]


def test_link_awards_reuses_a_live_link_and_makes_new_ones(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    """``link_awards`` on its own, for credentials issued before links existed."""
    first, _ = award(client, provider, module, learner="Amina Haddad", learnerId="E-1")
    with db.transaction() as session:  # as if issued before wallet links existed
        session.execute(text("UPDATE credentials SET wallet_link_id = NULL"))
        session.execute(text("DELETE FROM wallet_links"))
    later, _ = award(client, provider, module, learner="Bohdan Kovalenko", learnerId="E-2")
    with db.transaction() as session:
        made = link_awards(
            Repositories(session),
            issuer=provider.issuer,
            awards=[
                WalletAward(uuid_of(first), "Amina Haddad", "E-1", "ar"),
                WalletAward(uuid_of(later), "Bohdan Kovalenko", "E-2"),
            ],
            base_url="https://credentials.example.org",
            actor="test",
            now=NOW,
        )
    assert made[uuid_of(first)].token is not None  # a new link for the unlinked credential
    assert made[uuid_of(first)].url == make_url(
        "https://credentials.example.org", made[uuid_of(first)].token or ""
    )
    assert made[uuid_of(later)].token is None  # Bohdan's live link from issuing is reused
    assert made[uuid_of(later)].url is None
    links = links_by_credential(client, provider)
    assert links[uuid_of(first)]["language"] == "ar"
    assert links[uuid_of(later)]["id"] == made[uuid_of(later)].link_id


def test_a_cohort_gets_its_links_in_a_few_statements(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    def send(size: int, prefix: str) -> Any:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            return client.post(
                f"/issuers/{provider.slug}/awards/batch",
                json={
                    "moduleId": module["id"],
                    "awards": [
                        {
                            "learnerName": f"{prefix} {i}",
                            "completedOn": "2025-06-30",
                            "learnerId": f"{prefix}-{i}",
                        }
                        for i in range(size)
                    ],
                },
                headers=provider.headers,
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", count)

    small = send(3, "S")
    small_count = len([s for s in statements if "wallet_link" in s])
    response = send(120, "L")
    body = response.json()
    wallet_statements = [s for s in statements if "wallet_link" in s]
    assert response.status_code == 201, body
    assert len(body["walletLinks"]) == 120
    assert len({v["walletLinkId"] for v in body["walletLinks"]}) == 120
    assert all(v["walletUrl"] for v in body["walletLinks"])
    # The number of statements touching wallet links does not grow with the cohort.
    assert small.status_code == 201
    assert 1 <= len(wallet_statements) == small_count <= 6, wallet_statements


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
