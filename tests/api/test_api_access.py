"""API keys: hashed at rest, scoped, revocable, strict about the header; and one provider's
key sees nothing of another's (404, not 403)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import Provider, award_data, module_data, table_counts
from sqlalchemy import text

from service.store import Database
from service.store.models import Base


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_key(client: Any, provider: Provider, scopes: list[str]) -> dict[str, Any]:
    response = client.post(
        f"/issuers/{provider.slug}/api-keys",
        json={"label": "registrar laptop", "scopes": scopes},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def all_stored_text(db: Database) -> str:
    """Every value in every table, as one string."""
    chunks = []
    with db.engine.connect() as connection:
        for name in Base.metadata.tables:
            for row in connection.execute(text(f'SELECT * FROM "{name}"')):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


def test_tokens_are_stored_hashed(client: Any, provider: Provider, db: Database) -> None:
    minted = new_key(client, provider, ["issue"])
    tokens = [provider.token, minted["token"]]

    stored = all_stored_text(db)
    for token in tokens:
        secret = token.removeprefix("tsk_").split("_", 1)[1]
        assert secret not in stored
        assert token not in stored
    listed = client.get(f"/issuers/{provider.slug}/api-keys", headers=provider.headers).json()
    assert {k["id"] for k in listed} >= {minted["id"]}
    assert all(set(k) == {"id", "label", "scopes", "createdAt", "revokedAt"} for k in listed)
    # The minted token works, so what is stored is enough to check it.
    assert (
        client.get(f"/issuers/{provider.slug}/modules", headers=bearer(minted["token"])).status_code
        == 200
    )


def test_an_issue_only_key_cannot_manage_the_catalogue_or_keys(
    client: Any, provider: Provider
) -> None:
    module = client.post(
        f"/issuers/{provider.slug}/modules", json=module_data(), headers=provider.headers
    ).json()
    issue_only = bearer(new_key(client, provider, ["issue"])["token"])

    refused = client.post(
        f"/issuers/{provider.slug}/modules", json=module_data(), headers=issue_only
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "admin" in refused.json()["detail"]
    for method, path in [
        ("POST", f"/issuers/{provider.slug}/programmes"),
        ("GET", f"/issuers/{provider.slug}/api-keys"),
        ("POST", f"/issuers/{provider.slug}/api-keys"),
        ("GET", f"/issuers/{provider.slug}/audit"),
    ]:
        assert client.request(method, path, json={}, headers=issue_only).status_code == 403, path

    awarded = client.post(
        f"/issuers/{provider.slug}/awards",
        json=award_data(moduleId=module["id"]),
        headers=issue_only,
    )
    assert awarded.status_code == 201


def test_an_admin_only_key_cannot_issue(client: Any, provider: Provider) -> None:
    module = client.post(
        f"/issuers/{provider.slug}/modules", json=module_data(), headers=provider.headers
    ).json()
    admin_only = bearer(new_key(client, provider, ["admin"])["token"])
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json=award_data(moduleId=module["id"]),
        headers=admin_only,
    )
    assert response.status_code == 403
    assert "issue" in response.json()["detail"]


def test_unknown_or_empty_scopes_are_refused(client: Any, provider: Provider, db: Database) -> None:
    before = table_counts(db)
    for scopes in ([], ["issue", "root"], "issue", None):
        response = client.post(
            f"/issuers/{provider.slug}/api-keys", json={"scopes": scopes}, headers=provider.headers
        )
        assert response.status_code == 422, scopes
    assert table_counts(db) == before


def test_a_revoked_key_is_refused(client: Any, provider: Provider, db: Database) -> None:
    minted = new_key(client, provider, ["issue", "admin"])
    headers = bearer(minted["token"])
    assert client.get(f"/issuers/{provider.slug}/modules", headers=headers).status_code == 200

    revoked = client.delete(
        f"/issuers/{provider.slug}/api-keys/{minted['id']}", headers=provider.headers
    )
    assert revoked.status_code == 204

    response = client.get(f"/issuers/{provider.slug}/modules", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"
    listed = client.get(f"/issuers/{provider.slug}/api-keys", headers=provider.headers).json()
    assert next(k for k in listed if k["id"] == minted["id"])["revokedAt"] is not None
    # The other key still works.
    assert (
        client.get(f"/issuers/{provider.slug}/modules", headers=provider.headers).status_code == 200
    )


WRONG_AUTHORIZATION = [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Token {token}",
    "{token}",
    "Bearer tsk_nothex000000_abcdefghijklmnopqrstuvwxyz",
    "Bearer {prefix}_wrongsecretwrongsecretwrongsecret",
    "Bearer {token}x",
]


def test_a_malformed_or_wrong_header_is_401_with_www_authenticate(
    client: Any, provider: Provider
) -> None:
    prefix = provider.token[: len("tsk_") + 12]  # the real key's public prefix
    for authorization in WRONG_AUTHORIZATION:
        headers = {}
        if authorization is not None:
            headers["Authorization"] = authorization.format(token=provider.token, prefix=prefix)
        response = client.get(f"/issuers/{provider.slug}/modules", headers=headers)

        assert response.status_code == 401, authorization
        assert response.headers["www-authenticate"] == 'Bearer realm="tessera"', authorization
        body = response.json()
        assert body["status"] == 401 and body["detail"], authorization


def test_the_right_key_with_a_lower_case_scheme_is_accepted(
    client: Any, provider: Provider
) -> None:
    headers = {"Authorization": f"bearer {provider.token}"}
    assert client.get(f"/issuers/{provider.slug}/modules", headers=headers).status_code == 200


def test_a_provider_sees_nothing_of_another(
    client: Any, make_provider: Callable[..., Provider], db: Database
) -> None:
    alpha = make_provider("Alpha Skills")
    beta = make_provider("Beta Academy")
    beta_module = client.post(
        f"/issuers/{beta.slug}/modules", json=module_data(), headers=beta.headers
    ).json()
    beta_programme = client.post(
        f"/issuers/{beta.slug}/programmes",
        json={"defaultLanguage": "en", "name": {"en": "Metal trades"}},
        headers=beta.headers,
    ).json()
    beta_award = client.post(
        f"/issuers/{beta.slug}/awards",
        json=award_data("Secret Learner", moduleId=beta_module["id"]),
        headers=beta.headers,
    )
    assert beta_award.status_code == 201
    beta_row = client.get(f"/issuers/{beta.slug}/credentials", headers=beta.headers).json()[0]
    beta_key = client.get(f"/issuers/{beta.slug}/api-keys", headers=beta.headers).json()[0]
    before = table_counts(db)

    foreign = [
        ("GET", f"/issuers/{beta.slug}/modules", None),
        ("GET", f"/issuers/{beta.slug}/modules/{beta_module['id']}", None),
        ("POST", f"/issuers/{beta.slug}/modules", module_data()),
        ("GET", f"/issuers/{beta.slug}/programmes", None),
        ("GET", f"/issuers/{beta.slug}/programmes/{beta_programme['id']}", None),
        ("GET", f"/issuers/{beta.slug}/credentials", None),
        ("GET", f"/issuers/{beta.slug}/credentials/{beta_row['id']}", None),
        ("POST", f"/issuers/{beta.slug}/awards", award_data(moduleId=beta_module["id"])),
        (
            "POST",
            f"/issuers/{beta.slug}/awards/batch",
            {"moduleId": beta_module["id"], "awards": [award_data()]},
        ),
        ("GET", f"/issuers/{beta.slug}/api-keys", None),
        ("DELETE", f"/issuers/{beta.slug}/api-keys/{beta_key['id']}", None),
        ("GET", f"/issuers/{beta.slug}/audit", None),
        # Alpha's own path with Beta's ids.
        ("GET", f"/issuers/{alpha.slug}/modules/{beta_module['id']}", None),
        ("GET", f"/issuers/{alpha.slug}/programmes/{beta_programme['id']}", None),
        ("GET", f"/issuers/{alpha.slug}/credentials/{beta_row['id']}", None),
        ("POST", f"/issuers/{alpha.slug}/awards", award_data(moduleId=beta_module["id"])),
        (
            "POST",
            f"/issuers/{alpha.slug}/awards/batch",
            {"moduleId": beta_module["id"], "awards": [award_data()]},
        ),
        ("DELETE", f"/issuers/{alpha.slug}/api-keys/{beta_key['id']}", None),
        ("POST", f"/issuers/{alpha.slug}/modules", module_data(programmeId=beta_programme["id"])),
    ]
    for method, path, body in foreign:
        response = client.request(method, path, json=body, headers=alpha.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "Secret Learner" not in response.text

    assert table_counts(db) == before
    assert client.get(f"/issuers/{alpha.slug}/credentials", headers=alpha.headers).json() == []
    # Beta's key still works: the DELETE did not revoke it.
    assert client.get(f"/issuers/{beta.slug}/modules", headers=beta.headers).status_code == 200
